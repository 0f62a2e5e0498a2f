"""The referral state machine (states.TRANSITIONS, the FHIR SDOH referral Task), by who asks.

Every pair of states, for a referral and for a capacity inquiry, is tried by every persona
(each attempt rolled back before the next): the move is made exactly when the table lists it
and the persona acts for the side the table names; a move not in the table is refused for
everyone with a rule message, and a listed move by anyone else is Forbidden. Then the rules
around the moves: reasons, outcomes, two answers at once, and what a referral needs before
it can go at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from continuum.access.policy import Forbidden, NotFound
from continuum.accounts.models import Role
from continuum.cases.actions import change_case_status
from continuum.cases.models import CareTeamRole, CaseStatus, ClosureReason
from continuum.core.models import EditConflict
from continuum.needs.models import Need
from continuum.referrals import actions, states
from continuum.referrals.models import (
    Referral,
    ReferralEvent,
    ReferralOutcome,
    ReferralReason,
    ReferralStatus,
)
from continuum.survivors.actions import revoke_release
from continuum.survivors.models import Release
from tests.needs.helpers import assess
from tests.personas import World, add_person, build_world
from tests.referrals.helpers import listing, referral_world, sent

pytestmark = pytest.mark.django_db

S = ReferralStatus
ALL_PAIRS = list(itertools.product(list(S), list(S)))

# Who acts for which end of a referral from Lead Family Services to Harbor Counseling.
SENDERS = {
    "casey": "the lead agency's case manager named on the case",
    "sam": "the lead agency's supervisor",
}
RECEIVERS = {
    "ivy": "Harbor's case manager (intake)",
    "pat": "Harbor's supervisor (intake)",
    "drew": "Harbor's clinician, named on the care team (intake)",
    "mia": "Harbor's survivor-mentor (intake)",
}
NEITHER = {
    "cole": "a lead-agency case manager not on the case",
    "lena": "a lead-agency clinician named on the case (reads it, does not send)",
    "gus": "Harbor's agency admin (keeps the listing, takes no intake)",
    "quinn": "a case manager at an unrelated agency",
}
PERSONAS = {**SENDERS, **RECEIVERS, **NEITHER}

# A world with Harbor's listing and Ana's need; and the same with a referral sent to Harbor.
type Ready = tuple[World, Any, Need]
type Loop = tuple[World, Referral, Need]


def _world() -> Ready:
    world = build_world()
    service, need = referral_world(world)
    add_person(world, "mia", "partner", Role.SURVIVOR_MENTOR)
    add_person(world, "lena", "lead", Role.CLINICIAN, on_team_as=CareTeamRole.CLINICIAN)
    return world, service, need


def _inquiry(world: World, service: Any, need: Need) -> Referral:
    return actions.send_capacity_inquiry(
        actor=world.actor("casey"),
        case=world.case,
        service=service,
        need=need,
        age=15,
        gender_words="girl",
        urgent=True,
    )


def _reason_for(to: S) -> str:
    allowed = states.REASONS.get(to)
    return sorted(allowed)[0].value if allowed else ""


def _attempt(world: World, username: str, referral: Referral, frm: S, to: S) -> str:
    """What happens when `username` moves the referral from `frm` to `to`: "moved",
    "rule" (ReferralRuleBroken), "forbidden" or "not found" (rolled back either way)."""
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(status=frm, version=1, reason="")
        try:
            moved = actions.move_referral(
                actor=world.actor(username),
                referral=Referral.objects.get(pk=referral.pk),
                to=to,
                reason=_reason_for(to),
                expected_version=1,
            )
        except actions.ReferralRuleBroken:
            result = "rule"
        except Forbidden:
            result = "forbidden"
        except NotFound:
            result = "not found"
        else:
            assert moved.status == to
            assert moved.version == 2
            result = "moved"
        transaction.set_rollback(True)
    return result


def _expected(table: dict[tuple[S, S], states.Side], frm: S, to: S, username: str) -> str:
    side = table.get((frm, to))
    if side is None:
        return "rule"
    acting = states.Side.SENDER if username in SENDERS else None
    if username in RECEIVERS:
        acting = states.Side.RECEIVER
    return "moved" if acting == side else "forbidden"


# What is tried: a referral sent, or a capacity inquiry, and the table its moves are judged by.
KINDS: dict[str, tuple[Callable[[World, Any, Need], Referral], dict[tuple[S, S], states.Side]]] = {
    "referral": (sent, states.TRANSITIONS),
    "inquiry": (_inquiry, states.INQUIRY_TRANSITIONS),
}
MOVES = [(kind, frm, to) for kind in KINDS for frm, to in ALL_PAIRS]


class TestEveryMoveByEveryPersona:
    """The world is built once for the class, inside a transaction rolled back after the last
    case (building it for each of the 200 cases was most of this file's time). Each case runs
    in its own savepoint inside it, so the referral or inquiry it sends is gone before the
    next, as is every attempt (_attempt)."""

    @pytest.fixture(scope="class")
    @classmethod
    def shared(cls, django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[Ready]:
        with django_db_blocker.unblock(), transaction.atomic():
            with override_settings(PASSWORD_HASHERS=["tests.hashers.FastArgon2PasswordHasher"]):
                built = _world()
            yield built
            transaction.set_rollback(True)

    @pytest.fixture
    def as_built(self, shared: Ready) -> Ready:
        """The shared world as built: what the last case saved was rolled back; read it again."""
        world, service, need = shared
        for instance in (world.case, service, need):
            instance.refresh_from_db()
        return world, service, need

    @pytest.mark.parametrize(
        ("kind", "frm", "to"), MOVES, ids=[f"{kind}:{a}->{b}" for kind, a, b in MOVES]
    )
    def test_every_move_by_every_persona(self, as_built: Ready, kind: str, frm: S, to: S) -> None:
        world, service, need = as_built
        send, table = KINDS[kind]
        referral = send(world, service, need)
        wrong = {}
        for username, who in PERSONAS.items():
            got = _attempt(world, username, referral, frm, to)
            wanted = _expected(table, frm, to, username)
            if got != wanted:
                wrong[f"{username} ({who})"] = f"{got}, expected {wanted}"
        assert not wrong, wrong


def test_the_tables_are_what_the_standard_says() -> None:
    """Guard the guard: the requester drafts, sends and withdraws; the owner answers and
    does the work; an inquiry is only answered or withdrawn."""
    by_side: dict[states.Side, set[S]] = {states.Side.SENDER: set(), states.Side.RECEIVER: set()}
    for (_frm, to), side in states.TRANSITIONS.items():
        by_side[side].add(to)
    assert by_side[states.Side.SENDER] == {S.REQUESTED, S.CANCELLED, S.ENTERED_IN_ERROR}
    assert by_side[states.Side.RECEIVER] == {
        S.ACCEPTED,
        S.REJECTED,
        S.IN_PROGRESS,
        S.ON_HOLD,
        S.COMPLETED,
        S.FAILED,
    }
    assert set(states.INQUIRY_TRANSITIONS) < set(states.TRANSITIONS)
    assert {to for _frm, to in states.INQUIRY_TRANSITIONS} == {
        S.REQUESTED,
        S.ACCEPTED,
        S.REJECTED,
        S.CANCELLED,
        S.ENTERED_IN_ERROR,
    }
    assert not any(frm in states.CLOSED for frm, _to in states.TRANSITIONS)
    moves = sum(_expected(states.TRANSITIONS, a, b, "casey") == "moved" for a, b in ALL_PAIRS)
    assert moves == 8
    assert sum(_expected(states.TRANSITIONS, a, b, "ivy") == "moved" for a, b in ALL_PAIRS) == 9


def test_next_states_lists_each_sides_buttons() -> None:
    assert states.next_states(False, S.REQUESTED, states.Side.RECEIVER) == [S.ACCEPTED, S.REJECTED]
    assert states.next_states(False, S.REQUESTED, states.Side.SENDER) == [
        S.CANCELLED,
        S.ENTERED_IN_ERROR,
    ]
    assert states.next_states(True, S.ACCEPTED, states.Side.RECEIVER) == []
    assert states.next_states(False, S.COMPLETED, states.Side.RECEIVER) == []


# --- reasons --------------------------------------------------------------------------------


@pytest.fixture
def ready() -> Ready:
    """Harbor's listing and Ana's mental-health need, released to Harbor: a referral can go."""
    world = build_world()
    service, need = referral_world(world)
    return world, service, need


@pytest.fixture
def loop(ready: Ready) -> Loop:
    world, service, need = ready
    return world, sent(world, service, need), need


def _move(world: World, who: str, referral: Referral, to: S, **given: Any) -> Referral:
    """`who` moves the referral to `to`, with what else is `given` (reason, outcome or the
    version they saw)."""
    return actions.move_referral(actor=world.actor(who), referral=referral, to=to, **given)


def _outcome(world: World, who: str, referral: Referral, outcome: str, **given: Any) -> Referral:
    return actions.record_outcome(
        actor=world.actor(who), referral=referral, outcome=outcome, **given
    )


def _into(to: S) -> tuple[S, str]:
    """A move to `to` that the table lists, and who makes it (Casey or Ivy, by its side)."""
    frm = next(a for a, b in states.TRANSITIONS if b == to)
    return frm, "casey" if states.TRANSITIONS[frm, to] == states.Side.SENDER else "ivy"


@pytest.mark.parametrize("to", sorted(states.REASONS))
def test_a_move_that_needs_a_reason_is_refused_without_one(loop: Loop, to: S) -> None:
    world, referral, _need = loop
    frm, who = _into(to)
    Referral.objects.filter(pk=referral.pk).update(status=frm)
    with pytest.raises(actions.ReferralRuleBroken, match="Say why"):
        _move(world, who, referral, to)


@pytest.mark.parametrize("to", sorted(states.REASONS))
def test_only_the_reasons_that_fit_the_move_are_taken(loop: Loop, to: S) -> None:
    world, referral, _need = loop
    frm, who = _into(to)
    for reason in ReferralReason:
        with transaction.atomic():
            Referral.objects.filter(pk=referral.pk).update(status=frm, reason="")
            fresh = Referral.objects.get(pk=referral.pk)
            if reason in states.REASONS[to]:
                moved = _move(world, who, fresh, to, reason=reason)
                assert moved.reason == reason
                assert ReferralEvent.objects.filter(referral=referral, reason=reason).exists()
            else:
                with pytest.raises(actions.ReferralRuleBroken):
                    _move(world, who, fresh, to, reason=reason)
            transaction.set_rollback(True)


def test_a_reason_on_a_move_that_takes_none_is_refused(loop: Loop) -> None:
    world, referral, _need = loop
    with pytest.raises(actions.ReferralRuleBroken, match="reason is given only"):
        _move(world, "ivy", referral, S.ACCEPTED, reason="declined")
    assert Referral.objects.get(pk=referral.pk).status == S.REQUESTED


def test_an_unknown_reason_is_refused(loop: Loop) -> None:
    world, referral, _need = loop
    with pytest.raises(actions.ReferralRuleBroken):
        _move(world, "ivy", referral, S.REJECTED, reason="too busy")


# --- outcomes -------------------------------------------------------------------------------


def _started(world: World, referral: Referral) -> Referral:
    for to in (S.ACCEPTED, S.IN_PROGRESS):
        referral = _move(world, "ivy", referral, to)
    return referral


def _completed(world: World, referral: Referral) -> Referral:
    """Accepted, started and completed by Harbor, with no outcome said."""
    return _move(world, "ivy", _started(world, referral), S.COMPLETED)


def test_completing_with_got_help_meets_the_need(loop: Loop) -> None:
    world, referral, need = loop
    referral = _started(world, referral)
    done = _move(world, "ivy", referral, S.COMPLETED, outcome="got_help")
    assert (done.outcome, done.outcome_at is not None) == ("got_help", True)
    assert Need.objects.get(pk=need.pk).status == "met"


def test_an_outcome_is_refused_on_a_move_that_does_not_close(loop: Loop) -> None:
    world, referral, _need = loop
    with pytest.raises(actions.ReferralRuleBroken, match="closed"):
        _move(world, "ivy", referral, S.ACCEPTED, outcome="got_help")


def test_an_unknown_outcome_is_refused(loop: Loop) -> None:
    world, referral, _need = loop
    referral = _started(world, referral)
    with pytest.raises(actions.ReferralRuleBroken, match="got help"):
        _move(world, "ivy", referral, S.COMPLETED, outcome="maybe")


def test_completed_without_an_outcome_is_answered_later_by_either_side(loop: Loop) -> None:
    world, referral, need = loop
    referral = _completed(world, referral)
    assert referral.outcome == ""
    assert Need.objects.get(pk=need.pk).status != "met"
    referral = _outcome(
        world, "ivy", referral, "did_not_get_help", expected_version=referral.version
    )
    # The case manager hears otherwise from the survivor: the later answer wins, both stay.
    referral = _outcome(world, "casey", referral, "got_help", expected_version=referral.version)
    assert referral.outcome == "got_help"
    assert Need.objects.get(pk=need.pk).status == "met"
    history = list(referral.events.values_list("outcome", flat=True))
    assert history[-2:] == ["did_not_get_help", "got_help"]


def test_no_outcome_before_the_loop_closes(loop: Loop) -> None:
    world, referral, _need = loop
    referral = _started(world, referral)
    with pytest.raises(actions.ReferralRuleBroken, match="closed"):
        _outcome(world, "ivy", referral, "got_help")


@pytest.mark.parametrize("username", ["cole", "gus", "quinn"])
def test_an_outcome_from_neither_side_is_forbidden(loop: Loop, username: str) -> None:
    world, referral, _need = loop
    referral = _completed(world, referral)
    with pytest.raises(Forbidden):
        _outcome(world, username, referral, "got_help")


def _never_an_outcome(
    world: World, who: str, referral: Referral, to: S, refusal: str, **reason: str
) -> None:
    """Moving to `to` with an outcome is refused (`refusal`), and so is recording one once
    it moved there without."""
    with pytest.raises(actions.ReferralRuleBroken, match=refusal):
        _move(world, who, referral, to, outcome="did_not_get_help", **reason)
    moved = _move(world, who, referral, to, **reason)
    with pytest.raises(actions.ReferralRuleBroken, match=refusal):
        _outcome(world, who, moved, "got_help")


def test_an_inquiry_and_a_mistake_have_no_outcome(ready: Ready) -> None:
    world, service, need = ready
    inquiry = _inquiry(world, service, need)
    _never_an_outcome(world, "ivy", inquiry, S.REJECTED, "question", reason="no_capacity")
    mistake = sent(world, service, need)
    _never_an_outcome(world, "casey", mistake, S.ENTERED_IN_ERROR, "in error")


# --- two answers at once --------------------------------------------------------------------


def test_two_people_answering_the_same_version_one_wins(loop: Loop) -> None:
    """Ivy accepts and Pat rejects, both from the version they saw: one EditConflict."""
    world, referral, _need = loop
    seen = referral.version
    _move(world, "ivy", referral, S.ACCEPTED, expected_version=seen)
    with pytest.raises(EditConflict):
        _move(world, "pat", referral, S.REJECTED, reason="no_capacity", expected_version=seen)
    fresh = Referral.objects.get(pk=referral.pk)
    assert (fresh.status, fresh.version) == (S.ACCEPTED, seen + 1)
    assert list(fresh.events.values_list("status", flat=True)) == [
        S.DRAFT,
        S.REQUESTED,
        S.ACCEPTED,
    ]


def test_the_sender_cancelling_while_the_receiver_accepts(loop: Loop) -> None:
    world, referral, _need = loop
    seen = referral.version
    _move(world, "casey", referral, S.CANCELLED, reason="no_longer_needed", expected_version=seen)
    with pytest.raises(EditConflict):
        _move(world, "ivy", referral, S.ACCEPTED, expected_version=seen)
    # Without a version the move is judged on the state as it is now.
    with pytest.raises(actions.ReferralRuleBroken, match="cannot become"):
        _move(world, "ivy", referral, S.ACCEPTED)


def test_an_outcome_from_a_stale_version_is_a_conflict(loop: Loop) -> None:
    world, referral, _need = loop
    referral = _completed(world, referral)
    _outcome(world, "ivy", referral, "got_help", expected_version=referral.version)
    with pytest.raises(EditConflict):
        _outcome(world, "casey", referral, "did_not_get_help", expected_version=referral.version)
    assert Referral.objects.get(pk=referral.pk).outcome == ReferralOutcome.GOT_HELP


# --- what a referral needs before it can go -------------------------------------------------


def _close(world: World) -> None:
    world.case.refresh_from_db()
    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status=CaseStatus.CLOSED,
        expected_version=world.case.version,
        closure_reason=ClosureReason.GOALS_MET,
    )


def _draft(world: World, service: Any, need: Need, by: str = "casey", **send: bool) -> Referral:
    return actions.draft_referral(
        actor=world.actor(by),
        case=world.case,
        details=actions.ReferralDetails(service=service, need=need),
        **send,
    )


def test_a_closed_case_refuses_new_referrals_and_inquiries(ready: Ready) -> None:
    world, service, need = ready
    _close(world)
    with pytest.raises(actions.ReferralRuleBroken, match="closed"):
        sent(world, service, need)
    with pytest.raises(actions.ReferralRuleBroken, match="closed"):
        _inquiry(world, service, need)
    assert not Referral.objects.exists()


def test_without_a_release_for_who_they_are_only_an_inquiry_goes() -> None:
    world = build_world()
    service, need = referral_world(world, release={"needs", "contact"})
    with pytest.raises(actions.ReferralRuleBroken, match="capacity inquiry"):
        sent(world, service, need)
    assert not Referral.objects.exists()
    inquiry = _inquiry(world, service, need)
    assert inquiry.status == S.REQUESTED
    assert (
        inquiry.inquiry_text
        == "A 15-year-old girl needs mental health services today. Could you take them?"
    )


def test_an_expired_or_revoked_release_does_not_count(ready: Ready) -> None:
    world, service, need = ready
    release = Release.objects.get(survivor=world.survivor)
    revoke_release(actor=world.actor("casey"), release=release)
    with pytest.raises(actions.ReferralRuleBroken, match="No release"):
        sent(world, service, need)


def test_sending_a_draft_checks_the_release_again(ready: Ready) -> None:
    """A draft saved while the release was in force does not go once it is revoked."""
    world, service, need = ready
    draft = _draft(world, service, need)
    assert draft.status == S.DRAFT
    revoke_release(actor=world.actor("casey"), release=Release.objects.get(survivor=world.survivor))
    with pytest.raises(actions.ReferralRuleBroken, match="any more"):
        _move(world, "casey", draft, S.REQUESTED)
    assert Referral.objects.get(pk=draft.pk).status == S.DRAFT


def test_sending_a_draft_checks_the_listing_and_the_case_again(ready: Ready) -> None:
    world, service, need = ready
    draft = _draft(world, service, need)
    type(service).objects.filter(pk=service.pk).update(status="inactive")
    with pytest.raises(actions.ReferralRuleBroken, match="not taking referrals"):
        _move(world, "casey", draft, S.REQUESTED)
    type(service).objects.filter(pk=service.pk).update(status="active")
    _close(world)
    with pytest.raises(actions.ReferralRuleBroken, match="closed"):
        _move(world, "casey", draft, S.REQUESTED)


@pytest.mark.parametrize("status", ["inactive", "defunct"])
def test_a_service_not_taking_referrals_is_refused(ready: Ready, status: str) -> None:
    world, service, need = ready
    type(service).objects.filter(pk=service.pk).update(status=status)
    service.refresh_from_db()
    with pytest.raises(actions.ReferralRuleBroken, match="not taking referrals"):
        sent(world, service, need)
    with pytest.raises(actions.ReferralRuleBroken, match="not taking referrals"):
        _inquiry(world, service, need)


def test_a_service_no_agency_keeps_is_refused(ready: Ready) -> None:
    """A listing imported from a 211 has no intake queue here: call them instead."""
    world, _service, need = ready
    imported = listing(world, name="County crisis line")
    organization = imported.organization
    assert organization is not None
    organization.agency = None
    organization.save(update_fields=["agency"])
    imported.refresh_from_db()
    with pytest.raises(actions.ReferralRuleBroken, match="not kept by an agency"):
        sent(world, imported, need)


def test_a_service_of_an_agency_no_longer_active_is_refused(ready: Ready) -> None:
    world, service, need = ready
    world.agencies["partner"].is_active = False
    world.agencies["partner"].save(update_fields=["is_active"])
    service.refresh_from_db()
    with pytest.raises(actions.ReferralRuleBroken, match="not kept by an agency"):
        sent(world, service, need)


def test_a_need_of_another_case_is_not_found(ready: Ready) -> None:
    world, service, _need = ready
    from continuum.cases.actions import open_case
    from continuum.survivors.actions import SurvivorDetails, create_survivor

    other = create_survivor(
        actor=world.actor("casey"), details=SurvivorDetails(preferred_name="Bo")
    )
    other_case = open_case(actor=world.actor("casey"), survivor=other, report_received_on=None)
    elsewhere = assess(world, "shelter", case=other_case)
    with pytest.raises(NotFound):
        sent(world, service, elsewhere)


@pytest.mark.parametrize("username", ["cole", "lena", "drew", "quinn", "jordan", "avery"])
def test_only_the_lead_team_may_refer(ready: Ready, username: str) -> None:
    world, service, need = ready
    add_person(world, "lena", "lead", Role.CLINICIAN, on_team_as=CareTeamRole.CLINICIAN)
    with pytest.raises(Forbidden):
        _draft(world, service, need, by=username, send=True)


def test_answering_sets_the_times_the_measures_read(loop: Loop) -> None:
    world, referral, _need = loop
    assert referral.requested_at is not None
    assert referral.response_due_on is not None
    assert referral.response_due_on > timezone.localdate()
    referral = _started(world, referral)
    assert referral.answered_at is not None
    assert referral.accepted_at is not None
    assert referral.started_at is not None
    assert referral.closed_at is None
