"""Community gap analysis (issue #7): young people waiting with an unmet need, by need and
county, against the services that could meet it and the room they say they have.

What counts (docs/measures.md explains it for supervisors and analysts):

- **Young people waiting**: needs "identified" or "being addressed" today, on cases that are
  not closed (the needs measures' "open now", so the two pages agree), by the need's domain
  and the **county of the case's lead agency** (accounts.Agency.county). One per case and
  domain.
- **Services**: directory services whose status is active, tagged with any Open Eligibility
  term of the need's domain (directory.need_terms.NEED_DOMAIN_TERMS, as matching reads it;
  a service tagged for several needs counts under each), by the **county of the agency that
  keeps the listing** (the service's organization's agency). A listing no member agency
  keeps, or whose agency has no county, is under "county not recorded". Addresses are not
  used: HSDS addresses have no county, a ZIP code can cross county lines, and a confidential
  location's county would say where a safe house is.
- **Capacity**: for those services, each one's newest figure per unit (beds, openings...):
  the sum of what is available and, where given, of the maximum, per unit. A service with
  no capacity figure is **not reported**, which is not zero: the two are counted apart.
- Domains: every domain in use, and a retired one while a case still has an open need in it.

Whose needs: a supervisor's agency's cases (exact); an analyst's or a network admin's, the
whole community's, with a count of young people from 1 to 10 shown as "<11", and within a
domain the counties' counts are parts of the domain's total (figures.parts_of), so none can
be worked out by subtraction. Services and capacity are what agencies publish about
themselves in the directory, not about anyone they serve: they are never hidden (as the MDT
measures' MOU figures).

Always as of now. Four queries, whatever the number of needs or services.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.db.models import Aggregate, Count, Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import CaseStatus
from continuum.directory import taxonomy
from continuum.directory.models import Attribute, Service, ServiceCapacity, ServiceStatus
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.needs.models import UNMET_STATUSES, Need, NeedDomain
from continuum.outcomes import figures
from continuum.outcomes.figures import Figure
from continuum.outcomes.needs import Scope, safe_cell, scope_of
from continuum.outcomes.periods import ALL_TIME, Period

NOT_RECORDED = ""  # the county key of an agency with no county


def county_key(county: str | None) -> str:
    """Counties are grouped by name as agencies typed it, ignoring case and spacing."""
    return " ".join((county or "").split()).casefold()


def county_label(key: str, spellings: dict[str, str]) -> str:
    return spellings.get(key) or _("County not recorded")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


@dataclass(frozen=True)
class Capacity:
    """Room per unit, summed over the services that report it."""

    unit: str
    available: float
    maximum: float | None  # the sum over those that give one; None when none does
    services: int  # services reporting in this unit
    without_maximum: int  # of those, how many give no maximum

    @property
    def label(self) -> str:
        if self.maximum is not None and self.without_maximum == 0:
            return _("%(available)s of %(maximum)s %(unit)s available") % {
                "available": _number(self.available),
                "maximum": _number(self.maximum),
                "unit": self.unit,
            }
        return _("%(available)s %(unit)s available") % {
            "available": _number(self.available),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class GapRow:
    """One county of one need (or all counties)."""

    county: str  # the key; "" = not recorded
    name: str
    waiting: Figure
    services: Figure
    services_reporting: Figure
    services_not_reporting: Figure
    capacity: list[Capacity]
    mapped: bool  # the need has directory terms at all
    reading: str

    @property
    def gap(self) -> bool:
        """Someone waits, and nothing in the directory takes them now: no active service,
        or every service reports its room and none is free."""
        waits = self.waiting.value != 0
        full = (
            self.services_not_reporting.value == 0
            and bool(self.capacity)
            and all(c.available <= 0 for c in self.capacity)
        )
        return waits and (self.services.value == 0 or full)

    @property
    def capacity_label(self) -> str:
        return capacity_words(self)


@dataclass(frozen=True)
class DomainGaps:
    code: str
    name: str
    active: bool
    mapped: bool
    total: GapRow
    counties: list[GapRow]


@dataclass(frozen=True)
class GapMeasures:
    scope: Scope
    today: date
    domains: list[DomainGaps]
    # Now, always: kept so the measures pages' shared parts read it like the others'.
    period: Period = ALL_TIME

    @property
    def suppressed(self) -> bool:
        """Small counts are hidden (community-wide figures)."""
        return self.scope.community


def gap_measures(actor: Actor) -> GapMeasures:
    """The gap analysis this actor may see (needs.scope_of: Forbidden for roles without
    measures). Not audited here: the page, the CSV and the API each record what they
    showed (record_viewed)."""
    return measure_gaps(scope_of(actor))


def _tagged(codes: tuple[str, ...], service_ref: str) -> Q:
    ids = [taxonomy.term_id(code) for code in codes]
    return Q(
        Exists(Attribute.objects.filter(link_id=OuterRef(service_ref), taxonomy_term_id__in=ids))
    )


@dataclass
class _Room:
    unit: str
    available: float = 0.0
    maximum: float | None = None
    services: int = 0
    without_maximum: int = 0

    def add(
        self, available: float | None, maximum: float | None, services: int, without: int
    ) -> None:
        self.available += float(available or 0)
        if maximum is not None:
            self.maximum = (self.maximum or 0.0) + float(maximum)
        self.services += services
        self.without_maximum += without


@dataclass
class _Cell:
    waiting: int = 0
    services: int = 0
    reporting: int = 0
    rooms: dict[str, _Room] = field(default_factory=dict)  # by unit, ignoring case

    def room(self, unit: str) -> _Room:
        return self.rooms.setdefault(unit.casefold(), _Room(unit))


_Cells = defaultdict[tuple[int, str], _Cell]
_KeyOf = Callable[[str | None], str]


def measure_gaps(scope: Scope, *, now: datetime | None = None) -> GapMeasures:
    """Every figure for the needs in `scope` against the whole directory (4 queries)."""
    now = now or timezone.now()
    suppress = scope.community
    domains = list(NeedDomain.objects.all())
    mapped = {d.code: NEED_DOMAIN_TERMS.get(d.code, ()) for d in domains}
    mapped = {code: terms for code, terms in mapped.items() if terms}
    spellings: dict[str, str] = {}

    def key_of(county: str | None) -> str:
        key = county_key(county)
        if key:
            written = " ".join((county or "").split())
            spellings[key] = min(spellings.get(key, written), written)
        return key

    cells: _Cells = defaultdict(_Cell)
    waiting = (
        Need.objects.filter(scope.cases("case"), status__in=UNMET_STATUSES)
        .exclude(case__status=CaseStatus.CLOSED)
        .values("domain_id", "case__lead_agency__county")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in waiting:
        cells[(row["domain_id"], key_of(row["case__lead_agency__county"]))].waiting += row["n"]
    by_code = {d.code: d.pk for d in domains}
    names = {code: f"d{n}" for n, code in enumerate(mapped)}
    if mapped:
        _count_services(mapped, names, by_code, cells, key_of)
        _count_capacity(mapped, names, by_code, cells, key_of)

    found = []
    for domain in domains:
        keys = sorted(
            (county for (domain_id, county) in cells if domain_id == domain.pk),
            key=lambda county: (county == NOT_RECORDED, county),
        )
        if not domain.is_active and not any(cells[(domain.pk, k)].waiting for k in keys):
            continue  # retired, and nobody waits in it
        found.append(_domain_gaps(domain, keys, cells, spellings, domain.code in mapped, suppress))
    return GapMeasures(scope=scope, today=timezone.localdate(now), domains=found)


def _count_services(
    mapped: dict[str, tuple[str, ...]],
    names: dict[str, str],
    by_code: dict[str, int],
    cells: _Cells,
    key_of: _KeyOf,
) -> None:
    """Active services offering each need, and those of them reporting capacity, by the
    county of the agency that keeps them (one query)."""
    reports = Q(Exists(ServiceCapacity.objects.filter(service_id=OuterRef("pk"))))
    aggregates: dict[str, Aggregate] = {}
    for code, terms in mapped.items():
        offers = _tagged(terms, "pk")
        aggregates[f"{names[code]}_offer"] = Count("pk", filter=offers)
        aggregates[f"{names[code]}_report"] = Count("pk", filter=offers & reports)
    rows = (
        Service.objects.filter(status=ServiceStatus.ACTIVE)
        .values("organization__agency__county")
        .annotate(**aggregates)
        .order_by()
    )
    for found in rows:
        row: dict[str, Any] = dict(found)
        county = key_of(row["organization__agency__county"])
        for code in mapped:
            offering = row[f"{names[code]}_offer"]
            if offering:
                cell = cells[(by_code[code], county)]
                cell.services += offering
                cell.reporting += row[f"{names[code]}_report"]


def _count_capacity(
    mapped: dict[str, tuple[str, ...]],
    names: dict[str, str],
    by_code: dict[str, int],
    cells: _Cells,
    key_of: _KeyOf,
) -> None:
    """The newest capacity figure per service and unit, summed per need, county and unit
    (one query)."""
    newer = ServiceCapacity.objects.filter(
        service_id=OuterRef("service_id"), unit_id=OuterRef("unit_id")
    ).filter(
        Q(updated__gt=OuterRef("updated")) | Q(updated=OuterRef("updated"), pk__gt=OuterRef("pk"))
    )
    aggregates: dict[str, Aggregate] = {}
    for code, terms in mapped.items():
        offers = _tagged(terms, "service_id")
        name = names[code]
        aggregates[f"{name}_available"] = Sum("available", filter=offers)
        aggregates[f"{name}_maximum"] = Sum("maximum", filter=offers)
        aggregates[f"{name}_services"] = Count("pk", filter=offers)
        aggregates[f"{name}_no_max"] = Count("pk", filter=offers & Q(maximum__isnull=True))
    rows = (
        ServiceCapacity.objects.filter(service__status=ServiceStatus.ACTIVE)
        .filter(~Exists(newer))
        .values("service__organization__agency__county", "unit__name")
        .annotate(**aggregates)
        .order_by()
    )
    for found in rows:
        row: dict[str, Any] = dict(found)
        county = key_of(row["service__organization__agency__county"])
        unit = " ".join(str(row["unit__name"]).split())
        for code in mapped:
            name = names[code]
            if not row[f"{name}_services"]:
                continue
            cells[(by_code[code], county)].room(unit).add(
                row[f"{name}_available"],
                row[f"{name}_maximum"],
                row[f"{name}_services"],
                row[f"{name}_no_max"],
            )


def _capacities(cell: _Cell) -> list[Capacity]:
    return [
        Capacity(
            unit=room.unit,
            available=room.available,
            maximum=room.maximum,
            services=room.services,
            without_maximum=room.without_maximum,
        )
        for _key, room in sorted(cell.rooms.items())
    ]


def _merge(cells: list[_Cell]) -> _Cell:
    total = _Cell(
        waiting=sum(c.waiting for c in cells),
        services=sum(c.services for c in cells),
        reporting=sum(c.reporting for c in cells),
    )
    for cell in cells:
        for room in cell.rooms.values():
            total.room(room.unit).add(
                room.available, room.maximum, room.services, room.without_maximum
            )
    return total


def _row(county: str, name: str, cell: _Cell, waiting: Figure, mapped: bool) -> GapRow:
    exact = figures.count(cell.services, suppress=False)
    row = GapRow(
        county=county,
        name=name,
        waiting=waiting,
        services=exact,
        services_reporting=figures.count(cell.reporting, suppress=False),
        services_not_reporting=figures.count(cell.services - cell.reporting, suppress=False),
        capacity=_capacities(cell),
        mapped=mapped,
        reading="",
    )
    return replace(row, reading=reading(row))


def _domain_gaps(
    domain: NeedDomain,
    keys: list[str],
    cells: _Cells,
    spellings: dict[str, str],
    mapped: bool,
    suppress: bool,
) -> DomainGaps:
    found = {key: cells[(domain.pk, key)] for key in keys}
    total = _merge(list(found.values()))
    # The counties' counts make up the domain's (shown here, and on the needs page as
    # "open now"): a small one must not be found by subtracting the others.
    parts = figures.parts_of(
        {key: cell.waiting for key, cell in found.items()}, total.waiting, suppress=suppress
    )
    return DomainGaps(
        code=domain.code,
        name=domain.name,
        active=domain.is_active,
        mapped=mapped,
        total=_row(
            "*",
            _("All counties"),
            total,
            figures.count(total.waiting, suppress=suppress),
            mapped,
        ),
        counties=[
            _row(key, county_label(key, spellings), cell, parts[key], mapped)
            for key, cell in found.items()
        ],
    )


# --- in words --------------------------------------------------------------------------------


def waiting_words(figure: Figure) -> str:
    if figure.value == 0:
        return _("nobody waiting")
    if figure.value is not None:
        n = int(figure.value)
        return ngettext("%(n)s young person waiting", "%(n)s young people waiting", n) % {"n": n}
    if figure.shown == figures.SMALL:
        return _("fewer than 11 young people waiting")
    return _("young people waiting (how many is hidden)")


def services_words(row: GapRow) -> str:
    if not row.mapped:
        return _("no directory terms for this need")
    n = int(row.services.value or 0)
    if n == 0:
        return _("no active service")
    return ngettext("%(n)s service", "%(n)s services", n) % {"n": n}


def capacity_words(row: GapRow) -> str:
    """Room, with "not reported" apart from none."""
    if not row.services.value:
        return ""
    if not row.capacity:
        return _("no capacity reported")
    said = [c.label for c in row.capacity]
    missing = int(row.services_not_reporting.value or 0)
    if missing:
        said.append(
            ngettext("%(n)s service not reporting", "%(n)s services not reporting", missing)
            % {"n": missing}
        )
    return ", ".join(said)


def reading(row: GapRow) -> str:
    """The row in a sentence: "27 young people waiting, 1 service, no capacity reported"."""
    words = [waiting_words(row.waiting), services_words(row)]
    room = capacity_words(row)
    if room:
        words.append(room)
    text = ", ".join(words)
    return text[:1].upper() + text[1:]


# --- showing them ---------------------------------------------------------------------------


def record_viewed(actor: Actor, measures: GapMeasures, *, shown_as: str) -> None:
    """Audit a look at the gap analysis: whose needs, how (page, csv, api). Never a name:
    there is none in it."""
    record(
        actor,
        AuditAction.MEASURES_VIEWED,
        detail={
            "measures": "gaps",
            "scope": measures.scope.key,
            "period": "now",
            "as": shown_as,
        },
    )


def scope_label(scope: Scope) -> str:
    return (
        _("Needs of the whole community")
        if scope.community
        else _("Needs of the cases your agency leads")
    )


def row_figures(row: GapRow) -> list[tuple[str, str]]:
    return [
        (_("Young people waiting"), row.waiting.shown),
        (_("Active services"), row.services.shown),
        (_("Services reporting capacity"), row.services_reporting.shown),
        (_("Services not reporting capacity"), row.services_not_reporting.shown),
        *(
            (
                _("Capacity (%(unit)s): available") % {"unit": c.unit},
                _number(c.available),
            )
            for c in row.capacity
        ),
        *(
            (
                _("Capacity (%(unit)s): maximum") % {"unit": c.unit},
                _number(c.maximum)
                if c.maximum is not None and not c.without_maximum
                else _("not reported by all"),
            )
            for c in row.capacity
        ),
        (_("Gap"), _("yes") if row.gap else _("no")),
        (_("In words"), row.reading),
    ]


def gaps_csv(measures: GapMeasures) -> str:
    """The table as CSV, one figure a row (need, county, figure, value), exactly as the page
    shows it. Every cell is guarded against spreadsheet formulas: need, county and unit
    names are the community's own words."""
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells: object) -> None:
        writer.writerow([safe_cell(str(c)) for c in cells])

    row(_("Need"), _("County"), _("Figure"), _("Value"))
    row(_("About"), "", _("Whose needs"), scope_label(measures.scope))
    row(_("About"), "", _("As of"), measures.today.isoformat())
    if measures.suppressed:
        row(_("About"), "", _("Small counts"), _("Counts from 1 to 10 are shown as <11"))
    for domain in measures.domains:
        name = (
            domain.name if domain.active else _("%(name)s (no longer used)") % {"name": domain.name}
        )
        for line in (domain.total, *domain.counties):
            for label, value in row_figures(line):
                row(name, line.name, label, value)
    return out.getvalue()
