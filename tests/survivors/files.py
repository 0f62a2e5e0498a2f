"""Synthetic uploads for the signed-form tests: photos and PDFs full of metadata.

Everything is built here, in memory, with Pillow and pypdf: no file from outside the tests.
"""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

# Who took the photo and where: what must not survive the upload.
ARTIST = "Ana Perez"
CAMERA = "Palmetto Phone 7"
LATITUDE = (25.0, 46.0, 30.0)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Ana Perez</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)
WIDE, TALL = 48, 24


def exif_with_gps(*, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = ARTIST
    exif[ExifTags.Base.Make] = CAMERA
    exif[ExifTags.Base.ImageDescription] = "Release form for Ana Perez"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (80.0, 11.0, 0.0)
    return exif


def _picture() -> Image.Image:
    """Wide, with a red left half: after turning upright, red is at the top."""
    image = Image.new("RGB", (WIDE, TALL), (255, 255, 255))
    image.paste((220, 0, 0), (0, 0, WIDE // 2, TALL))
    return image


def jpeg_with_exif(*, orientation: int | None = 6) -> bytes:
    """A phone photo: EXIF with the artist, the camera and GPS, an XMP packet, and the
    orientation tag (6: the camera was turned, show it rotated 90° clockwise)."""
    out = io.BytesIO()
    _picture().save(
        out, "JPEG", exif=exif_with_gps(orientation=orientation), xmp=XMP, comment=b"Ana"
    )
    return out.getvalue()


def png_with_metadata() -> bytes:
    info = PngInfo()
    info.add_text("Author", ARTIST)
    info.add_text("Comment", "Release form for Ana Perez")
    out = io.BytesIO()
    _picture().save(out, "PNG", pnginfo=info, exif=exif_with_gps())
    return out.getvalue()


def plain_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.metadata = None
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_metadata(*, embedded_photo: bool = False) -> bytes:
    """A PDF with an /Author in its document information and an XMP packet naming the
    survivor; with `embedded_photo`, its page shows a phone JPEG, EXIF and all."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    if embedded_photo:
        photo = jpeg_with_exif(orientation=None)
        image = StreamObject()
        image.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(WIDE),
                NameObject("/Height"): NumberObject(TALL),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): NameObject("/DCTDecode"),
            }
        )
        image._data = photo
        resources = DictionaryObject(
            {
                NameObject("/XObject"): DictionaryObject(
                    {NameObject("/Im0"): writer._add_object(image)}
                )
            }
        )
        page[NameObject("/Resources")] = resources
        content = DecodedStreamObject()
        content.set_data(b"q 96 0 0 48 10 10 cm /Im0 Do Q")
        page[NameObject("/Contents")] = ArrayObject([writer._add_object(content)])
    writer.add_metadata({"/Author": ARTIST, "/Title": "Release for Ana Perez", "/Creator": CAMERA})
    writer.xmp_metadata = XMP
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("a password", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def not_really_a_pdf() -> bytes:
    return b"Signed form for Ana Perez, 2 March.\nThis is a text file called .pdf\n"


def broken_pdf() -> bytes:
    return b"%PDF-1.7\n" + b"\x00\x13 not a real PDF body " * 40 + b"\n%%EOF\n"


def windows_program() -> bytes:
    """The start of a Windows executable (a PE file), as if renamed to .pdf."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 48 + b"PE\x00\x00"


def pdf_with_attached_file() -> bytes:
    """A PDF whose page carries a file-attachment annotation: an embedded file under the
    survivor's name, with a comment."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    embedded = StreamObject()
    embedded.update({NameObject("/Type"): NameObject("/EmbeddedFile")})
    embedded._data = b"ATTACHED-PAYLOAD original phone photo"
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject("Ana Perez.jpg"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(embedded)}),
        }
    )
    annotation = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (10, 10, 30, 30)]),
            NameObject("/FS"): writer._add_object(spec),
            NameObject("/Contents"): TextStringObject("Photo of Ana at the clinic"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
