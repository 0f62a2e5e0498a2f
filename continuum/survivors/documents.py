"""Signed release forms: what a file is, by its content, and the same file without metadata.

A scan or a phone photo of a signed form carries more than the form: EXIF in a photo holds
where it was taken (GPS) and often the owner's name, a PDF's document information and XMP
name its author and the software, and an uploaded file's name is often the survivor's. Only
PDF, JPEG and PNG are taken, recognised by their content (never by the name or the type the
browser claims), and every file is rewritten before it is kept:

- images are decoded and encoded again with Pillow, upright (the EXIF orientation applied
  first), with no EXIF, XMP, ICC profile or text chunks;
- PDFs are rewritten page by page with pypdf into a new document with no document
  information dictionary and no XMP metadata; page-level metadata, annotation authors and
  dates, scripts, and the metadata segments of photos embedded in the pages are removed too.

Everything here works on bytes in memory: an upload never touches the disk (see
`SignedFormUploadHandler`).
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload
from django.http import HttpResponse
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from continuum.survivors.models import SignedForm, SignedFormType

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_MEGABYTES = MAX_BYTES // (1024 * 1024)
# A 5 MB PNG can unpack to gigabytes: refuse images larger than a 40-megapixel photo.
MAX_PIXELS = 40_000_000
UPLOAD_FIELD = "file"

_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class DocumentRefused(ValueError):
    """The file cannot be kept as a signed form; the message says why, in plain words."""


@dataclass(frozen=True)
class CleanedFile:
    content: bytes
    media_type: SignedFormType

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def media_type_of(data: bytes) -> SignedFormType | None:
    """What the bytes say the file is (its magic number), whatever it is called."""
    if data.startswith(_PDF_MAGIC):
        return SignedFormType.PDF
    if data.startswith(_JPEG_MAGIC):
        return SignedFormType.JPEG
    if data.startswith(_PNG_MAGIC):
        return SignedFormType.PNG
    return None


def clean_signed_form(data: bytes) -> CleanedFile:
    """The file rewritten without metadata, or DocumentRefused."""
    if not data:
        raise DocumentRefused(_("That file is empty. Choose the scan or photo of the signed form."))
    if len(data) > MAX_BYTES:
        raise DocumentRefused(too_large_message())
    media_type = media_type_of(data)
    if media_type is None:
        raise DocumentRefused(
            _("Upload a PDF, JPEG or PNG file. This file is none of those, whatever its name says.")
        )
    if media_type == SignedFormType.PDF:
        return CleanedFile(_clean_pdf(data), media_type)
    return CleanedFile(_clean_image(data, media_type), media_type)


def too_large_message() -> str:
    return _(
        "That file is larger than %(mb)s MB. Scan the form again at a lower resolution, or "
        "photograph it, and upload that."
    ) % {"mb": MAX_MEGABYTES}


# --- images ---------------------------------------------------------------------------------


def _clean_image(data: bytes, media_type: SignedFormType) -> bytes:
    pillow_format = "JPEG" if media_type == SignedFormType.JPEG else "PNG"
    unreadable = _(
        "This image could not be read. It may be damaged: photograph or scan the signed form "
        "again and upload the new file."
    )
    try:
        with Image.open(io.BytesIO(data), formats=[pillow_format]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise DocumentRefused(
                    _("This image is too large. Take the photo at a lower resolution.")
                )
            image.load()
            # Upright first: the orientation lives in the EXIF that is about to go.
            upright = ImageOps.exif_transpose(image) or image
            pixels = _plain_mode(upright)
            # A new image from the pixels alone: no info, EXIF, XMP, ICC profile or text.
            clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    except DocumentRefused:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as problem:
        logger.info("signed form image refused: %s", type(problem).__name__)
        raise DocumentRefused(unreadable) from problem
    out = io.BytesIO()
    if pillow_format == "JPEG":
        clean.save(out, "JPEG", quality=90, optimize=True)
    else:
        clean.save(out, "PNG", optimize=True)
    return out.getvalue()


def _plain_mode(image: Image.Image) -> Image.Image:
    """Greyscale, RGB or RGBA: modes that carry no palette or colour profile of their own."""
    if image.mode in ("L", "RGB", "RGBA"):
        return image
    has_alpha = image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
    if image.format == "JPEG" or not has_alpha:
        return image.convert("L" if image.mode == "1" else "RGB")
    return image.convert("RGBA")


# --- PDFs -----------------------------------------------------------------------------------

# Keys that hold metadata or behaviour rather than what the page shows.
# Annotations go too: a signed scan needs none, and they can carry embedded files (with
# their original names and photos' EXIF), comments and pop-ups.
_DROPPED_KEYS = frozenset({"/Metadata", "/PieceInfo", "/LastModified", "/AA", "/Thumb", "/Annots"})
# On annotations: who made them and when.
_ANNOTATION_KEYS = frozenset({"/T", "/M", "/CreationDate", "/NM"})
_UNSAFE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Rendition"}
)


def _clean_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    unreadable = _(
        "This PDF could not be read. It may be damaged: scan the signed form again and upload "
        "the new file."
    )
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRefused(
                _(
                    "This PDF is locked with a password or encrypted. Save a copy without the "
                    "password, or scan the signed form again, and upload that."
                )
            )
        pages = list(reader.pages)
        if not pages:
            raise DocumentRefused(_("This PDF has no pages. Scan the signed form again."))
        writer = PdfWriter()
        for page in pages:
            writer.add_page(page, excluded_keys=sorted(_DROPPED_KEYS))
        # A new document: no catalogue entries of the old one (names, scripts, forms,
        # outline) come across, and these remove the two places metadata lives.
        writer.metadata = None
        writer.xmp_metadata = None
        _scrub(writer.root_object)
        out = io.BytesIO()
        writer.write(out)
    except DocumentRefused:
        raise
    # A malformed PDF fails in many ways (pypdf raises many kinds of error): none is a 500.
    except Exception as problem:
        logger.info("signed form PDF refused: %s", type(problem).__name__)
        raise DocumentRefused(unreadable) from problem
    return out.getvalue()


def _scrub(root: Any) -> None:
    """Walk every object reachable from the catalogue once and remove metadata from it."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, DictionaryObject):
            for key in _DROPPED_KEYS & set(item.keys()):
                del item[key]
            if "/Rect" in item and "/Subtype" in item:  # an annotation
                for key in _ANNOTATION_KEYS & set(item.keys()):
                    del item[key]
            action = item.get("/A")
            if action is not None and action.get_object().get("/S") in _UNSAFE_ACTIONS:
                del item["/A"]
            if isinstance(item, StreamObject) and item.get("/Subtype") == "/Image":
                _strip_embedded_jpeg(item)
            stack.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _strip_embedded_jpeg(stream: Any) -> None:
    """A photo in a PDF page is often the camera's JPEG as it was, EXIF and all: drop its
    metadata segments, leaving the picture's bytes untouched."""
    filters = stream.get("/Filter")
    if hasattr(filters, "get_object"):
        filters = filters.get_object()
    if isinstance(filters, list):
        filters = filters[0] if len(filters) == 1 else None
    if filters != "/DCTDecode":
        return
    raw = stream._data
    stripped = strip_jpeg_metadata(raw)
    if stripped is not None:
        stream._data = stripped


