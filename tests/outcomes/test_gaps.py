"""The community gap analysis (continuum.outcomes.gaps), its page, CSV and API, from a small
community whose every figure is worked out by hand.

Counties: Lead Family Services and Harbor Counseling are in Palmetto; Other County Kids in
Bay; North Clinic has no county recorded.

Young people waiting (open needs, cases not closed), by the lead agency's county:
  Ana (Lead, Palmetto): shelter identified, mental health being addressed, food met (not
    waiting), documents identified (a need the community added: no directory terms)
  Mira (Lead, Palmetto), closed: shelter identified (not waiting: the case is closed)
  Tala (Other, Bay): shelter identified
Services (active, tagged for the need), by the county of the agency keeping the listing:
  Harbor (Palmetto): Teen shelter (Emergency Shelter 1121): beds 5 of 10 yesterday, 2 of 10
    now (the newest counts), and 1 opening (no maximum); Therapy (1220, mental health): no
    capacity; Old shelter (1121) inactive: not counted
  Lead (Palmetto): Housing help (1136, shelter): no capacity
  Other (Bay): Bay safe house (1125 and 1151, both shelter: counted once): 0 of 6 beds
  a 211 listing kept by no agency (county not recorded): Food pantry (1130, food)
So shelter: Palmetto 1 waiting, 2 services (1 reporting: 2 of 10 beds, 1 openings available;
1 not reporting); Bay 1 waiting, 1 service, 0 of 6 beds (a gap); all counties 2 waiting, 3
services, 2 of 16 beds.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from continuum.accounts.models import Agency, AgencyType, Role
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.models import Case
from continuum.directory.models import Organization, Service, ServiceCapacity, Unit
from continuum.needs.actions import DomainDetails, add_domain
from continuum.outcomes import figures
from continuum.outcomes.gaps import DomainGaps, GapMeasures, GapRow, measure_gaps
from continuum.outcomes.needs import Scope
from tests.outcomes.conftest import network_admin
from tests.outcomes.helpers import assess, close, new_case
from tests.personas import World, add_person, add_survivors
from tests.referrals.helpers import capacity, ensure_term, listing

pytestmark = pytest.mark.django_db

URL = "/measures/gaps/"
API = "/api/v1/measures/gaps"


@dataclass
class Gaps:
    world: World
    cases: list[Case]


def _unlisted(name: str, *, terms: tuple[str, ...]) -> Service:
    """A listing imported from a 211: no member agency keeps it."""
    from continuum.directory.models import Attribute

    organization = Organization.objects.create(name="County 211", description="Imported.")
    service = Service.objects.create(organization=organization, name=name, status="active")
    for code in terms:
        Attribute.objects.create(
            link_id=service.id, link_entity="service", taxonomy_term=ensure_term(code)
        )
    return service


def build_gaps(world: World) -> Gaps:
    Agency.objects.filter(pk__in=[world.agencies["lead"].pk, world.agencies["partner"].pk]).update(
        county="Palmetto"
    )
    Agency.objects.filter(pk=world.agencies["other"].pk).update(county=" bay ")
    Agency.objects.create(name="North Clinic", agency_type=AgencyType.SERVICE_PROVIDER)
    for agency in world.agencies.values():
        agency.refresh_from_db()
    add_domain(
        actor=world.actor(network_admin(world)),
        details=DomainDetails(name="Documents", category="needs"),
    )
    ana = world.case
    assess(world, ana, "shelter", "identified")
    assess(world, ana, "mental_health", "being_addressed")
    assess(world, ana, "food", "identified")
    assess(world, ana, "food", "met")
    assess(world, ana, "documents", "identified")
    mira = new_case(world, name="Mira")
    assess(world, mira, "shelter", "identified")
    close(world, mira)
    tala = new_case(world, by="quinn", name="Tala")
    assess(world, tala, "shelter", "identified", by="quinn")

    teen = listing(world, "partner", name="Teen shelter", terms=("1121",))
    ServiceCapacity.objects.create(
        service=teen,
        unit=Unit.objects.get_or_create(name="beds")[0],
        available=5,
        maximum=10,
        updated=timezone.now() - timedelta(days=1),
    )
    capacity(teen, 2, 10)
    capacity(teen, 1, None, unit="openings")
    listing(world, "partner", name="Therapy", terms=("1220",))
    listing(world, "partner", name="Old shelter", terms=("1121",), status="inactive")
    listing(world, "lead", name="Housing help", terms=("1136",))
    safe_house = listing(world, "other", name="Bay safe house", terms=("1125", "1151"))
    capacity(safe_house, 0, 6)
    _unlisted("Food pantry", terms=("1130",))
    return Gaps(world=world, cases=[ana, mira, tala])


@pytest.fixture
def gaps(world: World) -> Gaps:
    return build_gaps(world)


def _domain(measures: GapMeasures, code: str) -> DomainGaps:
    return next(d for d in measures.domains if d.code == code)


def _county(domain: DomainGaps, name: str) -> GapRow:
    return next(row for row in domain.counties if row.name == name)


def _lead(g: Gaps) -> Scope:
    return Scope(community=False, agency_id=g.world.agencies["lead"].pk)


# --- the figures ------------------------------------------------------------------------------


def test_shelter_by_county(gaps: Gaps) -> None:
    shelter = _domain(measure_gaps(_lead(gaps)), "shelter")
    # Spelled " bay " by its agency: grouped without case or spaces; nobody of Lead's waits
    # there, and its services still count.
    assert [(row.name, row.waiting.value) for row in shelter.counties] == [
        ("bay", 0),
        ("Palmetto", 1),
    ]
    community = _domain(measure_gaps(Scope(community=True)), "shelter")
    assert [row.name for row in community.counties] == ["bay", "Palmetto"]
    bay, palmetto = community.counties
    assert (bay.waiting.shown, bay.services.value, bay.services_reporting.value) == ("<11", 1, 1)
    assert [(c.unit, c.available, c.maximum, c.services) for c in bay.capacity] == [
        ("beds", 0.0, 6.0, 1)
    ]
    assert bay.gap  # someone waits; the only service reports no room
    assert (palmetto.services.value, palmetto.services_reporting.value) == (2, 1)
    assert palmetto.services_not_reporting.value == 1
    assert [(c.unit, c.available, c.maximum, c.without_maximum) for c in palmetto.capacity] == [
        ("beds", 2.0, 10.0, 0),  # the newest figure, not yesterday's 5
        ("openings", 1.0, None, 1),
    ]
    assert not palmetto.gap
    total = community.total
    assert (total.name, total.services.value) == ("All counties", 3)
    assert [(c.unit, c.available, c.maximum) for c in total.capacity] == [
        ("beds", 2.0, 16.0),
        ("openings", 1.0, None),
    ]


def test_exact_counts_for_a_supervisor(gaps: Gaps) -> None:
    measures = measure_gaps(_lead(gaps))
    assert not measures.suppressed
    shelter = _domain(measures, "shelter")
    assert (shelter.total.waiting.value, _county(shelter, "Palmetto").waiting.value) == (1, 1)
    assert _domain(measures, "mental_health").total.waiting.value == 1
    assert _domain(measures, "food").total.waiting.value == 0  # met: not waiting
    # The services are the whole directory's, whoever reads.
    assert shelter.total.services.value == 3


def test_the_readings_in_words(gaps: Gaps) -> None:
    measures = measure_gaps(_lead(gaps))
    shelter = _domain(measures, "shelter")
    assert _county(shelter, "Palmetto").reading == (
        "1 young person waiting, 2 services, 2 of 10 beds available, 1 openings available, "
        "1 service not reporting"
    )
    assert _county(shelter, "bay").reading == "Nobody waiting, 1 service, 0 of 6 beds available"
    mental = _domain(measures, "mental_health")
    assert mental.total.reading == "1 young person waiting, 1 service, no capacity reported"
    food = _domain(measures, "food")
    assert [row.name for row in food.counties] == ["County not recorded"]
    assert food.counties[0].reading == "Nobody waiting, 1 service, no capacity reported"
    clothing = _domain(measures, "clothing")
    assert clothing.counties == []
    assert clothing.total.reading == "Nobody waiting, no active service"
    documents = _domain(measures, "documents")
    assert not documents.mapped
    assert documents.total.reading == "1 young person waiting, no directory terms for this need"
    assert documents.total.gap
    community = measure_gaps(Scope(community=True))
    assert _county(_domain(community, "shelter"), "bay").reading == (
        "Fewer than 11 young people waiting, 1 service, 0 of 6 beds available"
    )


def test_every_domain_in_use_and_none_retired_empty(gaps: Gaps) -> None:
    codes = [d.code for d in measure_gaps(Scope(community=True)).domains]
    assert codes[:3] == ["shelter", "food", "clothing"]
    assert "documents" in codes
    assert "compensation" in codes  # active by default


def _waiting_in(world: World, username: str, count: int) -> None:
    for survivor in add_survivors(world, count, by=username):
        assess(world, Case.objects.get(survivor=survivor), "shelter", "identified", by=username)


def test_ten_is_hidden_and_eleven_shown(world: World) -> None:
    Agency.objects.filter(pk=world.agencies["lead"].pk).update(county="Palmetto")
    _waiting_in(world, "casey", 9)
    assess(world, world.case, "shelter", "identified")
    shelter = _domain(measure_gaps(Scope(community=True)), "shelter")
    assert (shelter.total.waiting.shown, shelter.counties[0].waiting.shown) == ("<11", "<11")
    assert shelter.total.waiting.value is None
    _waiting_in(world, "casey", 1)
    shelter = _domain(measure_gaps(Scope(community=True)), "shelter")
    assert (shelter.total.waiting.shown, shelter.counties[0].waiting.shown) == ("11", "11")


def test_a_county_that_would_tell_a_small_one_is_hidden(world: World) -> None:
    """Palmetto 12 and Bay 1 of 13: Bay is "<11", and Palmetto's 12 would give it away
    (13 - 12), so it is hidden; with Coast's 11 more, Coast is hidden instead (the smallest
    other), and Palmetto is shown."""
    Agency.objects.filter(pk=world.agencies["lead"].pk).update(county="Palmetto")
    Agency.objects.filter(pk=world.agencies["other"].pk).update(county="Bay")
    _waiting_in(world, "casey", 12)
    _waiting_in(world, "quinn", 1)
    shelter = _domain(measure_gaps(Scope(community=True)), "shelter")
    shown = {row.name: row.waiting.shown for row in shelter.counties}
    assert (shown, shelter.total.waiting.shown) == ({"Bay": "<11", "Palmetto": "hidden"}, "13")
    assert "(how many is hidden)" in _county(shelter, "Palmetto").reading
    coast = Agency.objects.create(
        name="Coast Kids", agency_type=AgencyType.LEAD_AGENCY, county="Coast"
    )
    world.agencies["coast"] = coast
    add_person(world, "cara", "coast", Role.CASE_MANAGER)
    _waiting_in(world, "cara", 11)
    shelter = _domain(measure_gaps(Scope(community=True)), "shelter")
    shown = {row.name: row.waiting.shown for row in shelter.counties}
    assert shown == {"Bay": "<11", "Coast": "hidden", "Palmetto": "12"}
    assert shelter.total.waiting.shown == "24"
    exact = _domain(measure_gaps(_lead_of(world)), "shelter")
    assert {row.name: row.waiting.value for row in exact.counties} == {"Palmetto": 12}


def _lead_of(world: World) -> Scope:
    return Scope(community=False, agency_id=world.agencies["lead"].pk)


def test_the_chart_draws_no_bar_for_a_hidden_figure(gaps: Gaps) -> None:
    page = gaps.world.client_for("avery").get(URL).content.decode()
    chart = page.split('data-testid="chart"')[1].split("</figure>")[0]
    shelter_bay = chart.split("Shelter and housing — bay")[1].split("</li>")[0]
    assert "&lt;11 waiting" in shelter_bay
    assert "bg-primary-dark" not in shelter_bay  # no bar for "<11"
    assert "bg-primary-light" in shelter_bay  # the services' bar
    exact = gaps.world.client_for("sam").get(URL).content.decode()
    chart = exact.split('data-testid="chart"')[1].split("</figure>")[0]
    palmetto = chart.split("Shelter and housing — Palmetto")[1].split("</li>")[0]
    assert "grid-col-12 bg-primary-dark" in palmetto  # the most waiting: the whole width


def test_the_gaps_cost_the_same_however_many_needs_and_services(gaps: Gaps) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            measure_gaps(Scope(community=True))
            measure_gaps(_lead(gaps))
        return len(captured)

    before = queries()
    assert before == 2 * 4
    _waiting_in(gaps.world, "casey", 5)
    for n in range(6):
        service = listing(gaps.world, "partner", name=f"Shelter {n}", terms=("1121", "1130"))
        capacity(service, n, 10)
    assert queries() == before
    assert _domain(measure_gaps(_lead(gaps)), "food").total.services.value == 7


# --- the page, the CSV, the API ---------------------------------------------------------------


def _assert_nobody_in(text: str, g: Gaps) -> None:
    for value in (
        "Pérez",
        "Ana María",
        "Mira",
        "Tala",
        "Casey",
        "Quinn",
        *(c.reference for c in g.cases),
        *(str(c.pk) for c in g.cases),
        *(str(c.survivor_id) for c in g.cases),
    ):
        assert value not in text, value
    assert not re.search(r"\bAna\b", text)


def _api(world: World, persona: str) -> tuple[int, dict]:
    _token, plain = create_token(actor=world.actor(persona), name="measures")
    response = Client().get(API, headers={"Authorization": f"Bearer {plain}"})
    return response.status_code, response.json()


def _csv(client: Client) -> list[list[str]]:
    response = client.get(f"{URL}?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "measures-gaps-" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_url_and_the_link_from_the_measures(world: World) -> None:
    assert reverse("outcomes:gaps") == URL
    index = world.client_for("avery").get("/measures/").content.decode()
    assert f'href="{URL}"' in index


@pytest.mark.parametrize("persona", ["casey", "drew", "quinn", "cole", "jordan", "morgan"])
def test_roles_without_measures_are_refused(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?format=csv").status_code == 403
    status, _body = _api(world, persona)
    assert status == 403
    assert not AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED).exists()


def test_a_network_admin_sees_the_community(gaps: Gaps) -> None:
    admin = network_admin(gaps.world)
    response = gaps.world.client_for(admin).get(URL)
    assert response.status_code == 200
    assert 'data-testid="suppression"' in response.content.decode()


def test_the_supervisors_page_csv_and_api_agree(gaps: Gaps) -> None:
    client = gaps.world.client_for("sam")
    page = client.get(URL).content.decode()
    assert 'data-testid="exact-counts"' in page
    table = page.split('data-testid="gaps"')[1].split("</table>")[0]
    shelter = table.split('data-domain="shelter"')[1].split("</tbody>")[0]
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", shelter, re.S)
    ]
    assert cells[6:12] == [
        "Shelter and housing",
        "Palmetto",
        "1",
        "2",
        "2 of 10 beds available, 1 openings available, 1 service not reporting",
        "1 young person waiting, 2 services, 2 of 10 beds available, 1 openings available, "
        "1 service not reporting",
    ]
    # Bay first: nobody of Lead's waits there, so no gap; then every county, in bold.
    assert cells[:3] == ["Shelter and housing", "bay", "0"]
    assert cells[5] == "Nobody waiting, 1 service, 0 of 6 beds available"
    assert cells[12:15] == ["Shelter and housing", "All counties", "1"]

    rows = _csv(client)
    assert rows[0] == ["Need", "County", "Figure", "Value"]
    assert ["Shelter and housing", "Palmetto", "Young people waiting", "1"] in rows
    assert ["Shelter and housing", "All counties", "Active services", "3"] in rows
    assert ["Shelter and housing", "All counties", "Capacity (beds): maximum", "16"] in rows
    assert [
        "Shelter and housing",
        "Palmetto",
        "Capacity (openings): maximum",
        "not reported by all",
    ] in rows
    assert ["Documents", "All counties", "Gap", "yes"] in rows

    status, body = _api(gaps.world, "sam")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"]) == ("agency", False)
    shelter = next(d for d in body["domains"] if d["code"] == "shelter")
    assert shelter["all_counties"]["waiting"] == {"value": 1, "shown": "1", "hidden": False}
    assert shelter["all_counties"]["all_counties"] is True
    palmetto = next(c for c in shelter["counties"] if c["county"] == "Palmetto")
    assert palmetto["services"]["value"] == 2
    assert palmetto["services_not_reporting_capacity"]["value"] == 1
    assert palmetto["capacity"] == [
        {"unit": "beds", "available": 2.0, "maximum": 10.0, "services": 1},
        {"unit": "openings", "available": 1.0, "maximum": None, "services": 1},
    ]
    food = next(d for d in body["domains"] if d["code"] == "food")
    assert food["counties"][0]["county"] == ""  # not recorded
    for text in (page, "\n".join(",".join(r) for r in rows), json.dumps(body, ensure_ascii=False)):
        _assert_nobody_in(text, gaps)


def test_the_analyst_sees_small_counts_hidden_everywhere(gaps: Gaps) -> None:
    client = gaps.world.client_for("avery")
    page = client.get(URL).content.decode()
    assert 'data-testid="suppression"' in page
    rows = _csv(client)
    assert ["Shelter and housing", "All counties", "Young people waiting", "<11"] in rows
    assert ["Shelter and housing", "bay", "Active services", "1"] in rows  # never hidden
    assert ["About", "", "Small counts", "Counts from 1 to 10 are shown as <11"] in rows
    status, body = _api(gaps.world, "avery")
    assert (status, body["scope"], body["small_counts_hidden"]) == (200, "community", True)
    shelter = next(d for d in body["domains"] if d["code"] == "shelter")
    assert shelter["all_counties"]["waiting"] == {"value": None, "shown": "<11", "hidden": True}
    for text in (page, "\n".join(",".join(r) for r in rows), json.dumps(body, ensure_ascii=False)):
        _assert_nobody_in(text, gaps)
        assert figures.SMALL in text or "&lt;11" in text


def test_each_look_is_audited_without_a_name(gaps: Gaps) -> None:
    gaps.world.client_for("sam").get(URL)
    gaps.world.client_for("sam").get(f"{URL}?format=csv")
    _api(gaps.world, "avery")
    entries = list(AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED))
    assert [e.detail for e in entries] == [
        {"measures": "gaps", "scope": "agency", "period": "now", "as": "page"},
        {"measures": "gaps", "scope": "agency", "period": "now", "as": "csv"},
        {"measures": "gaps", "scope": "community", "period": "now", "as": "api"},
    ]
    assert all(e.survivor_id is None and e.case_id is None for e in entries)


def test_the_csv_guards_against_formulas(gaps: Gaps) -> None:
    Agency.objects.filter(pk=gaps.world.agencies["other"].pk).update(county="=HYPERLINK(evil)")
    text = gaps.world.client_for("sam").get(f"{URL}?format=csv").content.decode()
    assert "'=HYPERLINK(evil)" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_the_page_csv_and_api_cost_the_same_however_many(gaps: Gaps) -> None:
    world = gaps.world
    _token, plain = create_token(actor=world.actor("avery"), name="measures")
    api = Client(headers={"Authorization": f"Bearer {plain}"})
    api.get(API)  # the token's first use is written down once
    clients = [world.client_for(who) for who in ("sam", "avery")]

    def costs() -> list[int]:
        found = []
        for client in clients:
            for url in (URL, f"{URL}?format=csv"):
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url).status_code == 200
                found.append(len(captured))
        with CaptureQueriesContext(connection) as captured:
            assert api.get(API).status_code == 200
        return [*found, len(captured)]

    few = costs()
    _waiting_in(world, "quinn", 4)
    listing(world, "other", name="Another shelter", terms=("1121",))
    assert costs() == few
