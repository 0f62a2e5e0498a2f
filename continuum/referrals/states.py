"""Who may move a referral from which state to which (the FHIR SDOH referral Task).

The standard splits the Task between its *requester* (the sending agency: it drafts,
requests and cancels) and its *owner* (the receiving agency: it accepts or rejects, starts,
pauses, completes or reports failure). Each move is listed once, with the side allowed to
make it; anything not listed is refused. "entered-in-error" is the sender's correction of a
referral that should never have existed, before the receiver started work.
"""

from __future__ import annotations

from enum import StrEnum

from continuum.referrals.models import ReferralReason
from continuum.referrals.models import ReferralStatus as S


class Side(StrEnum):
    SENDER = "sender"
    RECEIVER = "receiver"


TRANSITIONS: dict[tuple[S, S], Side] = {
    (S.DRAFT, S.REQUESTED): Side.SENDER,
    (S.DRAFT, S.CANCELLED): Side.SENDER,
    (S.DRAFT, S.ENTERED_IN_ERROR): Side.SENDER,
    (S.REQUESTED, S.CANCELLED): Side.SENDER,
    (S.REQUESTED, S.ENTERED_IN_ERROR): Side.SENDER,
    (S.ACCEPTED, S.CANCELLED): Side.SENDER,
    (S.IN_PROGRESS, S.CANCELLED): Side.SENDER,
    (S.ON_HOLD, S.CANCELLED): Side.SENDER,
    (S.REQUESTED, S.ACCEPTED): Side.RECEIVER,
    (S.REQUESTED, S.REJECTED): Side.RECEIVER,
    (S.ACCEPTED, S.IN_PROGRESS): Side.RECEIVER,
    (S.ACCEPTED, S.FAILED): Side.RECEIVER,
    (S.IN_PROGRESS, S.ON_HOLD): Side.RECEIVER,
    (S.ON_HOLD, S.IN_PROGRESS): Side.RECEIVER,
    (S.IN_PROGRESS, S.COMPLETED): Side.RECEIVER,
    (S.IN_PROGRESS, S.FAILED): Side.RECEIVER,
    (S.ON_HOLD, S.FAILED): Side.RECEIVER,
}

# A capacity inquiry is a question, not a service: it is answered (accepted: "we have room";
# rejected: "we do not") or withdrawn, and goes no further.
INQUIRY_TRANSITIONS = {
    move: side
    for move, side in TRANSITIONS.items()
    if move[1] in {S.REQUESTED, S.ACCEPTED, S.REJECTED, S.CANCELLED, S.ENTERED_IN_ERROR}
    and move[0] in {S.DRAFT, S.REQUESTED}
}

# Moves that must say why, and the reasons that fit each.
REASONS: dict[S, frozenset[ReferralReason]] = {
    S.REJECTED: frozenset(
        {
            ReferralReason.NOT_ELIGIBLE,
            ReferralReason.NO_CAPACITY,
            ReferralReason.COULD_NOT_CONTACT,
            ReferralReason.DECLINED,
        }
    ),
    S.FAILED: frozenset(
        {ReferralReason.NOT_ELIGIBLE, ReferralReason.COULD_NOT_CONTACT, ReferralReason.DECLINED}
    ),
    S.CANCELLED: frozenset(
        {
            ReferralReason.DECLINED,
            ReferralReason.NO_LONGER_NEEDED,
            ReferralReason.NO_CAPACITY,
            ReferralReason.NOT_ELIGIBLE,
            ReferralReason.COULD_NOT_CONTACT,
        }
    ),
}

# Waiting for the receiver to answer.
AWAITING_ANSWER = frozenset({S.REQUESTED})
# The loop is closed: nothing more will happen to it.
CLOSED = frozenset({S.REJECTED, S.FAILED, S.COMPLETED, S.CANCELLED, S.ENTERED_IN_ERROR})
# Open and with the receiver.
WITH_RECEIVER = frozenset({S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD})


def allowed(kind_is_inquiry: bool, current: S, target: S) -> Side | None:
    table = INQUIRY_TRANSITIONS if kind_is_inquiry else TRANSITIONS
    return table.get((current, target))


def next_states(kind_is_inquiry: bool, current: S, side: Side) -> list[S]:
    table = INQUIRY_TRANSITIONS if kind_is_inquiry else TRANSITIONS
    return [to for (frm, to), who in table.items() if frm == current and who == side]
