"""The public, read-only HSDS 3.1 API of the directory, at /hsds/ (issue #7).

It follows the standard's OpenAPI document (hsds_schema/openapi.json, served with our
server filled in at /hsds/openapi.json): the same paths, every documented query parameter,
and the page envelope. Anyone may read it: no sign-in, no session, no cookie. It is built
from `documents.published`, so a confidential location (a safe house), its address, its
phones and the service-at-location that places a service there never appear: not in a
list, not by id (404), not through postcode or proximity, not nested in anything.

Plain Django views returning JSON, not a second NinjaAPI: the response shapes are the
standard's, not generated from pydantic models; a bad parameter must be a 400 naming the
parameter (ninja answers 422 in its own shape); ndjson is a stream; and ninja would
publish its own OpenAPI document where the standard's is the contract.

Rules where the standard leaves a choice
----------------------------------------
- **Methods**: GET and HEAD. The standard also lists POST for the list paths, with the
  same query parameters; this API is read-only and answers 405 (Allow: GET, HEAD).
- **Paging**: `page` from 1 (default 1, at most MAX_PAGE); `per_page` from 1 to
  MAX_PER_PAGE (default DEFAULT_PER_PAGE); with `minimal=true` up to MAX_PER_PAGE_MINIMAL,
  since the standard asks for all services in one page then. Past the cap is a 400, not a
  silent clamp. The envelope: `total_items`; `total_pages` = ceil(total_items / per_page)
  (0 when nothing matched); `page_number`; `size` = the number of items on this page;
  `first_page` = page 1; `last_page` = no page after this one; `empty` = this page has
  no items. A page past the end is an empty page (200), so a client looping until
  `last_page` never gets an error.
- **format**: `json` (default) or `ndjson`: every matching record, one JSON document per
  line, no envelope and no paging (`page` and `per_page` are checked, then ignored).
- **Booleans**: `true`/`false` (or `1`/`0`), any case. An empty value is the same as
  leaving the parameter out. Parameters a path does not document are ignored.
- **search**: full text (continuum.directory.fulltext) over a service's name, alternate
  name, description and organization's name; over an organization's name, alternate
  name and description; for service-at-locations over their service (ordered as without
  search); for taxonomies and terms, a case-insensitive substring of the name or
  description (and a term's code). At most MAX_SEARCH_LENGTH characters.
- **taxonomy_term_id**: records tagged with that term (an HSDS attribute). A
  service-at-location counts its service's tags and its own; an organization its own and
  its services'. **taxonomy_id**: the same, for any term of that taxonomy.
- **modified_after**: an ISO 8601 date-time ("2025-01-31T09:00:00Z"; a "+hh:mm" offset
  whose "+" arrived as a space is read as meant), or a date (midnight UTC); without an
  offset it is UTC. "On or after", against the service's `last_modified` (for a
  service-at-location, its service's).
- **minimal** (services): each item is just `id` and `last_modified` (the latter left out
  when unknown). `minimal` and `full` together are a 400.
- **full**: fully nested records. For organizations, `services` then lists each service's
  own fields; `full_service=true` nests each service fully (also on a list without `full`).
- **top_only** (taxonomy terms): terms at the top of their tree, with no `parent_id`. (The
  standard's description says "that have not child terms"; the name, and what a client
  browsing a tree needs, is the top level.)
- **postcode** (service-at-locations): a U.S. ZIP code or ZIP+4. Without `proximity`, the
  results are those whose service or service-at-location has a service area naming the
  ZIP (as a whole number in the area's `extent` or `name`, e.g. "33101, 33125" or "ZIP
  33101"), and those whose location has an address in that ZIP. With `proximity` (meters,
  a positive number), those whose location lies within that distance of the ZIP's
  centroid (continuum.directory.geo), nearest first. `proximity` without `postcode`, or
  with a ZIP whose centroid is unknown, is a 400.
- Errors are JSON: {"detail": "...", "errors": [{"parameter": ..., "reason": ...}]} for a
  400 (every bad parameter at once), {"detail": "Not found"} for a 404.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt

from continuum.directory import geo
from continuum.directory.documents import Document, build, document, published
from continuum.directory.fulltext import search_organizations, search_services
from continuum.directory.hsds import SCHEMA_DIR
from continuum.directory.tables import TABLES

HSDS_VERSION = "3.1"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PER_PAGE_MINIMAL = 1000
MAX_PAGE = 1_000_000
MAX_SEARCH_LENGTH = 200
# Records built per round when streaming ndjson: queries grow with the number of rounds.
NDJSON_CHUNK = 200

# The query parameters each path reads: those openapi.json documents for its GET
# (tests/directory/test_hsds_api.py holds the two equal).
PARAMETERS: dict[str, tuple[str, ...]] = {
    "/": (),
    "/services": (
        "search",
        "page",
        "per_page",
        "format",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "minimal",
        "full",
    ),
    "/services/{id}": (),
    "/organizations": (
        "search",
        "full_service",
        "full",
        "taxonomy_term_id",
        "taxonomy_id",
        "page",
        "per_page",
        "format",
    ),
    "/organizations/{id}": ("full_service",),
    "/service_at_locations": (
        "search",
        "taxonomy_term_id",
        "taxonomy_id",
        "organization_id",
        "modified_after",
        "full",
        "page",
        "per_page",
        "format",
        "postcode",
        "proximity",
    ),
    "/service_at_locations/{id}": (),
    "/taxonomies": ("search", "page", "per_page", "format"),
    "/taxonomies/{id}": (),
    "/taxonomy_terms": (
        "search",
        "page",
        "per_page",
        "format",
        "taxonomy_id",
        "top_only",
        "parent_id",
    ),
    "/taxonomy_terms/{id}": (),
}


# --- parameters ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    parameter: str
    reason: str


class BadRequest(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.parameter}: {p.reason}" for p in problems))
        self.problems = list(problems)


@dataclass
class Params:
    search: str = ""
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    format: str = "json"
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: datetime.datetime | None = None
    minimal: bool = False
    full: bool = False
    full_service: bool = False
    top_only: bool = False
    parent_id: uuid.UUID | None = None
    postcode: str | None = None  # the five-digit ZIP
    proximity: float | None = None  # meters
    given: set[str] = field(default_factory=set)


def _shown(raw: str) -> str:
    return json.dumps(raw if len(raw) <= 40 else raw[:39] + "…", ensure_ascii=False)


def _whole_number(raw: str, low: int, high: int) -> int:
    value = raw.strip()
    if not re.fullmatch(r"[0-9]{1,12}", value) or not low <= int(value) <= high:
        raise ValueError(f"must be a whole number from {low} to {high}; got {_shown(raw)}")
    return int(value)


def _boolean(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise ValueError(f"must be true or false; got {_shown(raw)}")


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ValueError(
            f"must be an HSDS id, a UUID (like 3f7b145d-84af-42d7-8fae-eaca714b02b2); "
            f"got {_shown(raw)}"
        ) from None


def _datetime(raw: str) -> datetime.datetime:
    text = raw.strip()
    # "+05:00" in a query string arrives as " 05:00" when the client did not encode it.
    text = re.sub(r" (\d{2}(?::?\d{2})?)$", r"+\1", text)
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is not None:
                moment = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    except ValueError:
        moment = None
    if moment is None:
        raise ValueError(
            f"must be an ISO 8601 date-time like 2025-01-31T09:00:00Z, or a date; got {_shown(raw)}"
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment


def _format(raw: str) -> str:
    value = raw.strip().lower()
    if value not in ("json", "ndjson"):
        raise ValueError(f"must be json or ndjson; got {_shown(raw)}")
    return value


def _search(raw: str) -> str:
    if len(raw) > MAX_SEARCH_LENGTH:
        raise ValueError(f"must be at most {MAX_SEARCH_LENGTH} characters")
    return raw.strip()


def _postcode(raw: str) -> str:
    zip5 = geo.parse_zip(raw)
    if zip5 is None:
        raise ValueError(f"must be a U.S. ZIP code (33101 or 33101-1234); got {_shown(raw)}")
    return zip5


def _proximity(raw: str) -> float:
    try:
        meters = float(raw)
    except ValueError:
        meters = math.nan
    if not (math.isfinite(meters) and meters > 0):
        raise ValueError(f"must be a distance in meters, more than 0; got {_shown(raw)}")
    return meters


_PARSERS: dict[str, Callable[[str], Any]] = {
    "search": _search,
    "page": lambda raw: _whole_number(raw, 1, MAX_PAGE),
    # per_page is checked against its cap below, once `minimal` is known.
    "per_page": lambda raw: _whole_number(raw, 0, 10**12),
    "format": _format,
    "taxonomy_term_id": _uuid,
    "taxonomy_id": _uuid,
    "organization_id": _uuid,
    "modified_after": _datetime,
    "minimal": _boolean,
    "full": _boolean,
    "full_service": _boolean,
    "top_only": _boolean,
    "parent_id": _uuid,
    "postcode": _postcode,
    "proximity": _proximity,
}


def read_params(request: HttpRequest, path: str) -> Params:
    """The documented parameters of `path` from the query string; BadRequest if any is bad."""
    params = Params()
    problems: list[Problem] = []
    for name in PARAMETERS[path]:
        raw = request.GET.get(name)
        if raw is None or raw == "":
            continue
        if "\x00" in raw:
            problems.append(Problem(name, "must not contain a NUL character"))
            continue
        try:
            setattr(params, name, _PARSERS[name](raw))
            params.given.add(name)
        except ValueError as error:
            problems.append(Problem(name, str(error)))
    bad = {p.parameter for p in problems}
    if params.minimal and params.full:
        problems.append(Problem("minimal", "cannot be true together with full=true"))
    cap = MAX_PER_PAGE_MINIMAL if params.minimal else MAX_PER_PAGE
    if "per_page" in bad or not 1 <= params.per_page <= cap:
        problems = [p for p in problems if p.parameter != "per_page"]
        shown = _shown(request.GET.get("per_page", ""))
        problems.append(Problem("per_page", f"must be a whole number from 1 to {cap}; got {shown}"))
    if "proximity" in params.given and "postcode" not in params.given and "postcode" not in bad:
        problems.append(Problem("proximity", "needs a postcode to measure from"))
    located = "proximity" in params.given and params.postcode is not None
    if located and geo.zip_centroid(params.postcode) is None:
        problems.append(
            Problem("postcode", f"no known centroid for ZIP {params.postcode} to measure from")
        )
    if problems:
        raise BadRequest(problems)
    return params


def _path_id(raw: str) -> uuid.UUID:
    try:
        return _uuid(raw)
    except ValueError as error:
        raise BadRequest([Problem("id", str(error))]) from None


# --- responses ----------------------------------------------------------------------------


def _json(body: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _bad_request(error: BadRequest) -> JsonResponse:
    names = ", ".join(dict.fromkeys(p.parameter for p in error.problems))
    body = {
        "detail": f"Bad parameter: {names}. {error}.",
        "errors": [{"parameter": p.parameter, "reason": p.reason} for p in error.problems],
    }
    return _json(body, status=400)


def not_found_response() -> JsonResponse:
    return _json({"detail": "Not found"}, status=404)


View = Callable[..., HttpResponseBase]


def public(view: View) -> View:
    """Read-only and for anyone: GET/HEAD, JSON errors, readable from other sites' pages.

    No view here reads the session or the user, so no cookie is ever set; CSRF does not
    apply to a view that only reads (other methods are refused before anything runs).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response: HttpResponseBase
        if request.method not in ("GET", "HEAD"):
            response = _json(
                {"detail": f"This API is read-only: GET or HEAD, not {request.method}."},
                status=405,
            )
            response["Allow"] = "GET, HEAD"
        else:
            try:
                response = view(request, *args, **kwargs)
            except BadRequest as error:
                response = _bad_request(error)
            except Http404:
                response = not_found_response()
        # Public data, never dependent on who asks: any site's page may read it.
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return csrf_exempt(wrapper)


