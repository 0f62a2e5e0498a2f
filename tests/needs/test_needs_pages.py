"""The needs-assessment pages, as the people who use them: a case manager runs sessions and
records domains; a partner sees only what is released; two people saving the same domain
see both versions; bad input keeps what was typed; cost does not grow with the history."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.needs.models import AssessmentSession, Need, NeedDomain, NeedEntry
from tests.needs.helpers import assess, finish, session
from tests.personas import World, add_person, release_to_partner

pytestmark = pytest.mark.django_db


def _assessment_url(world: World) -> str:
    return f"/needs/cases/{world.case.pk}/"


def _domain_url(world: World, code: str, held: AssessmentSession | None = None) -> str:
    url = f"/needs/cases/{world.case.pk}/domains/{code}/"
    return f"{url}?session={held.pk}" if held else url


def _session_post(**overrides: str | list[str]) -> dict[str, object]:
    now = timezone.localtime()
    data: dict[str, object] = {
        "held_on": now.date().isoformat(),
        "held_at": now.strftime("%H:%M"),
        "place": "office",
        "participants": ["survivor", "mentor"],
        "safety_check": "safe_now",
    }
    data.update(overrides)
    return data


def test_a_case_manager_starts_the_assessment_with_safety_first(world: World) -> None:
    client = world.client_for("casey")
    page = client.get(_assessment_url(world))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Start the assessment" in body
    assert "Shelter and housing" in body
    assert "Employment training or help" in body
    form = client.get(f"/needs/cases/{world.case.pk}/sessions/new/").content.decode()
    assert "Safety first" in form
    refused = client.post(
        f"/needs/cases/{world.case.pk}/sessions/new/",
        _session_post(safety_check="not_this_time", interpreter_language="Spanish"),
    )
    assert refused.status_code == 422
    assert "Immediate safety comes first" in refused.content.decode()
    started = client.post(f"/needs/cases/{world.case.pk}/sessions/new/", _session_post())
    held = AssessmentSession.objects.get(case=world.case)
    assert started.status_code == 302
    assert str(held.pk) in started["Location"]
    assert held.participants == ["survivor", "mentor"]
    assert "Session 1" in client.get(started["Location"]).content.decode()


def test_recording_a_domain_in_a_session_and_finishing_it(world: World) -> None:
    client = world.client_for("casey")
    held = session(world)
    form = client.get(_domain_url(world, "education", held)).content.decode()
    assert "Why we ask" in form
    assert "keep learning" in form
    assert 'value="interview"' in form  # talking with them: offered inside a session
    saved = client.post(
        _domain_url(world, "education", held),
        {
            "status": "identified",
            "urgency": "short_term",
            "description": "GED classes",
            "survivor_words": "I want my diploma before I'm 18",
            "method": "interview",
            "assessed_on": timezone.localdate().isoformat(),
            "version": "0",
            "session": str(held.pk),
        },
    )
    assert saved.status_code == 302
    # "Saved: ESL, GED or other education." waits on the server, not in a cookie.
    assert "messages" not in saved.cookies
    assert "Saved: ESL, GED or other education." in client.get(saved["Location"]).content.decode()
    need = Need.objects.get(case=world.case, domain__code="education")
    assert need.survivor_words == "I want my diploma before I'm 18"
    assert NeedEntry.objects.get(need=need).session_id == held.pk
    page = client.get(f"/needs/cases/{world.case.pk}/sessions/{held.pk}/").content.decode()
    assert "recorded in this session" in page
    finished = client.post(
        f"/needs/cases/{world.case.pk}/sessions/{held.pk}/",
        {"summary": "Talked about school.", "version": str(held.version), "finish": "1"},
    )
    assert finished.status_code == 302
    held.refresh_from_db()
    assert held.finished_at is not None
    assert held.summary == "Talked about school."
    # A finished session takes no more domains: the form falls back to records.
    after = client.get(_domain_url(world, "education", held)).content.decode()
    assert 'value="interview"' not in after


def test_talking_with_them_is_not_offered_outside_a_session(world: World) -> None:
    body = world.client_for("casey").get(_domain_url(world, "food")).content.decode()
    assert 'value="interview"' not in body
    assert 'value="record_review"' in body


def test_bad_input_keeps_what_was_typed(world: World) -> None:
    response = world.client_for("casey").post(
        _domain_url(world, "food"),
        {"status": "identified", "survivor_words": "Only eats halal", "version": "0"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Only eats halal" in body
    assert "how urgent" in body
    assert not Need.objects.filter(case=world.case, domain__code="food").exists()


def test_two_people_saving_one_domain_see_both_versions(world: World) -> None:
    held = session(world)
    loaded = assess(world, "shelter", held=held, words="On a friend's couch")
    # Sam saves meanwhile.
    assess(
        world, "shelter", by="sam", held=None, words="Moved to her aunt's", method="record_review"
    )
    response = world.client_for("casey").post(
        _domain_url(world, "shelter", held),
        {
            "status": "identified",
            "urgency": "immediate",
            "survivor_words": "Needs a bed tonight",
            "method": "interview",
            "version": str(loaded.version),
            "session": str(held.pk),
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="differences"' in body
    assert "Moved to her aunt&#x27;s" in body
    assert "Needs a bed tonight" in body
    current = Need.objects.get(pk=loaded.pk)
    assert current.survivor_words == "Moved to her aunt's"
    assert f'name="version" value="{current.version}"' in body
    # Saving again puts the merged words on top.
    again = world.client_for("casey").post(
        _domain_url(world, "shelter", held),
        {
            "status": "identified",
            "urgency": "immediate",
            "survivor_words": "Moved to her aunt's; needs a bed of her own",
            "method": "interview",
            "version": str(current.version),
            "session": str(held.pk),
        },
    )
    assert again.status_code == 302
    assert NeedEntry.objects.filter(need=loaded).count() == 3


def test_a_partner_without_a_release_is_told_it_is_not_shared(world: World) -> None:
    assess(world, "mental_health", words="Nightmares most nights")
    body = world.client_for("drew").get(_assessment_url(world)).content.decode()
    assert "not shared with your role or agency" in body
    assert "Nightmares" not in body
    assert "Mental health services" not in body
    assert world.client_for("drew").get(_domain_url(world, "mental_health")).status_code == 404


def test_a_released_clinician_sees_the_released_domains_only(world: World) -> None:
    assess(world, "mental_health", words="Nightmares most nights")
    assess(world, "shelter", words="Sleeping in a car")
    release_to_partner(world, {"mental_health"})
    client = world.client_for("drew")
    body = client.get(_assessment_url(world)).content.decode()
    assert "Mental health services" in body
    assert "Shelter and housing" not in body
    assert "Sleeping in a car" not in body
    assert "not shared with your role or agency" in body
    domain = client.get(_domain_url(world, "mental_health")).content.decode()
    assert "Nightmares most nights" in domain
    assert client.get(_domain_url(world, "shelter")).status_code == 404


def test_a_mentor_reads_no_clinical_domain(world: World) -> None:
    add_person(world, "mina", "lead", Role.SURVIVOR_MENTOR, on_team_as="survivor_mentor")
    assess(world, "mental_health", words="Nightmares most nights")
    assess(world, "substance_use", words="Drinking to sleep")
    body = world.client_for("mina").get(_assessment_url(world)).content.decode()
    assert "Nightmares" not in body
    assert "Drinking" not in body
    assert 'data-domain="mental_health"' not in body
    assert 'data-domain="substance_use"' not in body
    assert 'data-domain="court_advocacy"' in body  # legal: a mentor goes to court with them
    # Sessions were held (assess records from records here; hold one): never "not started".
    finish(world, session(world))
    body = world.client_for("mina").get(_assessment_url(world)).content.decode()
    assert "has not started yet" not in body
    assert 'data-testid="sessions-withheld"' in body
    lead = world.client_for("casey").get(_assessment_url(world)).content.decode()
    assert 'data-testid="sessions-withheld"' not in lead


def test_the_assessment_page_costs_the_same_with_a_long_history(world: World) -> None:
    client = world.client_for("casey")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_assessment_url(world)).status_code == 200
        return len(queries)

    held = session(world)
    for code in ("food", "shelter"):
        assess(world, code, held=held)
    small = count()
    for code in ("clothing", "language", "benefits", "family", "employment", "transportation"):
        assess(world, code, held=held)
        assess(world, code, held=held, status="being_addressed")
    finish(world, held)
    for _n in range(4):
        finish(world, session(world))
    assert count() == small


def test_the_domain_page_costs_the_same_with_a_long_history(world: World) -> None:
    client = world.client_for("casey")
    url = _domain_url(world, "food")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    assess(world, "food")
    small = count()
    for n in range(20):
        assess(world, "food", words=f"Look {n}")
    assert count() == small


# --- the community's domains ---------------------------------------------------------------


def test_a_network_admin_adds_a_domain_and_every_case_gets_it(world: World) -> None:
    add_person(world, "nadia", "other", Role.NETWORK_ADMIN)
    client = world.client_for("nadia")
    assert "Shelter and housing" in client.get("/needs/domains/").content.decode()
    added = client.post(
        "/needs/domains/",
        {
            "name": "Documents and ID",
            "category": "needs",
            "why_we_ask": "So you can prove who you are.",
            "is_active": "on",
        },
    )
    assert added.status_code == 302
    assert NeedDomain.objects.filter(code="documents_and_id", is_active=True).exists()
    again = client.post("/needs/domains/", {"name": "documents and id", "category": "needs"})
    assert again.status_code == 422
    assert "already" in again.content.decode()
    body = world.client_for("casey").get(_assessment_url(world)).content.decode()
    assert "Documents and ID" in body


def test_a_domains_kind_of_data_is_fixed_once_cases_hold_needs_in_it(world: World) -> None:
    add_person(world, "nadia", "other", Role.NETWORK_ADMIN)
    assess(world, "substance_use")
    response = world.client_for("nadia").post(
        "/needs/domains/substance_use/",
        {"name": "Substance use treatment", "category": "needs", "is_active": "on"},
    )
    assert response.status_code == 422
    assert "cannot change" in response.content.decode()
    assert NeedDomain.objects.get(code="substance_use").category == "substance_use"


def test_a_retired_domain_keeps_its_history_on_the_cases_that_have_it(world: World) -> None:
    add_person(world, "nadia", "other", Role.NETWORK_ADMIN)
    assess(world, "community", words="Wants to find a church")
    world.client_for("nadia").post(
        "/needs/domains/community/",
        {"name": "Culturally specific or faith communities", "category": "needs"},
    )
    assert not NeedDomain.objects.get(code="community").is_active
    body = world.client_for("casey").get(_assessment_url(world)).content.decode()
    assert "no longer asked" in body


def test_start_session_errors_come_in_the_pages_order_safety_first(world: World) -> None:
    response = world.client_for("casey").post(
        f"/needs/cases/{world.case.pk}/sessions/new/", {"held_on": "", "held_at": ""}
    )
    assert response.status_code == 422
    summary = response.content.decode().split('role="alert"')[1].split("</ul>")[0]
    assert summary.index("Immediate safety") < summary.index("Day:")
    assert summary.index("Day:") < summary.index("Where are you meeting?")
    # A group of radios is reached through its first choice (Django gives the group no id).
    assert 'href="#id_safety_check_0"' in summary
    assert 'href="#"' not in summary


def test_too_long_a_text_is_told_in_plain_words(world: World) -> None:
    response = world.client_for("casey").post(
        _domain_url(world, "food"),
        {"status": "no_need", "survivor_words": "x" * 2_500, "version": "0"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "This can be at most 2000 characters; it has 2500." in body
    assert "Ensure this value" not in body
