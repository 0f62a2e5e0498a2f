"""Every read of the community protocol, its MOUs and its conflict log.

A protocol is the community's agreement, not survivor data: every member agency's staff may
read it (policy.Permission.VIEW_PROTOCOL). An agency outside the protocol gets "not found",
as for any record it may not see. The conflict log is read by the roles that may raise a
disagreement (supervisors, coordinators, admins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import CATEGORY_LABELS, DataCategory
from continuum.accounts.models import Agency, AgencyType, Role
from continuum.cases.models import CareTeamRole
from continuum.protocols.models import (
    Conflict,
    ConflictStatus,
    Mou,
    MouSignature,
    MouStatus,
    Protocol,
    ProtocolMember,
    ProtocolVersion,
)


def protocol_for_agency(actor: Actor) -> Protocol | None:
    """The protocol the actor's agency is a member of, or None."""
    policy.require(actor, policy.Permission.VIEW_PROTOCOL)
    return (
        Protocol.objects.filter(members__agency_id=actor.agency_id)
        .select_related("updated_by")
        .first()
    )


def protocol_of(actor: Actor) -> Protocol:
    """The actor's community protocol, or 404 when their agency is in none."""
    protocol = protocol_for_agency(actor)
    if protocol is None:
        raise policy.NotFound()
    return protocol


def protocol_for(actor: Actor, protocol_id: int) -> Protocol:
    """The protocol with this id, when the actor's agency is a member of it (else 404)."""
    protocol = protocol_for_agency(actor)
    if protocol is None or protocol.pk != protocol_id:
        raise policy.NotFound()
    return protocol


def require_conflict_reader(actor: Actor) -> None:
    """The conflict log is read by the roles that may raise a disagreement."""
    policy.require(actor, policy.Permission.RAISE_CONFLICT)


def versions_of(protocol: Protocol) -> QuerySet[ProtocolVersion]:
    """Every saved version, newest first, with who saved it."""
    return protocol.versions.select_related("changed_by").order_by("-number")


def community_today() -> date:
    return timezone.localdate()


# --- MOUs -------------------------------------------------------------------------------


def mous_of(protocol: Protocol) -> list[Mou]:
    """Every MOU of the protocol, newest expiry first, with its signatures."""
    return list(
        protocol.mous.select_related("protocol_version", "created_by").prefetch_related(
            Prefetch("signatures", queryset=MouSignature.objects.select_related("agency"))
        )
    )


def mou_for(protocol: Protocol, mou_id: int) -> Mou:
    """One MOU of the protocol (404 otherwise)."""
    found = next((mou for mou in mous_of(protocol) if mou.pk == mou_id), None)
    if found is None:
        raise policy.NotFound()
    return found


def mou_in_force(protocol: Protocol, today: date | None = None) -> Mou | None:
    """The MOU in force today (status_on(today) is in force), if any."""
    today = today or community_today()
    in_force = [m for m in mous_of(protocol) if m.status_on(today) == MouStatus.IN_FORCE]
    in_force.sort(key=lambda m: m.effective_from or date.min, reverse=True)
    return in_force[0] if in_force else None


def mou_status_by_agency(protocol: Protocol, today: date | None = None) -> dict[int, bool]:
    """For every member agency: whether it has signed the MOU in force (False for all when
    no MOU is in force)."""
    current = mou_in_force(protocol, today)
    signed = {s.agency_id for s in current.signatures.all()} if current else set()
    return {
        agency_id: agency_id in signed
        for agency_id in protocol.members.values_list("agency_id", flat=True)
    }


def signed_agency_ids(protocol: Protocol, today: date | None = None) -> set[int] | None:
    """The member agencies that signed the MOU in force; None when no MOU is in force."""
    if mou_in_force(protocol, today) is None:
        return None
    return {pk for pk, signed in mou_status_by_agency(protocol, today).items() if signed}


def unsigned_agency_ids(protocol: Protocol, today: date | None = None) -> set[int]:
    """The member agencies that have not signed the MOU in force (all of them when none is
    in force)."""
    return {pk for pk, signed in mou_status_by_agency(protocol, today).items() if not signed}


def agency_label_with_mou(agency: Agency, signed_ids: set[int] | None) -> str:
    """The agency's name for a choice list, saying when it has not signed the MOU in force
    (`signed_ids` None: no MOU is in force, so nothing to say)."""
    if signed_ids is None or agency.pk in signed_ids:
        return agency.name
    return _("%(agency)s — has not signed the MOU in force") % {"agency": agency.name}


@dataclass(frozen=True)
class Timelines:
    """The deadlines a protocol sets for an agency's work (the deployment's defaults, from
    the settings, for an agency in no protocol)."""

    screening_start_hours: int
    plan_review_days: int
    referral_response_business_days: int
    protocol_version: int | None


def timelines_for(agency_id: int) -> Timelines:
    """What the protocol the agency is a member of says now (1 query)."""
    protocol = Protocol.objects.filter(members__agency_id=agency_id).first()
    if protocol is None:
        return Timelines(
            screening_start_hours=settings.CONTINUUM_SCREENING_START_HOURS,
            plan_review_days=settings.CONTINUUM_PLAN_REVIEW_DAYS,
            referral_response_business_days=3,
            protocol_version=None,
        )
    return Timelines(
        screening_start_hours=protocol.screening_start_hours,
        plan_review_days=protocol.plan_review_days,
        referral_response_business_days=protocol.referral_response_business_days,
        protocol_version=protocol.version,
    )