Render = Callable[[Sequence[Any]], list[Document]]


def _ordered(queryset: QuerySet[Any], *ordering: str) -> QuerySet[Any]:
    # A search has put its own order (best match first) already.
    return queryset if queryset.query.order_by else queryset.order_by(*ordering, "pk")


def _listing(params: Params, queryset: QuerySet[Any], render: Render) -> HttpResponseBase:
    """A page of `queryset` in the standard's envelope, or all of it as ndjson."""
    if params.format == "ndjson":
        return StreamingHttpResponse(
            _ndjson(queryset, render), content_type="application/x-ndjson; charset=utf-8"
        )
    total = queryset.count()
    offset = (params.page - 1) * params.per_page
    rows = list(queryset[offset : offset + params.per_page]) if offset < total else []
    contents = render(rows)
    total_pages = math.ceil(total / params.per_page)
    return _json(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": params.page,
            "size": len(contents),
            "first_page": params.page == 1,
            "last_page": params.page >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


def _ndjson(queryset: QuerySet[Any], render: Render) -> Iterator[bytes]:
    # The ids first, in order, so that the stream is one consistent listing; then the
    # records a chunk at a time, so that memory and queries grow by chunks, not records.
    ids = list(queryset.values_list("pk", flat=True))
    model = queryset.model
    for start in range(0, len(ids), NDJSON_CHUNK):
        chunk = ids[start : start + NDJSON_CHUNK]
        found = model._default_manager.in_bulk(chunk)
        rows = [found[pk] for pk in chunk if pk in found]
        for doc in render(rows):
            yield (json.dumps(doc, ensure_ascii=False) + "\n").encode()


def _one(table: str, pk: uuid.UUID) -> Any:
    row = published(table).filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


# --- what is tagged with what ---------------------------------------------------------------


def _tagged_ids(params: Params) -> QuerySet[Any] | None:
    """Ids of rows tagged with the requested term or taxonomy; None when neither is asked."""
    attributes = published("attribute")
    if params.taxonomy_term_id is None and params.taxonomy_id is None:
        return None
    if params.taxonomy_term_id is not None:
        attributes = attributes.filter(taxonomy_term_id=params.taxonomy_term_id)
    if params.taxonomy_id is not None:
        attributes = attributes.filter(taxonomy_term__taxonomy_detail_id=params.taxonomy_id)
    return attributes.values("link_id")


# --- renderers ------------------------------------------------------------------------------


def _props_except(table: str, *left_out: str) -> tuple[str, ...]:
    return tuple(n.prop for n in TABLES[table].nested if n.prop not in left_out)


def _service_list_docs(rows: Sequence[Any]) -> list[Document]:
    # The standard's service_list: the service's own fields, its organization's and program's.
    return build("service", rows, props=("organization", "program"), depth=1)


def _service_docs(params: Params) -> Render:
    if params.minimal:
        return lambda rows: [
            {
                key: value
                for key, value in (
                    ("id", str(row.id)),
                    ("last_modified", row.last_modified and row.last_modified.isoformat()),
                )
                if value
            }
            for row in rows
        ]
    if params.full:
        return lambda rows: build("service", rows)
    return _service_list_docs


def _organization_docs(*, full: bool, full_service: bool) -> Render:
    def render(rows: Sequence[Any]) -> list[Document]:
        props = _props_except("organization", "services") if full else ()
        docs = build("organization", rows, props=props)
        if not (full or full_service) or not rows:
            return docs
        services = list(
            published("service")
            .filter(organization_id__in=[row.id for row in rows])
            .order_by("name", "pk")
        )
        if full_service:
            service_docs = build(
                "service", services, props=_props_except("service", "organization")
            )
        else:
            service_docs = build("service", services, props=())
        by_organization: dict[Any, list[Document]] = {row.id: [] for row in rows}
        for service, doc in zip(services, service_docs, strict=True):
            doc.pop("organization_id", None)
            by_organization[service.organization_id].append(doc)
        for row, doc in zip(rows, docs, strict=True):
            doc["services"] = by_organization[row.id]
        return docs

    return render


def _service_at_location_docs(*, full: bool) -> Render:
    def render(rows: Sequence[Any]) -> list[Document]:
        if full:
            docs = build("service_at_location", rows)
        else:
            docs = build("service_at_location", rows, props=("location",), depth=1)
        wanted = {row.service_id for row in rows} - {None}
        services = list(published("service").filter(pk__in=wanted)) if wanted else []
        if full:
            service_docs = build(
                "service", services, props=_props_except("service", "service_at_locations")
            )
        else:
            service_docs = _service_list_docs(services)
        by_id = {s.id: d for s, d in zip(services, service_docs, strict=True)}
        for row, doc in zip(rows, docs, strict=True):
            if row.service_id in by_id:
                doc["service"] = copy.deepcopy(by_id[row.service_id])
        return docs

    return render


# --- views ----------------------------------------------------------------------------------


@public
def root(request: HttpRequest) -> HttpResponseBase:
    """GET / : which HSDS this is, and where its OpenAPI document is."""
    return _json(
        {
            "version": HSDS_VERSION,
            "openapi_url": request.build_absolute_uri(reverse("hsds:openapi")),
        }
    )


@functools.cache
def _standard_openapi() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA_DIR / "openapi.json").read_bytes())
    return loaded


