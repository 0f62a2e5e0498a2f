"""The demo shows screening in use: both instruments, screens due and overdue, a screening
left half done, results with and without concern, and who is (and is no longer) trained.

The community is loaded once for the module inside a transaction rolled back at the end, as
in test_demo.py.
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.access import policy
from continuum.access.actor import Actor, Channel
from continuum.accounts.models import Agency, Membership
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.cases.models import Case, TaskKind, TaskStatus
from continuum.demo import community
from continuum.demo.models import DemoSurvivor
from continuum.needs.models import Need, NeedSource
from continuum.screening import actions, queries
from continuum.screening.clock import ClockState
from continuum.screening.definitions import answers_of, definition_of
from continuum.screening.models import (
    Instrument,
    InstrumentStatus,
    SafetyAction,
    Screening,
    ScreeningStatus,
    Setting,
)
from continuum.screening.scoring import score

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_community(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _actor(username: str, agency_key: str) -> Actor:
    membership = Membership.objects.select_related("agency", "user").get(
        user__username=username, agency__name=community.AGENCY_BY_KEY[agency_key].name
    )
    return Actor(user=membership.user, membership=membership, via=Channel.CLI)


def _client(actor: Actor) -> Client:
    """Signed in with both factors, acting for the actor's agency (as tests/personas.py)."""
    client = Client()
    client.force_login(actor.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=actor.user).persistent_id
    session[ACTING_MEMBERSHIP] = actor.membership.pk
    session.save()
    return client


def _finished(concern: bool) -> list[Screening]:
    return list(
        Screening.objects.filter(status=ScreeningStatus.COMPLETED, concern=concern)
        .select_related("case", "survivor", "instrument")
        .order_by("completed_at")
    )


def test_both_instruments_are_in_use() -> None:
    bundled = Instrument.objects.get(url=community.INDICATOR_SCREEN_URL)
    assert bundled.bundled
    assert not bundled.validated
    adopted = Instrument.objects.get(bundled=False)
    assert adopted.imported_by is not None
    assert adopted.imported_by.username == "taylor"
    assert adopted.title == "Youth safety screen"
    assert adopted.version == "2.1"
    assert set(Instrument.objects.values_list("status", flat=True)) == {InstrumentStatus.ACTIVE}
    used = set(Screening.objects.values_list("instrument_id", flat=True))
    assert used == {bundled.pk, adopted.pk}


def test_the_demo_instrument_is_the_fixture_it_stands_in_for() -> None:
    """The same url and version must be the same document (a stored version is never
    edited), so the demo's copy may not drift from the test fixture."""
    from importlib.resources import files
    from pathlib import Path

    demo = files("continuum.demo").joinpath("data", community.COMMUNITY_INSTRUMENT_FILE)
    fixture = Path(__file__).parent.parent / "screening" / "fixtures" / "community-screen.json"
    assert json.loads(demo.read_text(encoding="utf-8")) == json.loads(fixture.read_text())


def test_the_lead_agency_leads_screened_cases_and_one_agency_is_on_central_time() -> None:
    leads = Agency.objects.filter(leads_screened_cases=True)
    assert [a.name for a in leads] == [community.AGENCY_BY_KEY["cbc"].name]
    central = Agency.objects.filter(time_zone="America/Chicago")
    assert [a.name for a in central] == [community.AGENCY_BY_KEY["cbc2"].name]
    assert Agency.objects.exclude(pk__in=central).filter(time_zone="America/New_York").count() == (
        len(community.AGENCIES) - 1
    )


def test_jordan_has_one_screen_due_soon_and_one_overdue() -> None:
    jordan = _actor("jordan", "dcf")
    due = queries.screens_due(jordan)
    assert [row.state for row in due] == [ClockState.OVERDUE, ClockState.DUE_SOON]
    overdue = due[0].screening
    assert overdue.recovered_at is not None  # the clock ran from the debriefing
    assert all(row.screening.first_indicator_at < timezone.now() for row in due)
    page = _client(jordan).get("/screening/").content.decode()
    assert "overdue" in page
    assert "due soon" in page
    assert "EST" in page or "EDT" in page


def test_quinns_screen_due_reads_in_central_time() -> None:
    quinn = _actor("quinn", "cbc2")
    (row,) = queries.screens_due(quinn)
    assert row.state == ClockState.ON_TIME
    assert row.due_label.endswith(("CST", "CDT"))
    assert row.screening.survivor.cases.filter(lead_agency=quinn.agency).exists()


def test_a_screening_in_progress_has_skipped_and_declined_answers() -> None:
    (started,) = Screening.objects.filter(status=ScreeningStatus.IN_PROGRESS)
    definition = definition_of(started.instrument)
    answers = answers_of(started, definition)
    assert any(answer.declined for answer in answers.values())
    outcome = score(definition, answers)
    assert outcome.skipped > 0
    assert outcome.declined == 1
    assert outcome.answered > 0
    assert started.started_at is not None
    assert started.first_indicator_at < started.started_at
    assert started in queries.my_unfinished(_actor("jordan", "dcf"))


def test_no_concern_opens_no_case() -> None:
    (calm,) = _finished(concern=False)
    assert calm.case is None
    assert not calm.survivor.cases.exists()
    assert calm.instrument.bundled is False  # done with the community's own instrument
    assert calm.level == "low"