# APP0 (JFIF) and APP14 (Adobe: how to read the colours) are needed to decode; every other
# APPn segment (EXIF, XMP, ICC, IPTC, maker notes) and comments are metadata.
_KEPT_APP_MARKERS = frozenset({0xE0, 0xEE})
_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD9)})


def strip_jpeg_metadata(data: bytes) -> bytes | None:
    """The JPEG without its metadata segments, or None if its structure is not as expected
    (then the caller leaves it as it was)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = bytearray(b"\xff\xd8")
    i = 2
    while i + 1 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0xDA:  # start of scan: the picture itself, to the end
            out += data[i:]
            return bytes(out)
        if marker in _STANDALONE_MARKERS:
            out += data[i : i + 2]
            i += 2
            continue
        if i + 4 > len(data):
            return None
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        end = i + 2 + length
        if length < 2 or end > len(data):
            return None
        is_metadata = (0xE1 <= marker <= 0xEF and marker not in _KEPT_APP_MARKERS) or (
            marker == 0xFE
        )
        if not is_metadata:
            out += data[i:end]
        i = end
    return None


# --- reading the upload, serving the download -----------------------------------------------


class SignedFormUploadHandler(FileUploadHandler):
    """Keeps the uploaded file in memory, never in a temporary file on disk, and stops
    reading it past the size limit (`too_large` then says so)."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.too_large = False
        self._buffer: io.BytesIO | None = None
        self._kept_one = False

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        # Only the first "file" part is kept: a request repeating it a hundred times must not
        # hold a hundred buffers in memory.
        keep = field_name == UPLOAD_FIELD and not self._kept_one
        self._kept_one = self._kept_one or keep
        self._buffer = io.BytesIO() if keep else None
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        if self._buffer is None:
            return None  # another file field: not kept
        if self._buffer.tell() + len(raw_data) > MAX_BYTES:
            self.too_large = True
            self._buffer = None
            raise StopUpload(connection_reset=False)
        self._buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if self._buffer is None:
            return None
        self._buffer.seek(0)
        # The name the browser sent is never kept (it is often the survivor's name).
        return InMemoryUploadedFile(
            file=self._buffer,
            field_name=self.field_name,
            name="upload",
            content_type="application/octet-stream",
            size=file_size,
            charset=None,
        )


def read_upload(request: Any) -> tuple[bytes | None, bool]:
    """(the uploaded file's bytes or None, whether it was too large), read with
    SignedFormUploadHandler. Call before anything else reads request.POST or request.FILES."""
    handler = SignedFormUploadHandler(request)
    request.upload_handlers = [handler]
    upload = request.FILES.get(UPLOAD_FIELD)
    if handler.too_large:
        return None, True
    return (upload.read() if upload is not None else None), False


def download_response(form: SignedForm) -> HttpResponse:
    """The signed form as an attachment under a name that says nothing about whose it is."""
    content = form.content or b""
    response = HttpResponse(content, content_type=form.media_type)
    response["Content-Disposition"] = f'attachment; filename="{form.download_name}"'
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
