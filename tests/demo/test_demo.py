"""`continuum demo` and `continuum demo_code`.

The community is loaded once for the module inside a transaction that is rolled back at the
end, so other test modules never see it; each test runs in a savepoint inside it.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.access.actor import Actor, Channel
from continuum.accounts.models import Agency, AgencyType, Membership, Role, User
from continuum.audit.models import AuditAction, AuditEntry
from continuum.audit.verify import verify_chain
from continuum.cases.models import CareTeamMember, Case, CaseEvent, CaseStatus, CaseTask
from continuum.demo import community
from continuum.demo.loader import demo_recovery_codes, demo_totp_key
from continuum.demo.models import DemoInstallation, DemoSurvivor
from continuum.needs.models import Need
from continuum.screening.models import Instrument, SafetyAction, Screening
from continuum.survivors.models import Survivor, SurvivorAlias
from continuum.survivors.queries import survivors_for

pytestmark = pytest.mark.django_db

# The 50 survivors with case histories, and the young person a screening brought in today.
SURVIVORS = community.SURVIVOR_COUNT + 1


@pytest.fixture(scope="module", autouse=True)
def demo_community(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", stdout=out)
        yield {"output": out.getvalue()}
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    models = (
        Agency,
        User,
        Membership,
        Survivor,
        SurvivorAlias,
        Case,
        CareTeamMember,
        CaseEvent,
        AuditEntry,
        TOTPDevice,
        StaticDevice,
        DemoSurvivor,
        DemoInstallation,
        Instrument,
        Screening,
        SafetyAction,
        CaseTask,
        Need,
    )
    return {model.__name__: model.objects.count() for model in models}


def _actor(username: str, agency_type: str | None = None) -> Actor:
    memberships = Membership.objects.select_related("agency").filter(user__username=username)
    if agency_type:
        memberships = memberships.filter(agency__agency_type=agency_type)
    membership = memberships.get()
    return Actor(user=membership.user, membership=membership, via=Channel.CLI)


def test_loads_the_whole_community(demo_community):
    assert Agency.objects.count() == len(community.AGENCIES) == 15
    assert {a.agency_type for a in Agency.objects.all()} == set(AgencyType.values)
    assert User.objects.count() == 30
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert Survivor.objects.count() == SURVIVORS == 51
    assert DemoSurvivor.objects.count() == SURVIVORS
    assert DemoInstallation.objects.exists()


def test_case_mix(demo_community):
    assert Survivor.objects.filter(cases__isnull=True).count() == 8
    assert Survivor.objects.filter(cases__isnull=True, created_by__username="jordan").count() == 8
    # 32 with a history, and the one the screening with possible concern opened today.
    assert Case.objects.filter(status=CaseStatus.OPEN).count() == 33
    assert Case.objects.filter(status=CaseStatus.INACTIVE).count() == 5
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert closed.count() == 5
    assert len(set(closed.values_list("closure_reason", flat=True))) == 5
    reopened = Case.objects.filter(
        status=CaseStatus.OPEN, events__summary__contains="from Closed"
    ).distinct()
    assert reopened.count() == 2
    casey_leads = CareTeamMember.objects.filter(
        user__username="casey", role="lead_case_manager", case__status=CaseStatus.OPEN
    )
    assert casey_leads.count() >= 12
    assert Case.objects.filter(lead_agency__short_name="Cypress Bend").count() == 3
    assert CareTeamMember.objects.filter(user__username="drew").count() >= 5
    assert CareTeamMember.objects.filter(user__username="riley").count() >= 5


def test_every_write_went_through_the_actions(demo_community):
    created = AuditEntry.objects.filter(action=AuditAction.SURVIVOR_CREATED)
    assert created.count() == SURVIVORS
    assert set(created.values_list("via", flat=True)) == {"cli"}
    assert AuditEntry.objects.filter(action=AuditAction.CASE_OPENED).count() == Case.objects.count()
    assert CaseEvent.objects.filter(kind="case_opened").count() == Case.objects.count()
    assert verify_chain().ok


def test_names_are_diverse(demo_community):
    names = " ".join(
        f"{s.legal_given_name} {s.legal_family_name} {s.preferred_name}"
        for s in Survivor.objects.all()
    )
    assert not names.isascii()
    people = list(Survivor.objects.all())  # sealed names open on the instance only
    assert any(s.preferred_name for s in people)
    assert Survivor.objects.filter(date_of_birth__isnull=True, estimated_age__isnull=False)
    assert Survivor.objects.filter(safe_to_call__isnull=True).exists()
    assert Survivor.objects.exclude(primary_language="en").filter(interpreter_needed=True)
    assert SurvivorAlias.objects.exists()
    phones = [s.safe_phone for s in people if s.safe_phone]
    assert phones
    assert all("555-01" in phone for phone in phones)


def test_some_say_how_to_work_with_them_and_what_matters_most(demo_community):
    people = list(Survivor.objects.all())
    assert sum(bool(s.preferences) for s in people) >= 10
    with_priorities = [s for s in people if s.priorities]
    assert len(with_priorities) >= 5
    # A screener never records them: the care plan is not theirs to see.
    screeners = set(Membership.objects.filter(role=Role.SCREENER).values_list("user", flat=True))
    assert not {s.created_by_id for s in with_priorities} & screeners


def test_rerun_changes_nothing(demo_community):
    before = _counts()
    out = StringIO()
    call_command("demo", stdout=out)
    assert _counts() == before
    assert "already complete" in out.getvalue()


def test_interrupted_load_is_completed_by_a_rerun(demo_community):
    # As if the load stopped before the last survivor: that survivor's transaction never ran.
    last = DemoSurvivor.objects.get(index=49)
    survivor_count = Survivor.objects.count()
    last.delete()  # the demo no longer knows it: a rerun makes survivor 49 again
    DemoInstallation.objects.all().delete()
    call_command("demo", stdout=StringIO(), force=True)
    assert Survivor.objects.count() == survivor_count + 1
    assert DemoSurvivor.objects.count() == SURVIVORS
    assert DemoInstallation.objects.exists()


def test_refuses_to_load_next_to_real_data(demo_community):
    DemoInstallation.objects.all().delete()
    Agency.objects.create(name="A real agency", agency_type=AgencyType.HEALTH)
    with pytest.raises(CommandError, match="refuses to load next to real data"):
        call_command("demo", stdout=StringIO())


def test_summary_lists_personas_and_how_to_sign_in(demo_community):
    output = demo_community["output"]
    assert "Survivors: 50/50" in output
    for username in community.PERSONAS:
        assert re.search(rf"^\s+{username}\s", output, re.MULTILINE)
    assert "Password: continuum-demo-2026" in output
    assert "demo_code USERNAME" in output


@pytest.mark.parametrize("username", community.PERSONAS)
def test_persona_can_sign_in(username):
    user = User.objects.get(username=username)
    assert user.check_password(community.DEMO_PASSWORD)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    assert device.key == demo_totp_key(username)
    assert StaticDevice.objects.get(user=user).token_set.count() == 10


def test_personas_hold_the_promised_roles():
    expected = {
        "casey": {("cbc_lead", "case_manager")},
        "sam": {("cbc_lead", "supervisor")},
        "morgan": {("cac", "mdt_coordinator")},
        "drew": {("service_provider", "clinician")},
        "riley": {("mentor_org", "survivor_mentor")},
        "jordan": {("child_welfare", "screener")},
        "avery": {("coalition", "analyst")},
        "alex": {("cbc_lead", "agency_admin")},
        "taylor": {("coalition", "network_admin"), ("cbc_lead", "case_manager")},
        "quinn": {("cbc_lead", "case_manager")},
    }
    for username, roles in expected.items():
        held = set(
            Membership.objects.filter(user__username=username).values_list(
                "agency__agency_type", "role"
            )
        )
        assert held == roles, username
    assert _actor("quinn").agency != _actor("casey").agency


def test_demo_code_prints_a_code_that_verifies():
    out = StringIO()
    call_command("demo_code", "casey", stdout=out)
    found = re.search(r"Sign-in code for casey: (\d{6})\b", out.getvalue())
    assert found is not None
    code = found.group(1)
    assert re.search(r"Valid for \d+ more seconds", out.getvalue())
    assert TOTPDevice.objects.get(user__username="casey").verify_token(code)


def test_demo_code_prints_recovery_codes():
    out = StringIO()
    call_command("demo_code", "riley", recovery=True, stdout=out)
    for code in demo_recovery_codes("riley"):
        assert code in out.getvalue()


def test_demo_code_refuses_without_the_demo_marker():
    DemoInstallation.objects.all().delete()
    with pytest.raises(CommandError, match="not a demo database"):
        call_command("demo_code", "casey", stdout=StringIO())


def test_demo_code_refuses_for_a_device_that_is_not_the_demo_one():
    device = TOTPDevice.objects.get(user__username="sam")
    device.key = "00" * 20  # sam set up their own authenticator
    device.save()
    with pytest.raises(CommandError, match="no demo authenticator"):
        call_command("demo_code", "sam", stdout=StringIO())
    with pytest.raises(CommandError, match="no user"):
        call_command("demo_code", "nobody", stdout=StringIO())


def test_quinn_sees_none_of_casey_agencys_survivors():
    casey_agency = _actor("casey").agency
    palmetto = Survivor.objects.filter(cases__lead_agency=casey_agency)
    assert palmetto.count() > 30
    quinn_sees = survivors_for(_actor("quinn"))
    assert not quinn_sees.filter(pk__in=palmetto.values("pk")).exists()
    assert quinn_sees.count() == 3


HANDED_TO_PALMETTO = 3  # screened records waiting there for a case


def test_casey_sees_only_the_cases_they_are_on():
    casey_sees = survivors_for(_actor("casey"))
    assert casey_sees.filter(cases__isnull=False).distinct().count() == 15
    assert casey_sees.count() == 15 + HANDED_TO_PALMETTO
    assert not casey_sees.filter(cases__lead_agency__short_name="Cypress Bend").exists()


def test_taylor_sees_cases_only_as_case_manager():
    assert survivors_for(_actor("taylor", AgencyType.COALITION)).count() == 0
    as_case_manager = survivors_for(_actor("taylor", AgencyType.LEAD_AGENCY))
    assert as_case_manager.count() == 3 + HANDED_TO_PALMETTO


def test_timelines_read_like_months_of_work(demo_community):
    from django.utils import timezone

    from continuum.cases.models import Case, CaseEvent, CaseStatus

    today = timezone.localdate()
    days = {event.at.date() for event in CaseEvent.objects.all()}
    assert len(days) > 20  # not all on the day of the load
    assert all(event.at <= timezone.now() for event in CaseEvent.objects.all())
    for case in Case.objects.prefetch_related("events"):
        opened = min(e.at for e in case.events.all()).astimezone(timezone.get_current_timezone())
        assert opened.date() == case.opened_on
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert closed
    assert all(case.closed_on < today for case in closed if case.opened_on < today)


def test_refuses_on_an_installation_configured_for_real_use(demo_community, settings):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="real installation"):
        call_command("demo", stdout=StringIO())


def test_serve_refuses_a_demo_database_configured_for_real_use(demo_community, settings):
    settings.HTTPS = True
    with pytest.raises(CommandError, match="demo community"):
        call_command("serve", stdout=StringIO())


def test_screened_records_handed_to_the_lead_agency_are_found_there():
    from continuum.survivors.queries import survivors_for

    handed = Survivor.objects.filter(handed_to_agency__isnull=False, cases__isnull=True)
    assert handed.count() == 3
    sam = _actor("sam")
    assert set(handed) <= set(survivors_for(sam))


def test_partners_see_what_the_releases_allow():
    from continuum.access import sharing
    from continuum.survivors.models import Release
    from continuum.survivors.queries import survivors_for

    assert Release.objects.exists()
    drew = _actor("drew")
    people = list(survivors_for(drew))
    sharing.mask(drew, people)
    named = [p for p in people if "identity" not in p.withheld]
    unnamed = [p for p in people if "identity" in p.withheld]
    assert named, "most partners' cases have a release"
    assert unnamed, "every seventh case has none, to show what that looks like"
    assert all(p.display_name == "Name not shared with your agency" for p in unnamed)


def test_a_break_glass_use_waits_for_sams_review():
    from continuum.access.queries import grants_to_review

    sam = _actor("sam")
    waiting = grants_to_review(sam)
    assert len(waiting) == 1
    assert waiting[0].user.username == "taylor"