def test_possible_concern_opened_a_case_with_its_assessment_and_need() -> None:
    screening = next(s for s in _finished(concern=True) if s.level == "possible")
    assert screening.age_years == 15
    assert screening.in_state is True
    assert DemoSurvivor.objects.get(survivor=screening.survivor).index == community.SURVIVOR_COUNT
    case = screening.case
    assert case is not None
    assert case.lead_agency.leads_screened_cases
    assert case.opened_on == timezone.localdate()
    assert screening.survivor.cases.count() == 1
    kinds = list(screening.actions.values_list("line_code", "kind"))
    assert ("florida_abuse_hotline", SafetyAction.Kind.REPORT_ACCEPTED) in kinds
    assert screening.report_made_at is not None
    assert case.report_received_on is not None  # the accepted report started the MDT clock
    task = case.tasks.get(kind=TaskKind.IN_DEPTH_ASSESSMENT)
    assert task.status == TaskStatus.OPEN
    assert task.due_on is not None
    assert task.due_on > timezone.localdate()
    need = Need.objects.get(case=case)
    assert need.source == NeedSource.SCREENING
    assert need.source_screening_id == screening.pk
    assert need.domain.code == "shelter"


def test_clear_concern_was_linked_to_the_case_already_open() -> None:
    screening = next(s for s in _finished(concern=True) if s.level == "clear")
    case = screening.case
    assert case is not None
    assert screening.screener.username == "casey"
    assert case.opened_on < timezone.localdate()  # not a case of today: the one Casey leads
    assert Case.objects.filter(survivor=screening.survivor).count() == 1
    assert case.tasks.filter(kind=TaskKind.IN_DEPTH_ASSESSMENT, status=TaskStatus.OPEN).exists()
    sources = set(Need.objects.filter(case=case).values_list("source", flat=True))
    assert sources == {NeedSource.SCREENING}
    other = Need.objects.get(case=case, domain__code="other")
    assert other.description == community.SCREENING_OTHER_NEED


def test_every_screening_ran_through_the_actions_in_the_past() -> None:
    now = timezone.now()
    assert Screening.objects.count() == len(community.SCREENINGS)
    for s in Screening.objects.all():
        assert s.first_indicator_at < now
        assert s.setting in Setting.values
        if s.started_at:
            assert s.clock_starts_at <= s.started_at <= now
        if s.completed_at:
            assert s.started_at is not None
            assert s.started_at < s.completed_at <= now
    for action in SafetyAction.objects.select_related("screening"):
        assert action.screening.first_indicator_at < action.taken_at <= now


def test_trained_screeners_and_one_whose_training_expired() -> None:
    today = timezone.localdate()
    for spec in community.TRAINING:
        actor = _actor(spec.username, spec.agency)
        member = actor.membership
        assert member.screening_certified_on == today - timedelta(days=spec.trained_days_ago)
        assert member.screening_certified_by is not None
        assert member.screening_certified_by.username == spec.certified_by
        assert policy.trained_to_screen(actor) is not spec.expired
    expired = [spec for spec in community.TRAINING if spec.expired]
    assert [spec.username for spec in expired] == ["marisol"]
    marisol = _actor("marisol", "cbc")
    survivor = Case.objects.filter(lead_agency=marisol.agency).first().survivor  # type: ignore[union-attr]
    with pytest.raises(policy.Forbidden, match="current screening training"):
        actions.start_screening(
            actor=marisol,
            survivor=survivor,
            instrument=Instrument.objects.get(bundled=True),
            setting=Setting.HOME,
            first_indicator_at=timezone.now() - timedelta(hours=1),
        )


def test_the_pages_the_docs_send_people_to() -> None:
    """docs/demo.md: who to sign in as to see each part."""
    jordan = _client(_actor("jordan", "dcf"))
    possible = next(s for s in _finished(concern=True) if s.level == "possible")
    result = jordan.get(f"/screening/{possible.pk}/result/").content.decode()
    assert "Possible concern" in result
    assert "Florida Abuse Hotline" in result
    assert "1-800-962-2873" in result
    assert "Report accepted by the hotline" in result
    assert "In-depth assessment due by" in result

    sam = _client(_actor("sam", "cbc"))
    training = sam.get("/screening/training/").content.decode()
    assert "Expired" in training
    assert "Current" in training
    clear = next(s for s in _finished(concern=True) if s.level == "clear")
    assert clear.completed_at is not None
    month = timezone.localtime(clear.completed_at).strftime("%Y-%m")
    report = sam.get(f"/screening/report/?month={month}").content.decode()
    assert "Clear concern" in report
    assert "Casey Delgado" in report
    csv = sam.get(f"/screening/report/?month={month}&format=csv").content.decode()
    assert queries.short_reference(clear) in csv

    taylor = _client(_actor("taylor", "coalition"))
    listing = taylor.get("/screening/instruments/").content.decode()
    assert "Youth safety screen" in listing
    assert "Continuum indicator screen" in listing
    numbers = taylor.get("/screening/safety-numbers/").content.decode()
    assert "1-888-373-7888" in numbers

    marisol = _client(_actor("marisol", "cbc"))
    assert "current screening training" in marisol.get("/screening/").content.decode()


def test_a_rerun_adds_no_screening() -> None:
    before = (Screening.objects.count(), Instrument.objects.count(), SafetyAction.objects.count())
    call_command("demo", stdout=StringIO())
    after = (Screening.objects.count(), Instrument.objects.count(), SafetyAction.objects.count())
    assert after == before
