"""The demo shows the needs assessment and the care plan in use: the community's own area,
a plan made over two sessions and gone through with her, an assessment under way, a plan due
to be gone through again with a need left waiting; each person finds their part of it.

The community is loaded once for the module inside a transaction rolled back at the end, as
in test_demo.py.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import Membership
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.demo import community
from continuum.needs.models import AssessmentSession, Need, NeedDomain, NeedSource
from continuum.plans.models import CarePlan, PlanVersion

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_community(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _client(username: str, agency_key: str) -> Client:
    membership = Membership.objects.select_related("user").get(
        user__username=username, agency__name=community.AGENCY_BY_KEY[agency_key].name
    )
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=membership.user).persistent_id
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return client


def test_the_community_added_an_area_of_its_own() -> None:
    added = NeedDomain.objects.get(code="documents_and_id")
    assert added.is_active
    assert added.why_we_ask


def test_three_stories_at_three_moments() -> None:
    plans = list(CarePlan.objects.select_related("case"))
    assert len(plans) == 2
    assert AssessmentSession.objects.filter(finished_at__isnull=True).count() == 1
    reviewed = [p for p in plans if p.last_reviewed_on]
    assert len(reviewed) == 2
    # Several people made the versions, and one change waits to be gone through with her.
    assert PlanVersion.objects.values("made_by").distinct().count() >= 2
    assert PlanVersion.objects.filter(survivor_part="to_review").exists()
    # Drew's agency added what its own assessment found.
    assert Need.objects.filter(source=NeedSource.OTHER_AGENCY).exists()


def test_nothing_is_dated_before_its_case_opened() -> None:
    for held in AssessmentSession.objects.select_related("case"):
        assert held.held_at.date() >= held.case.opened_on
    for plan in CarePlan.objects.select_related("case"):
        assert plan.created_at.date() >= plan.case.opened_on
        assert plan.last_reviewed_on is None or plan.last_reviewed_on >= plan.case.opened_on


def test_a_rerun_adds_nothing() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    assert "Needs assessments and care plans: 0 stories" in out.getvalue()
    assert CarePlan.objects.count() == 2


def test_casey_is_reminded_of_the_review_and_the_waiting_need() -> None:
    body = _client("casey", "cbc").get("/cases/").content.decode()
    assert "Go through the care plan with them" in body
    assert body.count("waiting with nothing planned") == 1  # the dental need, seven weeks
    assert "Get her a monthly bus pass" not in body  # done: off her list
    assert "Find a math tutor after school" in body


def test_drew_and_riley_find_their_tasks() -> None:
    drew = _client("drew", "counseling").get("/cases/").content.decode()
    assert "Weekly counselling sessions" in drew
    riley = _client("riley", "mentors").get("/cases/").content.decode()
    assert "Go with her to the records office" in riley
    assert "Weekly counselling sessions" not in riley  # mental-health data: not a mentor's


def test_the_full_story_reads_well_for_each_of_them() -> None:
    case = CarePlan.objects.annotate(n=Count("goals")).select_related("case").get(n=4).case
    casey = _client("casey", "cbc")
    needs = casey.get(f"/needs/cases/{case.pk}/").content.decode()
    assert "Documents and ID" in needs
    assert "Another agency" in needs
    plan_page = casey.get(f"/plans/cases/{case.pk}/").content.decode()
    assert "Finish 10th grade this year" in plan_page
    riley = _client("riley", "mentors")
    calendar = riley.get(f"/plans/cases/{case.pk}/appointments/").content.decode()
    assert "Hearing at the courthouse" in calendar
    assert "Counselling session" not in calendar  # a mental-health appointment
    copy = casey.get(f"/plans/cases/{case.pk}/print/").content.decode()
    assert "My plan" in copy
    assert "boyfriend" not in copy


def test_the_timeline_tells_each_session_and_plan_version_on_its_day() -> None:
    """Not on the minute the demo was loaded: a plan made seven weeks ago reads so."""
    from datetime import timedelta

    from django.utils import timezone

    from continuum.cases.models import CaseEvent, EventKind

    told = 0
    for version in PlanVersion.objects.select_related("plan"):
        line = CaseEvent.objects.filter(
            case_id=version.plan.case_id,
            kind=EventKind.PLAN,
            summary__startswith=f"Care plan version {version.number}:",
        ).first()
        if line is not None:  # the first version (the plan begun) has no line of its own
            assert line.at == version.made_at
            told += 1
    assert told > 10
    finished = AssessmentSession.objects.filter(finished_at__isnull=False)
    assert finished.exists()
    for held in finished:
        line = CaseEvent.objects.get(
            case_id=held.case_id,
            kind=EventKind.ASSESSMENT,
            summary__contains=f"session {held.number} finished",
        )
        assert line.at == held.finished_at
    loaded = timezone.now() - timedelta(hours=1)
    assert CaseEvent.objects.filter(kind=EventKind.PLAN, at__lt=loaded).exists()
