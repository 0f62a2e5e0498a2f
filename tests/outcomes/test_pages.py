"""The measures pages and their CSV: who may open them, what they show (never a name), the
period filter and its mistakes, the audit entry, the navigation."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.needs.actions import DomainDetails, add_domain
from tests.outcomes.conftest import Community, network_admin
from tests.outcomes.helpers import ago, assess
from tests.personas import World

pytestmark = pytest.mark.django_db

URL = "/measures/needs/"


def _names_and_ids(community: Community) -> list[str]:
    cases = [community.a, community.b, community.c, community.d]
    return [
        "Pérez",
        "Ana María",
        "Mira",
        "Lina",
        "Noor",
        "Casey",
        "Quinn",
        *(c.reference for c in cases),
        *(str(c.pk) for c in cases),
        *(str(c.survivor_id) for c in cases),
    ]


def _assert_nobody_in(text: str, community: Community) -> None:
    for value in _names_and_ids(community):
        assert value not in text, value
    assert not re.search(r"\bAna\b", text)


def test_the_urls() -> None:
    assert reverse("outcomes:index") == "/measures/"
    assert reverse("outcomes:needs") == URL


@pytest.mark.parametrize("persona", ["casey", "drew", "quinn", "cole", "jordan", "morgan"])
def test_roles_without_measures_are_refused(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?format=csv").status_code == 403
    assert client.get("/measures/").status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED).exists()


def test_the_analyst_sees_the_community_without_a_name(community: Community) -> None:
    client = community.world.client_for("avery")
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="suppression"' in page
    assert "&lt;11" in page
    _assert_nobody_in(page, community)
    # The accessible table: a caption, column and row headers.
    assert "<caption>" in page
    assert '<th scope="col"' in page
    assert '<th scope="row">Shelter and housing</th>' in page
    index = client.get("/measures/").content.decode()
    assert reverse("outcomes:needs") in index
    assert "counts from 1 to 10 are shown as" in index


def test_the_supervisor_sees_exact_counts_and_is_told_so(community: Community) -> None:
    page = community.world.client_for("sam").get(URL).content.decode()
    assert 'data-testid="exact-counts"' in page
    assert "Lead Family Services leads" in page
    assert "&lt;11" not in page
    shelter = re.search(r"Shelter and housing</th>(.*?)</tr>", page, re.S)
    assert shelter is not None
    cells = re.findall(r'<td class="text-right">([^<]*)</td>', shelter[1])
    assert cells == ["3", "3", "0", "0", "0", "10.0", "10.0"]
    assert "(no longer used)" in page  # the retired domain with history
    _assert_nobody_in(page, community)


def test_the_chart_has_its_numbers_as_text_and_no_bar_for_a_hidden_one(
    community: Community,
) -> None:
    supervisor = community.world.client_for("sam").get(URL).content.decode()
    chart = supervisor.split('data-testid="chart"')[1].split("</figure>")[0]
    assert "grid-col-12 bg-primary" in chart  # shelter, the widest (3)
    assert "grid-col-8 bg-primary" in chart  # clothing: 2 of 3
    assert 'aria-hidden="true"' in chart
    analyst = community.world.client_for("avery").get(URL).content.decode()
    chart = analyst.split('data-testid="chart"')[1].split("</figure>")[0]
    assert "bg-primary" not in chart
    assert "&lt;11" in chart


def test_the_csv_is_the_page_in_rows(community: Community) -> None:
    admin = network_admin(community.world)
    add_domain(
        actor=community.world.actor(admin),
        details=DomainDetails(name="=HYPERLINK(evil)", category="needs"),
    )
    response = community.world.client_for("sam").get(f"{URL}?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="measures-needs-all.csv"'
    text = response.content.decode()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Section", "Domain", "Figure", "Value"]
    assert ["Needs", "Shelter and housing", "Needs identified", "3"] in rows
    assert ["Needs", "Shelter and housing", "Median days from identified to met", "10.0"] in rows
    assert ["Care plans", "", "Reviews with the survivor on time", "1"] in rows
    assert ["Assessment sessions", "", "Sessions with the survivor present", "1"] in rows
    assert "'=HYPERLINK(evil)" in text
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    _assert_nobody_in(text, community)


def test_the_analysts_csv_hides_the_same(community: Community) -> None:
    rows = list(
        csv.reader(
            io.StringIO(
                community.world.client_for("avery").get(f"{URL}?format=csv").content.decode()
            )
        )
    )
    assert ["Needs", "Shelter and housing", "Needs identified", "<11"] in rows
    assert ["Needs", "Shelter and housing", "Median days from identified to met", "hidden"] in rows
    assert ["About", "", "Small counts", "Counts from 1 to 10 are shown as <11"] in rows


def test_a_period(community: Community) -> None:
    client = community.world.client_for("sam")
    month = timezone.localdate().isoformat()[:7]
    page = client.get(f"{URL}?month={month}").content.decode()
    assert f'value="{month}"' in page
    assert f"?month={month}&amp;format=csv" in page
    download = client.get(f"{URL}?month={month}&format=csv")
    assert download["Content-Disposition"] == f'attachment; filename="measures-needs-{month}.csv"'
    days = client.get(f"{URL}?from=2026-01-01&to=2026-01-31")
    assert days.status_code == 200
    assert 'value="2026-01-01"' in days.content.decode()
    ranged = client.get(f"{URL}?from=2026-01-01&to=2026-01-31&format=csv")
    assert "measures-needs-2026-01-01_to_2026-01-31.csv" in ranged["Content-Disposition"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("month=2026-13", "YYYY-MM"),
        ("month=%3Cscript%3Ealert(1)%3C/script%3E", "YYYY-MM"),
        ("from=2026-02-30", "YYYY-MM-DD"),
        ("from=yesterday&to=2026-01-01", "YYYY-MM-DD"),
        ("month=2026-01&from=2026-01-01", "not both"),
        ("from=2026-03-01&to=2026-02-01", "after the last"),
        ("to=" + "9" * 5000, "YYYY-MM-DD"),
    ],
)
def test_a_period_that_cannot_be_read_gets_a_message(
    world: World, query: str, message: str
) -> None:
    client = world.client_for("sam")
    for url in (f"{URL}?{query}", f"{URL}?{query}&format=csv"):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")  # never a CSV of a guess
        page = response.content.decode()
        assert 'data-testid="period-problem"' in page
        assert message in page
        assert "<script>alert" not in page
        assert "All time" in page


def test_each_look_is_audited_without_a_name(community: Community) -> None:
    client = community.world.client_for("sam")
    client.get(f"{URL}?month=2026-01")
    client.get(f"{URL}?format=csv")
    community.world.client_for("avery").get(URL)
    entries = list(AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED))
    assert [e.detail for e in entries] == [
        {"measures": "needs", "scope": "agency", "period": "2026-01", "as": "page"},
        {"measures": "needs", "scope": "agency", "period": "all", "as": "csv"},
        {"measures": "needs", "scope": "community", "period": "all", "as": "page"},
    ]
    assert all(e.survivor_id is None and e.case_id is None for e in entries)
    assert [e.username for e in entries] == ["sam", "sam", "avery"]


def test_measures_in_the_navigation_for_those_who_may_see_them(world: World) -> None:
    link = 'href="/measures/"'
    for persona in ("sam", "avery"):
        assert link in world.client_for(persona).get("/cases/").content.decode(), persona
    admin = network_admin(world)
    assert link in world.client_for(admin).get("/accounts/security/").content.decode()
    for persona in ("casey", "drew", "jordan"):
        assert link not in world.client_for(persona).get("/cases/").content.decode(), persona
    page = world.client_for("sam").get(URL).content.decode()
    assert 'usa-nav-link usa-current" href="/measures/"' in page


def test_figures_say_when_now_is(world: World) -> None:
    assess(world, world.case, "food", "identified", when=ago(20))
    page = world.client_for("sam").get(URL).content.decode()
    assert timezone.localdate().strftime("%-d %b %Y") in page
    assert "Waiting more than 14 days with nothing planned (now)" in page


def test_the_analyst_chooses_a_month_not_days(community: Community) -> None:
    client = community.world.client_for("avery")
    page = client.get(URL).content.decode()
    assert 'name="month"' in page
    assert 'name="from"' not in page
    assert 'name="to"' not in page
    assert "by whole months" in page
    refused = client.get(f"{URL}?from=2026-01-01&to=2026-01-31&format=csv")
    assert refused["Content-Type"].startswith("text/html")  # never the CSV
    assert 'data-testid="period-problem"' in refused.content.decode()
    assert "whole month or for all time" in refused.content.decode()
    # The supervisor, who sees exact counts of their own cases anyway, keeps ranges of days.
    assert 'name="from"' in community.world.client_for("sam").get(URL).content.decode()
