"""The needs assessment's rules: status transitions with history, safety first, where a need
was found, who may record what, and edits that never overwrite each other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.access import policy
from continuum.accounts.models import Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.needs.actions import (
    NeedChange,
    NeedConflict,
    NeedsRuleBroken,
    SessionDetails,
    assess_need,
    start_session,
)
from continuum.needs.models import (
    ALLOWED_TRANSITIONS,
    Need,
    NeedDomain,
    NeedEntry,
    NeedSource,
    NeedStatus,
)
from continuum.needs.queries import assessment_of, history_of
from tests.needs.helpers import assess, finish, session
from tests.personas import World, add_person, release_to_partner

pytestmark = pytest.mark.django_db

S = NeedStatus
# How to bring a domain to each status from "not yet discussed" (the first step is direct).
PATH = {
    S.NO_NEED: [S.NO_NEED],
    S.IDENTIFIED: [S.IDENTIFIED],
    S.BEING_ADDRESSED: [S.BEING_ADDRESSED],
    S.DECLINED: [S.DECLINED],
    S.MET: [S.IDENTIFIED, S.MET],
}


def _bring_to(world: World, status: S) -> Need | None:
    if status == S.NOT_DISCUSSED:
        return None
    need = None
    for step in PATH[status]:
        need = assess(world, "transportation", status=step)
    return need


@pytest.mark.parametrize("after", list(S))
@pytest.mark.parametrize("before", list(S))
def test_every_status_transition_is_allowed_or_refused_and_history_is_kept(
    world: World, before: S, after: S
) -> None:
    need = _bring_to(world, before)
    entries_before = NeedEntry.objects.filter(need__case=world.case).count()
    allowed = after == before or after in ALLOWED_TRANSITIONS[before]
    extra = {"deferred": True} if after == S.NOT_DISCUSSED else {}
    if not allowed:
        with pytest.raises(NeedsRuleBroken):
            assess(world, "transportation", status=after, **extra)
        assert NeedEntry.objects.filter(need__case=world.case).count() == entries_before
        return
    if before != S.NOT_DISCUSSED and after == S.NOT_DISCUSSED:
        pytest.fail("a discussed domain can never be 'not yet discussed' again")
    changed = assess(world, "transportation", status=after, **extra)
    assert changed.status == after
    entries = list(NeedEntry.objects.filter(need=changed).order_by("version"))
    assert len(entries) == entries_before + 1
    assert entries[-1].status == after
    assert entries[-1].previous_status == (need.status if need else "")
    assert [e.version for e in entries] == list(range(1, len(entries) + 1))
    assert changed.version == entries[-1].version


def test_the_table_never_lets_a_discussed_domain_become_undiscussed() -> None:
    for before, after in ALLOWED_TRANSITIONS.items():
        assert S.NOT_DISCUSSED not in after, before
    assert S.MET not in ALLOWED_TRANSITIONS[S.NOT_DISCUSSED]  # met before it was found


def test_time_to_met_is_kept_and_a_need_that_comes_back_starts_again(world: World) -> None:
    found = assess(world, "shelter", status="identified")
    first_identified = found.identified_at
    met = assess(world, "shelter", status="met")
    assert met.met_at is not None
    assert met.identified_at == first_identified
    back = assess(world, "shelter", status="identified")
    assert back.met_at is None
    assert back.identified_at > first_identified
    history = list(NeedEntry.objects.filter(need=back).values_list("status", flat=True))
    assert history == ["identified", "met", "identified"]


def test_words_stay_in_the_history_after_they_are_changed(world: World) -> None:
    held = session(world)
    assess(world, "education", held=held, words="I want to go back to school")
    assess(world, "education", held=held, status="being_addressed", words="Enrolled, scared")
    _domain, entries = history_of(world.actor("casey"), world.case, "education")
    assert [e.survivor_words for e in entries] == [
        "I want to go back to school",
        "Enrolled, scared",
    ]
    assert all(e.session_id == held.pk for e in entries)


def test_needs_from_a_screening_are_there_with_their_source(world: World) -> None:
    from continuum.needs.actions import record_needs_from_screening
    from tests.screening.helpers import start, train

    train(world, "casey")
    screening = start(world, world.survivor, by="casey")
    record_needs_from_screening(
        actor=world.actor("casey"),
        case=world.case,
        screening=screening,
        needs=[("shelter", "A safe bed tonight"), ("food", "")],
    )
    found = assessment_of(world.actor("casey"), world.case)
    assert found is not None
    by_code = {row.domain.code: row for row in found.rows}
    shelter = by_code["shelter"].need
    assert shelter is not None
    assert (shelter.source, shelter.source_screening_id) == (NeedSource.SCREENING, screening.pk)
    assert shelter.description == "A safe bed tonight"
    assert shelter.method == "screening"
    assert by_code["food"].status == S.IDENTIFIED
    # A later screening adds to the domain, never a second need in it.
    again = start(world, world.survivor, by="casey")
    record_needs_from_screening(
        actor=world.actor("casey"), case=world.case, screening=again, needs=[("shelter", "")]
    )
    assert Need.objects.filter(case=world.case, domain__code="shelter").count() == 1
    assert NeedEntry.objects.filter(need=shelter).count() == 2


def test_a_need_in_hand_stays_in_hand_when_a_screening_finds_it_again(world: World) -> None:
    from continuum.needs.actions import record_needs_from_screening
    from tests.screening.helpers import start, train

    assess(world, "shelter", status="being_addressed")
    train(world, "casey")
    record_needs_from_screening(
        actor=world.actor("casey"),
        case=world.case,
        screening=start(world, world.survivor, by="casey"),
        needs=[("shelter", "")],
    )
    assert Need.objects.get(case=world.case, domain__code="shelter").status == S.BEING_ADDRESSED


# --- safety first -----------------------------------------------------------------------------


def _details(**overrides: object) -> SessionDetails:
    values: dict[str, object] = {
        "held_at": timezone.now() - timedelta(minutes=1),
        "place": "office",
        "participants": ("survivor",),
        "safety_check": "safe_now",
    }
    values.update(overrides)
    return SessionDetails(**values)  # type: ignore[arg-type]


def test_the_assessment_cannot_start_without_a_safety_check(world: World) -> None:
    with pytest.raises(NeedsRuleBroken, match="Immediate safety comes first"):
        start_session(
            actor=world.actor("casey"),
            case=world.case,
            details=_details(safety_check="not_this_time"),
        )
    assert not world.case.assessment_sessions.exists()
    first = start_session(actor=world.actor("casey"), case=world.case, details=_details())
    finish(world, first)
    # Later sessions may go on from the safety check already made.
    later = start_session(
        actor=world.actor("casey"), case=world.case, details=_details(safety_check="not_this_time")
    )
    assert (first.number, later.number) == (1, 2)


def test_a_recent_screenings_safety_check_can_start_it_and_an_old_one_cannot(
    world: World, settings: object
) -> None:
    from continuum.screening.models import Screening
    from tests.screening.helpers import start, train

    with pytest.raises(NeedsRuleBroken, match="No screening"):
        start_session(
            actor=world.actor("casey"),
            case=world.case,
            details=_details(safety_check="at_screening"),
        )
    train(world, "casey")
    screening = start(world, world.survivor, by="casey")
    Screening.objects.filter(pk=screening.pk).update(
        case=world.case,
        in_immediate_danger=False,
        started_at=timezone.now() - timedelta(days=30),
    )
    with pytest.raises(NeedsRuleBroken, match="No screening"):
        start_session(
            actor=world.actor("casey"),
            case=world.case,
            details=_details(safety_check="at_screening"),
        )
    Screening.objects.filter(pk=screening.pk).update(started_at=timezone.now() - timedelta(days=2))
    started = start_session(
        actor=world.actor("casey"), case=world.case, details=_details(safety_check="at_screening")
    )
    assert started.safety_check == "at_screening"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"safety_check": "not_safe"}, "what was done to make them safe"),
        ({"participants": ("survivor", "interpreter")}, "which language"),
        ({"participants": ("the_exploiter",)}, "from the list"),
        ({"place": "her aunt's house"}, "where the session"),
        ({"held_at": timezone.now() + timedelta(days=2)}, "in the future"),
        ({"safety_check": "maybe"}, "how immediate safety"),
    ],
)
def test_a_session_is_refused_with_a_reason(world: World, overrides: dict, message: str) -> None:
    with pytest.raises(NeedsRuleBroken, match=message):
        start_session(actor=world.actor("casey"), case=world.case, details=_details(**overrides))


def test_talking_with_the_survivor_is_recorded_in_a_session(world: World) -> None:
    with pytest.raises(NeedsRuleBroken, match="assessment session"):
        assess(world, "food", method="interview")
    held = session(world)
    assert assess(world, "food", held=held).method == "interview"


def test_only_the_lead_agencys_team_holds_sessions(world: World) -> None:
    for username in ("drew", "cole"):
        with pytest.raises(policy.Forbidden):
            start_session(actor=world.actor(username), case=world.case, details=_details())


# --- who records what ----------------------------------------------------------------------


def test_another_agency_records_only_the_domains_its_release_covers(world: World) -> None:
    with pytest.raises(policy.Forbidden):
        assess(world, "mental_health", by="drew", method="other_agency")
    release_to_partner(world, {"mental_health"})
    found = assess(world, "mental_health", by="drew", method="other_agency", words="Sleeps badly")
    assert found.source == NeedSource.OTHER_AGENCY
    with pytest.raises(policy.Forbidden):
        assess(world, "shelter", by="drew", method="other_agency")
    # The lead reads what the partner found, with its source.
    lead_view = assessment_of(world.actor("casey"), world.case)
    assert lead_view is not None
    row = next(r for r in lead_view.rows if r.domain.code == "mental_health")
    assert row.need is not None
    assert row.need.source == NeedSource.OTHER_AGENCY


def test_a_partner_sees_only_the_released_domains(world: World) -> None:
    assess(world, "shelter", words="Sleeping on a friend's couch")
    assess(world, "mental_health", words="Nightmares most nights")
    assert assessment_of(world.actor("drew"), world.case) is None
    release_to_partner(world, {"mental_health"})
    seen = assessment_of(world.actor("drew"), world.case)
    assert seen is not None
    assert {row.domain.category for row in seen.rows} == {"mental_health"}
    assert seen.sessions == []  # sessions are needs data, not released


def test_a_mentor_records_no_needs_and_sees_none(world: World) -> None:
    add_person(world, "mina", "lead", Role.SURVIVOR_MENTOR, on_team_as="survivor_mentor")
    assess(world, "court_advocacy", words="Scared of the hearing")
    with pytest.raises(policy.Forbidden):
        assess(world, "shelter", by="mina")
    seen = assessment_of(world.actor("mina"), world.case)
    # A mentor's role sees legal data (court dates), so the legal domains only.
    assert seen is not None
    assert {r.domain.category for r in seen.rows} == {"legal"}


def test_a_closed_case_and_break_glass_are_read_only(world: World) -> None:
    from continuum.cases.actions import change_case_status

    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status="closed",
        closure_reason="goals_met",
        expected_version=world.case.version,
    )
    world.case.refresh_from_db()
    with pytest.raises(policy.Forbidden, match="closed"):
        assess(world, "food")


# --- never overwritten -------------------------------------------------------------------------


def test_a_stale_save_is_a_conflict_with_both_versions_and_writes_nothing(world: World) -> None:
    held = session(world)
    mine_loaded = assess(world, "shelter", held=held, words="First words")
    assess(world, "shelter", held=held, words="Someone else's words")
    domain = NeedDomain.objects.get(code="shelter")
    change = NeedChange(
        status="identified",
        urgency="immediate",
        survivor_words="My words",
        method="interview",
    )
    with pytest.raises(NeedConflict) as caught:
        assess_need(
            actor=world.actor("casey"),
            case=world.case,
            domain=domain,
            change=change,
            expected_version=mine_loaded.version,
            session=held,
        )
    conflict = caught.value
    assert conflict.current.survivor_words == "Someone else's words"
    assert conflict.base is not None
    assert conflict.base.survivor_words == "First words"
    assert conflict.mine.survivor_words == "My words"
    assert Need.objects.get(pk=mine_loaded.pk).survivor_words == "Someone else's words"
    assert NeedEntry.objects.filter(need=mine_loaded).count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (NeedChange(status="identified", method="record_review"), "how urgent"),
        (NeedChange(status="no_need"), "how it was assessed"),
        (NeedChange(status="not_discussed"), "come back to this later"),
        (NeedChange(status="no_need", method="record_review", deferred=True), "not talked about"),
        (NeedChange(status="bogus", method="record_review"), "what you found"),
        (
            NeedChange(status="no_need", method="record_review", survivor_words="x" * 2001),
            "at most 2000",
        ),
        (
            NeedChange(
                status="no_need",
                method="record_review",
                assessed_on=timezone.localdate() + timedelta(days=1),
            ),
            "in the future",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason(world: World, change: NeedChange, message: str) -> None:
    with pytest.raises(NeedsRuleBroken, match=message):
        assess_need(
            actor=world.actor("casey"),
            case=world.case,
            domain=NeedDomain.objects.get(code="food"),
            change=change,
            expected_version=None,
        )


def test_the_audit_log_never_names_the_domain_or_holds_the_words(world: World) -> None:
    assess(world, "substance_use", words="Drinking to sleep")
    entry = AuditEntry.objects.filter(action=AuditAction.NEED_ASSESSED).get()
    text = str(entry.detail) + entry.object_type
    assert "Drinking" not in text
    assert "substance_use" in text  # the category is recorded, as for notes
    assert "domain" not in entry.detail


def test_a_second_session_waits_until_the_open_one_is_finished(world: World) -> None:
    first = start_session(actor=world.actor("casey"), case=world.case, details=_details())
    with pytest.raises(NeedsRuleBroken, match="Session 1 is still open"):
        start_session(actor=world.actor("sam"), case=world.case, details=_details())
    assert world.case.assessment_sessions.count() == 1
    finish(world, first)
    second = start_session(actor=world.actor("sam"), case=world.case, details=_details())
    assert second.number == 2


def test_safety_steps_are_kept_only_when_they_were_not_safe(world: World) -> None:
    safe = start_session(
        actor=world.actor("casey"),
        case=world.case,
        details=_details(safety_check="safe_now", safety_steps="Called the hotline"),
    )
    assert safe.safety_steps == ""
    finish(world, safe)
    not_safe = start_session(
        actor=world.actor("casey"),
        case=world.case,
        details=_details(safety_check="not_safe", safety_steps="Called the hotline"),
    )
    assert not_safe.safety_steps == "Called the hotline"