def sharing_ceiling(discloser_id: int, recipient: Agency) -> frozenset[str] | None:
    """What the discloser's protocol lets an agency of the recipient's type receive with a
    release; None when it sets no limit for that type, or the recipient is not a member of
    the discloser's protocol (or there is no protocol). The rules are what the members agreed
    about *members*: an agency outside the community (a survivor moving to another county)
    never agreed to them, and the survivor's release is what decides what it receives."""
    protocol = Protocol.objects.filter(members__agency_id=discloser_id).first()
    if protocol is None or recipient.agency_type not in protocol.sharing_rules:
        return None
    if not protocol.members.filter(agency_id=recipient.pk).exists():
        return None
    return frozenset(protocol.sharing_rules[recipient.agency_type])


def unsigned_member_ids(today: date | None = None) -> set[int]:
    """Every agency, in any protocol, that has not signed its protocol's MOU in force (an
    agency whose protocol has no MOU in force is not listed: there is nothing to sign).
    For choice lists anywhere an agency is chosen: 2 queries for any number of agencies."""
    today = today or community_today()
    in_force = {
        mou.protocol_id: mou.pk
        for mou in Mou.objects.filter(status=MouStatus.IN_FORCE, expires_on__gte=today).order_by(
            "effective_from"
        )
    }
    if not in_force:
        return set()
    signed = set(
        MouSignature.objects.filter(mou_id__in=in_force.values()).values_list("mou_id", "agency_id")
    )
    members = ProtocolMember.objects.filter(protocol_id__in=in_force).values_list(
        "protocol_id", "agency_id"
    )
    return {agency for protocol, agency in members if (in_force[protocol], agency) not in signed}


def with_mou_flag(name: str, agency_id: int, unsigned: set[int]) -> str:
    """An agency's label in a choice list, saying when it has not signed the MOU in force."""
    if agency_id not in unsigned:
        return name
    return _("%(agency)s — has not signed the MOU in force") % {"agency": name}


def mous_to_renew(actor: Actor) -> list[Mou]:
    """For a network admin of a member agency: the MOU in force of their protocol when it is
    within its reminder days of expiring (My work reminds them)."""
    if actor.role != Role.NETWORK_ADMIN:
        return []
    protocol = protocol_for_agency(actor)
    if protocol is None:
        return []
    current = mou_in_force(protocol)
    return [current] if current is not None and renewal_due(current) else []


def renewal_due(mou: Mou, today: date | None = None) -> bool:
    """An MOU in force within its reminder window before expiry: time to renew it."""
    today = today or community_today()
    if mou.status_on(today) != MouStatus.IN_FORCE:
        return False
    return (mou.expires_on - today).days <= mou.remind_days_before


# --- members ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    member: ProtocolMember
    agency: Agency
    role_labels: list[str]
    signed_mou_in_force: bool | None  # None: no MOU in force


def members_of(protocol: Protocol, today: date | None = None) -> list[MemberRow]:
    """The member agencies with what they do and whether each signed the MOU in force."""
    signed = signed_agency_ids(protocol, today)
    roles = dict(CareTeamRole.choices)
    return [
        MemberRow(
            member=member,
            agency=member.agency,
            role_labels=[str(roles.get(role, role)) for role in member.mdt_roles],
            signed_mou_in_force=None if signed is None else member.agency_id in signed,
        )
        for member in protocol.members.select_related("agency")
    ]


# The largest id a database row can have (a path may name any integer at all).
MAX_ID = 2**63 - 1


def member_of(protocol: Protocol, agency_id: int) -> ProtocolMember:
    if not 0 < agency_id <= MAX_ID:
        raise policy.NotFound()
    member = protocol.members.select_related("agency").filter(agency_id=agency_id).first()
    if member is None:
        raise policy.NotFound()
    return member


def member_agencies(protocol: Protocol) -> QuerySet[Agency]:
    return Agency.objects.filter(protocol_member__protocol=protocol).order_by("name")


def agencies_to_add() -> QuerySet[Agency]:
    """Active agencies in no community's protocol yet (an agency is in one protocol)."""
    return Agency.objects.filter(is_active=True, protocol_member__isnull=True).order_by("name")


def agency_by_id(agency_id: int) -> Agency | None:
    """An agency of the network's public directory (no survivor data)."""
    return Agency.objects.filter(pk=agency_id).first()


# --- what the protocol says, for reading ----------------------------------------------------


def role_labels(values: list[str]) -> list[str]:
    roles = dict(CareTeamRole.choices)
    return [str(roles.get(value, value)) for value in values]


def sharing_rows(protocol: Protocol) -> list[tuple[str, list[str]]]:
    """Per kind of member agency: the kinds of data it may receive *with a release*."""
    types = dict(AgencyType.choices)
    rows = []
    for agency_type, categories in sorted(protocol.sharing_rules.items()):
        labels = [str(CATEGORY_LABELS[DataCategory(c)]) for c in categories if c in DataCategory]
        rows.append((str(types.get(agency_type, agency_type)), labels))
    return rows


# --- conflicts ----------------------------------------------------------------------------


def conflicts_of(protocol: Protocol) -> QuerySet[Conflict]:
    """The protocol's conflict log: open first, then newest."""
    return protocol.conflicts.select_related("raised_by").prefetch_related("with_agencies", "steps")


def open_conflicts_count(protocol: Protocol) -> int:
    return protocol.conflicts.filter(status=ConflictStatus.OPEN).count()


def conflict_for(protocol: Protocol, conflict_id: int) -> Conflict:
    found = conflicts_of(protocol).filter(pk=conflict_id).first()
    if found is None:
        raise policy.NotFound()
    return found
