"""Creating and changing survivors through the pages: good names in every script, bad input
answered with a message that keeps what was typed, never a 500, nothing saved half-way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.cases.models import Case, CaseEvent
from continuum.survivors.models import Survivor
from tests.personas import World, survivor_named

pytestmark = pytest.mark.django_db

NAMES = [
    "José Ñúñez",
    "Nguyễn Thị Hoa",
    "Алёна Смирнова",
    "محمد العلي",
    "Zoë O'Brien-Łukasz",
    "山田 花子",
    "Ngozi Ọkafọ",
]


def _form(**overrides: str) -> dict[str, str]:
    data = {"preferred_name": "Zoë", "primary_language": "en"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", NAMES)
def test_names_in_any_script_are_saved_and_found(world: World, name: str) -> None:
    client = world.client_for("casey")
    response = client.post("/survivors/new/", _form(preferred_name=name, aliases="Nick\nNick"))
    assert response.status_code == 302
    survivor = survivor_named(name)
    assert [a.name for a in survivor.aliases.all()] == ["Nick"]
    page = client.get(response["Location"]).content.decode()
    assert name.replace("'", "&#x27;") in page
    found = client.post("/survivors/", {"q": name.split()[0]}).content.decode()
    assert f"/survivors/{survivor.pk}/" in found


def test_search_ignores_accents_and_case(world: World) -> None:
    found = world.client_for("casey").post("/survivors/", {"q": "PEREZ"}).content.decode()
    assert f"/survivors/{world.survivor.pk}/" in found


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, None, "Give at least one name"),
        (_form(preferred_name="x" * 101), "preferred_name", "at most 100 characters"),
        (_form(date_of_birth="2999-01-01"), "date_of_birth", "in the future"),
        (_form(date_of_birth="1850-01-01"), "date_of_birth", "before 1900"),
        (_form(date_of_birth="31/31/2020"), "date_of_birth", "Enter a valid date"),
        (_form(estimated_age="abc"), "estimated_age", "Enter a whole number"),
        (_form(estimated_age="44"), "estimated_age", "less than or equal to 30"),
        (_form(primary_language="klingon"), "primary_language", "Select a valid choice"),
        (_form(primary_language="other"), "other_language", "Say which language"),
        (_form(safe_phone="call me maybe"), "safe_phone", "digits"),
        (_form(safe_to_call="perhaps"), "safe_to_call", "Select a valid choice"),
        (_form(aliases="y" * 101), "aliases", "at most 100"),
        (
            _form(open_case="on", report_received_on=str(timezone.localdate() + timedelta(days=1))),
            "report_received_on",
            "in the future",
        ),
    ],
)
def test_bad_input_gets_a_message_and_keeps_what_was_typed(
    world: World, data: dict[str, str], field: str | None, message: str
) -> None:
    client = world.client_for("casey")
    before = (Survivor.objects.count(), Case.objects.count())
    response = client.post("/survivors/new/", {**data, "pronouns": "xe/xem"})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'value="xe/xem"' in html  # what they typed is still there
    if field:
        assert f'id="id_{field}_error"' in html
    assert (Survivor.objects.count(), Case.objects.count()) == before


def test_creating_with_a_case_makes_both(world: World) -> None:
    client = world.client_for("casey")
    response = client.post(
        "/survivors/new/", _form(open_case="on", report_received_on=str(timezone.localdate()))
    )
    survivor = Survivor.objects.get(pk=response["Location"].split("/")[2])
    case = survivor.cases.get()
    assert case.lead_agency == world.agencies["lead"]
    assert case.care_team.get().user == world.users["casey"]
    assert CaseEvent.objects.filter(case=case).count() == 2  # opened; casey joined


def test_a_screener_records_a_person_but_cannot_open_a_case(world: World) -> None:
    client = world.client_for("jordan")
    response = client.post("/survivors/new/", _form(open_case="on"))
    assert response.status_code == 302
    survivor = Survivor.objects.get(pk=response["Location"].split("/")[2])
    assert not survivor.cases.exists()
    assert client.get(response["Location"]).status_code == 200  # the creator sees it


def _edit_data(world: World, **overrides: str) -> dict[str, str]:
    survivor = world.survivor
    data = {
        "preferred_name": survivor.preferred_name,
        "legal_given_name": survivor.legal_given_name,
        "legal_family_name": survivor.legal_family_name,
        "primary_language": "en",
        "date_of_birth": str(survivor.date_of_birth),
        "version": str(survivor.version),
    }
    data.update(overrides)
    return data


def test_edit_saves_and_adds_to_the_timeline(world: World) -> None:
    client = world.client_for("casey")
    response = client.post(
        f"/survivors/{world.survivor.pk}/edit/", _edit_data(world, pronouns="they/them")
    )
    assert response.status_code == 302
    world.survivor.refresh_from_db()
    assert world.survivor.pronouns == "they/them"
    assert world.survivor.version == 2
    # The timeline says that details changed, not which (partners read it); the audit says.
    assert world.case.events.filter(summary="Personal details changed").exists()
    from continuum.audit.models import AuditAction, AuditEntry

    entry = AuditEntry.objects.filter(action=AuditAction.SURVIVOR_UPDATED).latest("sequence")
    assert "pronouns" in entry.detail["fields"]


def test_concurrent_edits_do_not_overwrite_each_other(world: World) -> None:
    casey, sam = world.client_for("casey"), world.client_for("sam")
    stale = _edit_data(world)
    assert (
        casey.post(
            f"/survivors/{world.survivor.pk}/edit/", {**stale, "safe_times": "after school"}
        ).status_code
        == 302
    )
    response = sam.post(
        f"/survivors/{world.survivor.pk}/edit/", {**stale, "safe_times": "mornings"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this record" in html
    assert 'value="mornings"' in html  # Sam's typing is kept to re-apply
    # and the difference is spelled out: what is saved now against what Sam typed.
    assert "<td>after school</td><td>mornings</td>" in html.replace("\n", "")
    world.survivor.refresh_from_db()
    assert world.survivor.safe_times == "after school"
    # Saving again from the conflict page (it carries the new version) works.
    again = sam.post(
        f"/survivors/{world.survivor.pk}/edit/",
        {**stale, "version": str(world.survivor.version), "safe_times": "mornings"},
    )
    assert again.status_code == 302


@pytest.mark.parametrize("version", ["", "abc", "-1", "99999999999999999999"])
def test_edit_with_a_broken_version_is_refused_without_saving(world: World, version: str) -> None:
    response = world.client_for("casey").post(
        f"/survivors/{world.survivor.pk}/edit/", _edit_data(world, version=version, pronouns="x")
    )
    assert response.status_code in (200, 409)
    world.survivor.refresh_from_db()
    assert world.survivor.pronouns == "she/her"


def test_garbage_in_search_is_harmless(world: World) -> None:
    client = world.client_for("casey")
    for params in (
        {"q": "x" * 500},
        {"born_on": "not a date"},
        {"q": "\x00\x01"},
        {"q": "' OR 1=1 --"},
        {"born_on": "2999-01-01"},
    ):
        assert client.post("/survivors/", params).status_code == 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_form(report_received_on="2026-01-01"), "Tick &quot;Open a case&quot;"),
        (_form(date_of_birth="2010-01-01", estimated_age="15"), "not both"),
        (_form(date_of_birth="1901-01-01"), "over 100"),
        (
            _form(open_case="on", date_of_birth="2012-05-05", report_received_on="2011-01-01"),
            "before their date of birth",
        ),
        (_form(preferred_name="n" * 5000), "at most 100 characters"),
    ],
)
def test_implausible_input_found_by_a_tester(
    world: World, data: dict[str, str], message: str
) -> None:
    before = Survivor.objects.count()
    response = world.client_for("casey").post("/survivors/new/", data)
    html = response.content.decode()
    assert message in html
    assert "Give at least one name" not in html
    assert Survivor.objects.count() == before


def test_a_screener_hands_a_record_to_the_lead_agency(world: World) -> None:
    """Found by a tester: the lead agency could not find what a screener recorded."""
    from continuum.audit.models import AuditAction, AuditEntry

    jordan = world.client_for("jordan")
    made = jordan.post("/survivors/new/", _form(preferred_name="Dani"))
    url = made["Location"]
    survivor = Survivor.objects.get(pk=url.split("/")[2])
    quinn = world.client_for("quinn")  # a case manager at the other agency
    assert quinn.get(url).status_code == 404
    assert "Hand over" in jordan.get(url).content.decode()
    response = jordan.post(f"{url}hand-over/", {"agency": world.agencies["other"].pk})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.SURVIVOR_HANDED_OVER).count() == 1
    assert quinn.get(url).status_code == 200
    assert f"/survivors/{survivor.pk}/" in quinn.post("/survivors/", {"q": "dani"}).content.decode()
    assert quinn.post(f"{url}cases/new/", {}).status_code == 302
    # Once a case is open, the case's team decides: the screener no longer sees it.
    assert jordan.get(url).status_code == 404


@pytest.mark.parametrize("agency", ["", "abc", "999999", "LEAD"])
def test_bad_hand_over_input(world: World, agency: str) -> None:
    jordan = world.client_for("jordan")
    url = jordan.post("/survivors/new/", _form(preferred_name="Dani"))["Location"]
    value = str(world.agencies["lead"].pk) if agency == "LEAD" else agency
    response = jordan.post(f"{url}hand-over/", {"agency": value}, follow=True)
    assert response.status_code == 200
    assert Survivor.objects.get(pk=url.split("/")[2]).handed_to_agency is None


def test_my_work_lists_records_waiting_for_a_case(world: World) -> None:
    jordan = world.client_for("jordan")
    url = jordan.post("/survivors/new/", _form(preferred_name="Dani"))["Location"]
    jordan.post(f"{url}hand-over/", {"agency": world.agencies["other"].pk})
    quinn_work = world.client_for("quinn").get("/cases/").content.decode()
    assert 'data-testid="waiting-for-case"' in quinn_work
    assert url in quinn_work
    assert "waiting-for-case" not in world.client_for("casey").get("/cases/").content.decode()


def test_a_possible_duplicate_the_user_can_see_is_shown_before_saving(world: World) -> None:
    client = world.client_for("casey")
    # Same date of birth and a shared name with Ana (Ana María Pérez, born 2010-03-04).
    data = _form(preferred_name="Ana", legal_family_name="PEREZ", date_of_birth="2010-03-04")
    before = Survivor.objects.count()
    response = client.post("/survivors/new/", data)
    html = response.content.decode()
    assert 'data-testid="possible-matches"' in html
    assert f"/survivors/{world.survivor.pk}/" in html
    assert Survivor.objects.count() == before  # nothing saved yet
    response = client.post("/survivors/new/", {**data, "not_a_duplicate": "on"})
    assert response.status_code == 302
    assert Survivor.objects.count() == before + 1


def test_a_possible_duplicate_elsewhere_is_told_without_saying_who(world: World) -> None:
    from continuum.audit.models import AuditAction, AuditEntry

    quinn = world.client_for("quinn")  # at another agency: may not see Ana
    data = _form(preferred_name="Ana", legal_given_name="Ana María", legal_family_name="Pérez")
    response = quinn.post("/survivors/new/", data, follow=True)
    html = response.content.decode()
    message = next(
        line for line in html.splitlines() if "may already have recorded this person" in line
    )
    assert "Lead Family Services" not in message
    assert "Ana" not in message
    assert f"/survivors/{world.survivor.pk}/" not in html
    # Ana's own agency can see in her access log that someone may be recording her twice.
    noted = AuditEntry.objects.filter(action=AuditAction.POSSIBLE_DUPLICATE)
    assert list(noted.values_list("survivor_id", flat=True)) == [world.survivor.pk]


def test_different_people_are_not_flagged(world: World) -> None:
    response = world.client_for("casey").post(
        "/survivors/new/", _form(preferred_name="Kai", legal_family_name="Pérez"), follow=True
    )
    html = response.content.decode()
    assert "possible-matches" not in html
    assert "may already have recorded" not in html