@public
def openapi(request: HttpRequest) -> HttpResponseBase:
    """The standard's OpenAPI document, with this server, its caps, and GET only."""
    spec = copy.deepcopy(_standard_openapi())
    spec["info"] = {
        "title": "Continuum HSDS API",
        "version": HSDS_VERSION,
        "summary": "The public, read-only Open Referral HSDS 3.1 API of a Continuum directory.",
        "description": (
            "Services, organizations, service-at-locations and taxonomies, as the HSDS 3.1 "
            "standard describes them. Confidential locations are never published."
        ),
    }
    spec["servers"] = [{"url": request.build_absolute_uri(reverse("hsds:root")).rstrip("/")}]
    for operations in spec["paths"].values():
        operations.pop("post", None)
    parameters = spec["components"]["parameters"]
    parameters["page"]["schema"].update({"minimum": 1, "maximum": MAX_PAGE, "default": 1})
    parameters["per_page"]["schema"].update(
        {"minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}
    )
    parameters["per_page"]["description"] += (
        f" At most {MAX_PER_PAGE} ({MAX_PER_PAGE_MINIMAL} with minimal=true)."
    )
    parameters["format"]["schema"]["enum"] = ["json", "ndjson"]
    return _json(spec)


@public
def services(request: HttpRequest) -> HttpResponseBase:
    params = read_params(request, "/services")
    rows: QuerySet[Any] = published("service")
    if params.organization_id is not None:
        rows = rows.filter(organization_id=params.organization_id)
    tagged = _tagged_ids(params)
    if tagged is not None:
        rows = rows.filter(pk__in=tagged)
    if params.modified_after is not None:
        rows = rows.filter(last_modified__gte=params.modified_after)
    if params.search:
        rows = search_services(rows, params.search)
    return _listing(params, _ordered(rows, "name"), _service_docs(params))


@public
def service(request: HttpRequest, id: str) -> HttpResponseBase:
    return _json(document("service", _one("service", _path_id(id))))


@public
def organizations(request: HttpRequest) -> HttpResponseBase:
    params = read_params(request, "/organizations")
    rows: QuerySet[Any] = published("organization")
    tagged = _tagged_ids(params)
    if tagged is not None:
        rows = rows.filter(
            Q(pk__in=tagged)
            | Q(pk__in=published("service").filter(pk__in=tagged).values("organization_id"))
        )
    if params.search:
        rows = search_organizations(rows, params.search)
    render = _organization_docs(full=params.full, full_service=params.full_service)
    return _listing(params, _ordered(rows, "name"), render)


@public
def organization(request: HttpRequest, id: str) -> HttpResponseBase:
    pk = _path_id(id)
    params = read_params(request, "/organizations/{id}")
    row = _one("organization", pk)
    return _json(_organization_docs(full=True, full_service=params.full_service)([row])[0])


def _postcode_filter(zip5: str) -> Q:
    # The ZIP as a whole number: not a part of a longer one ("331015" is not 33101).
    whole = rf"(^|[^0-9]){zip5}([^0-9]|$)"
    areas = published("service_area").filter(Q(extent__regex=whole) | Q(name__regex=whole))
    addresses = published("address").filter(postal_code__regex=rf"^\s*{zip5}([^0-9]|$)")
    return (
        Q(service_id__in=areas.filter(service__isnull=False).values("service_id"))
        | Q(pk__in=areas.filter(service_at_location__isnull=False).values("service_at_location"))
        | Q(location_id__in=addresses.values("location_id"))
    )


@public
def service_at_locations(request: HttpRequest) -> HttpResponseBase:
    params = read_params(request, "/service_at_locations")
    rows: QuerySet[Any] = published("service_at_location")
    if params.organization_id is not None:
        rows = rows.filter(service__organization_id=params.organization_id)
    tagged = _tagged_ids(params)
    if tagged is not None:
        rows = rows.filter(Q(service_id__in=tagged) | Q(pk__in=tagged))
    if params.modified_after is not None:
        rows = rows.filter(service__last_modified__gte=params.modified_after)
    if params.search:
        found = search_services(published("service"), params.search)
        rows = rows.filter(service_id__in=found.values("pk"))
    ordering: tuple[str, ...] = ("service__name", "location__name")
    if params.postcode is not None and params.proximity is not None:
        centroid = geo.zip_centroid(params.postcode)
        assert centroid is not None  # read_params refuses a ZIP without one
        miles = params.proximity / geo.METERS_PER_MILE
        lat, lon = centroid
        rows = (
            rows.filter(geo.within_box("location", geo.bounding_box(lat, lon, miles)))
            .annotate(distance=geo.distance_miles(lat, lon, prefix="location"))
            .filter(distance__lte=miles + 1e-6)
        )
        ordering = ("distance",)
    elif params.postcode is not None:
        rows = rows.filter(_postcode_filter(params.postcode))
    rows = rows.order_by(*ordering, "pk")
    return _listing(params, rows, _service_at_location_docs(full=params.full))


@public
def service_at_location(request: HttpRequest, id: str) -> HttpResponseBase:
    row = _one("service_at_location", _path_id(id))
    return _json(_service_at_location_docs(full=True)([row])[0])


@public
def taxonomies(request: HttpRequest) -> HttpResponseBase:
    params = read_params(request, "/taxonomies")
    rows: QuerySet[Any] = published("taxonomy")
    if params.search:
        rows = rows.filter(
            Q(name__icontains=params.search) | Q(description__icontains=params.search)
        )
    return _listing(params, _ordered(rows, "name"), lambda page: build("taxonomy", page, props=()))


@public
def taxonomy(request: HttpRequest, id: str) -> HttpResponseBase:
    return _json(document("taxonomy", _one("taxonomy", _path_id(id))))


@public
def taxonomy_terms(request: HttpRequest) -> HttpResponseBase:
    params = read_params(request, "/taxonomy_terms")
    rows: QuerySet[Any] = published("taxonomy_term")
    if params.taxonomy_id is not None:
        rows = rows.filter(taxonomy_detail_id=params.taxonomy_id)
    if params.top_only:
        rows = rows.filter(parent_id__isnull=True)
    if params.parent_id is not None:
        rows = rows.filter(parent_id=params.parent_id)
    if params.search:
        rows = rows.filter(
            Q(name__icontains=params.search)
            | Q(description__icontains=params.search)
            | Q(code__icontains=params.search)
        )
    return _listing(
        params,
        _ordered(rows, "name"),
        lambda page: build("taxonomy_term", page, props=("taxonomy_detail",), depth=1),
    )


@public
def taxonomy_term(request: HttpRequest, id: str) -> HttpResponseBase:
    return _json(document("taxonomy_term", _one("taxonomy_term", _path_id(id))))


@public
def unknown(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Anything else under /hsds/: a JSON 404, like the API's own."""
    return not_found_response()
