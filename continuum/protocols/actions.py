"""Every write to the community protocol, its MOUs and its conflict log.

Every change to what the protocol says (settings, members, holidays, training) raises the
protocol's version and writes a ProtocolVersion snapshot in the same transaction; a change
that moves deadlines recomputes the open MDT clocks and says how many moved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import DataCategory
from continuum.accounts.models import Agency, AgencyType, Role
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import CareTeamRole
from continuum.core.models import save_if_unchanged
from continuum.core.text import clean_text
from continuum.protocols.models import (
    TIMELINES,
    Conflict,
    ConflictStatus,
    ConflictStep,
    Holiday,
    Mou,
    MouSignature,
    MouStatus,
    Protocol,
    ProtocolMember,
    ProtocolVersion,
    TrainingRequirement,
)

# Settings that decide when an MDT staffing is due: changing one recomputes open clocks.
CLOCK_SETTINGS = ("time_zone", "mdt_staffing_days", "mdt_business_days", "mdt_at_risk_days")


class ProtocolRuleBroken(Exception):
    """The change would break one of the protocol's rules; the message says which (422)."""


@dataclass(frozen=True)
class ProtocolDetails:
    name: str
    mission: str
    time_zone: str
    effective_from: date
    effective_until: date | None
    screening_start_hours: int
    mdt_staffing_days: int
    mdt_business_days: bool
    mdt_at_risk_days: int
    plan_review_days: int
    referral_response_business_days: int
    required_mdt_roles: list[str]
    sharing_rules: dict[str, list[str]]
    conflict_procedure: str


@dataclass(frozen=True)
class ProtocolChange:
    version: ProtocolVersion
    clocks_moved: int


def _check(details: ProtocolDetails) -> None:
    if details.effective_until and details.effective_until < details.effective_from:
        raise ProtocolRuleBroken(_("The protocol cannot end before it starts."))
    if details.mdt_at_risk_days >= details.mdt_staffing_days:
        raise ProtocolRuleBroken(
            _("The warning must come before the staffing is due: fewer days than the deadline.")
        )
    roles = {str(value) for value in CareTeamRole.values}
    if not set(details.required_mdt_roles) <= roles:
        raise ProtocolRuleBroken(_("A required role is not one the system knows."))
    categories = {str(c) for c in DataCategory}
    for agency_type, allowed in details.sharing_rules.items():
        if agency_type not in AgencyType.values or not set(allowed) <= categories:
            raise ProtocolRuleBroken(_("A sharing rule names an unknown kind of member or data."))


def snapshot(protocol: Protocol) -> dict[str, Any]:
    """Everything the protocol says now, as JSON: what a version keeps for good."""
    settings = {
        name: getattr(protocol, name)
        for name in (
            "name",
            "mission",
            "time_zone",
            *TIMELINES,
            "required_mdt_roles",
            "sharing_rules",
            "conflict_procedure",
        )
    }
    settings["effective_from"] = protocol.effective_from.isoformat()
    settings["effective_until"] = (
        protocol.effective_until.isoformat() if protocol.effective_until else None
    )
    settings["members"] = [
        {
            "agency_id": m.agency_id,
            "agency": m.agency.name,
            "responsibilities": m.responsibilities,
            "mdt_roles": m.mdt_roles,
            "services": m.services,
        }
        for m in protocol.members.select_related("agency")
    ]
    settings["holidays"] = [
        {"day": h.day.isoformat(), "name": h.name} for h in protocol.holidays.all()
    ]
    settings["training_requirements"] = [
        {
            "role": t.role,
            "course": t.course,
            "hours": t.hours,
            "renew_every_months": t.renew_every_months,
            "before_contact": t.before_contact,
        }
        for t in protocol.training_requirements.all()
    ]
    return settings


def _write_version(actor: Actor, protocol: Protocol, summary: str) -> ProtocolVersion:
    version = ProtocolVersion.objects.create(
        protocol=protocol,
        number=protocol.version,
        snapshot=snapshot(protocol),
        change_summary=summary[:300],
        changed_by=actor.user,
    )
    record(
        actor,
        AuditAction.PROTOCOL_CHANGED,
        obj=protocol,
        detail={"version": version.number, "change": summary[:300]},
    )
    return version


def _bump(actor: Actor, protocol: Protocol, summary: str) -> ProtocolVersion:
    """A change to a part of the protocol (members, holidays, training): a new version."""
    Protocol.objects.filter(pk=protocol.pk).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor.user
    )
    protocol.refresh_from_db(fields=["version", "updated_at", "updated_by"])
    return _write_version(actor, protocol, summary)


def _recompute(actor: Actor, protocol: Protocol, version: ProtocolVersion) -> int:
    # mdt builds on protocols, so the clock code lives there; imported here, at call time,
    # because the protocol decides when clocks move and must not wait for anyone to ask.
    from continuum.mdt.clocks import recompute_for_protocol

    return recompute_for_protocol(actor=actor, protocol=protocol, version=version)


def require_protocol_admin(actor: Actor, protocol: Protocol | None = None) -> None:
    """A network admin of a member agency changes its protocol (any network admin may start
    one for a community that has none)."""
    policy.require(actor, policy.Permission.MANAGE_PROTOCOL)
    if protocol is not None and not protocol.members.filter(agency_id=actor.agency_id).exists():
        raise policy.Forbidden(_("Only a member agency's network admin can change this protocol."))


@transaction.atomic
def create_protocol(*, actor: Actor, details: ProtocolDetails) -> Protocol:
    """Start a community's protocol, with the actor's agency as its first member.
    Caller: a network admin whose agency is in no protocol yet."""
    require_protocol_admin(actor)
    _check(details)
    if ProtocolMember.objects.filter(agency_id=actor.agency_id).exists():
        raise ProtocolRuleBroken(_("Your agency is already a member of a community protocol."))
    if Protocol.objects.filter(name=details.name).exists():
        raise ProtocolRuleBroken(_("Another protocol already has this name."))
    try:
        # A savepoint: a name or membership taken at the same instant by another admin
        # fails the unique constraint, and is answered as the check above would be.
        with transaction.atomic():
            protocol = Protocol.objects.create(**asdict(details), updated_by=actor.user)
            ProtocolMember.objects.create(protocol=protocol, agency=actor.agency)
    except IntegrityError as clash:
        raise ProtocolRuleBroken(
            _("Another protocol already has this name, or your agency joined one just now.")
        ) from clash
    version = _write_version(actor, protocol, _("Protocol started"))
    # The first member's open cases now run on this protocol's clocks, as a member added
    # later does.
    _recompute(actor, protocol, version)
    return protocol


@transaction.atomic
def change_protocol(
    *, actor: Actor, protocol: Protocol, details: ProtocolDetails, expected_version: int
) -> ProtocolChange:
    """Change the protocol's settings. When the staffing deadline changes, every open MDT
    clock is recomputed under the new version, and each case whose due date moved says so
    on its timeline. Caller: a member agency's network admin."""
    require_protocol_admin(actor, protocol)
    _check(details)
    if Protocol.objects.filter(name=details.name).exclude(pk=protocol.pk).exists():
        raise ProtocolRuleBroken(_("Another protocol already has this name."))
    before = {name: getattr(protocol, name) for name in CLOCK_SETTINGS}
    changed = [name for name, value in asdict(details).items() if getattr(protocol, name) != value]
    save_if_unchanged(
        protocol,
        expected_version=expected_version,
        fields={**asdict(details), "updated_at": timezone.now(), "updated_by": actor.user},
    )
    labels = ", ".join(_field_label(name) for name in changed)
    version = _write_version(actor, protocol, _("Changed: %(what)s") % {"what": labels or "-"})
    moved = 0
    if any(before[name] != getattr(protocol, name) for name in CLOCK_SETTINGS):
        moved = _recompute(actor, protocol, version)
    return ProtocolChange(version, moved)


def _field_label(name: str) -> str:
    field = Protocol._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _member_agency(agency: Agency) -> None:
    if not agency.is_active:
        raise ProtocolRuleBroken(_("This agency is no longer active."))


@transaction.atomic
def set_member(
    *,
    actor: Actor,
    protocol: Protocol,
    agency: Agency,
    responsibilities: str,
    mdt_roles: list[str],
    services: str,
) -> ProtocolMember:
    """Add a member agency, or change what it does for the community."""
    require_protocol_admin(actor, protocol)
    _member_agency(agency)
    if not set(mdt_roles) <= set(CareTeamRole.values):
        raise ProtocolRuleBroken(_("A role is not one the system knows."))
    elsewhere = ProtocolMember.objects.filter(agency=agency).exclude(protocol=protocol)
    if elsewhere.exists():
        raise ProtocolRuleBroken(_("This agency is a member of another community's protocol."))
    member, created = ProtocolMember.objects.update_or_create(
        agency=agency,
        defaults={
            "protocol": protocol,
            "responsibilities": clean_text(responsibilities),
            "mdt_roles": sorted(set(mdt_roles)),
            "services": clean_text(services),
        },
    )
    summary = _("Member added: %(agency)s") if created else _("Member changed: %(agency)s")
    version = _bump(actor, protocol, summary % {"agency": agency.name})
    if created:
        # Its cases now run on this protocol's clocks.
        _recompute(actor, protocol, version)
    return member


@transaction.atomic
def remove_member(*, actor: Actor, protocol: Protocol, agency: Agency) -> None:
    require_protocol_admin(actor, protocol)
    if agency.pk == actor.agency_id:
        raise ProtocolRuleBroken(_("You cannot remove your own agency."))
    deleted, _rows = ProtocolMember.objects.filter(protocol=protocol, agency=agency).delete()
    if not deleted:
        raise policy.NotFound()
    version = _bump(actor, protocol, _("Member removed: %(agency)s") % {"agency": agency.name})
    _recompute(actor, protocol, version)


@transaction.atomic
def add_holiday(*, actor: Actor, protocol: Protocol, day: date, name: str) -> Holiday:
    """A day business-day deadlines skip; open clocks are recomputed."""
    require_protocol_admin(actor, protocol)
    if not clean_text(name):
        raise ProtocolRuleBroken(_("Give the holiday a name."))
    # Two admins adding the same day at once: the second waits here, then is told.
    Protocol.objects.select_for_update().filter(pk=protocol.pk).first()
    if protocol.holidays.filter(day=day).exists():
        raise ProtocolRuleBroken(_("This day is already a holiday."))
    holiday = Holiday.objects.create(protocol=protocol, day=day, name=clean_text(name))
    version = _bump(actor, protocol, _("Holiday added: %(day)s") % {"day": day.isoformat()})
    _recompute(actor, protocol, version)
    return holiday


@transaction.atomic
def remove_holiday(*, actor: Actor, protocol: Protocol, holiday_id: int) -> None:
    require_protocol_admin(actor, protocol)
    holiday = protocol.holidays.filter(pk=holiday_id).first()
    if holiday is None:
        raise policy.NotFound()
    day = holiday.day
    holiday.delete()
    version = _bump(actor, protocol, _("Holiday removed: %(day)s") % {"day": day.isoformat()})
    _recompute(actor, protocol, version)


@transaction.atomic
def add_training_requirement(
    *,
    actor: Actor,
    protocol: Protocol,
    role: str,
    course: str,
    hours: int,
    renew_every_months: int | None,
    before_contact: bool,
) -> TrainingRequirement:
    """Training a role must hold in this community (read by the training issue)."""
    require_protocol_admin(actor, protocol)
    if role not in Role.values:
        raise ProtocolRuleBroken(_("This role is not one the system knows."))
    if not clean_text(course):
        raise ProtocolRuleBroken(_("Name the course."))
    requirement = TrainingRequirement.objects.create(
        protocol=protocol,
        role=role,
        course=clean_text(course),
        hours=hours,
        renew_every_months=renew_every_months,
        before_contact=before_contact,
    )
    _bump(
        actor,
        protocol,
        _("Training required of %(role)s: %(course)s")
        % {"role": Role(role).label, "course": requirement.course},
    )
    return requirement


@transaction.atomic
def remove_training_requirement(*, actor: Actor, protocol: Protocol, requirement_id: int) -> None:
    require_protocol_admin(actor, protocol)
    requirement = protocol.training_requirements.filter(pk=requirement_id).first()
    if requirement is None:
        raise policy.NotFound()
    requirement.delete()
    _bump(
        actor,
        protocol,
        _("Training requirement removed: %(course)s") % {"course": requirement.course},
    )


# --- MOUs -------------------------------------------------------------------------------


@transaction.atomic
def draft_mou(
    *,
    actor: Actor,
    protocol: Protocol,
    title: str,
    body: str,
    expires_on: date,
    remind_days_before: int,
) -> Mou:
    """A new MOU formalising the protocol as it stands now (its latest version)."""
    require_protocol_admin(actor, protocol)
    if expires_on <= timezone.localdate():
        raise ProtocolRuleBroken(_("An MOU must expire after today."))
    mou = Mou.objects.create(
        protocol=protocol,
        protocol_version=protocol.versions.order_by("-number")[0],
        title=clean_text(title),
        body=clean_text(body),
        expires_on=expires_on,
        remind_days_before=remind_days_before,
        created_by=actor.user,
    )
    record(actor, AuditAction.MOU_CHANGED, obj=mou, detail={"status": mou.status})
    return mou


def _locked(mou: Mou) -> Mou:
    return Mou.objects.select_for_update().get(pk=mou.pk)


@transaction.atomic
def send_mou_for_signature(*, actor: Actor, mou: Mou) -> Mou:
    require_protocol_admin(actor, mou.protocol)
    mou = _locked(mou)
    if mou.status != MouStatus.DRAFT:
        raise ProtocolRuleBroken(_("Only a draft can be sent for signature."))
    mou.status = MouStatus.OUT_FOR_SIGNATURE
    mou.save(update_fields=["status"])
    record(actor, AuditAction.MOU_CHANGED, obj=mou, detail={"status": mou.status})
    return mou


@transaction.atomic
def record_signature(
    *,
    actor: Actor,
    mou: Mou,
    agency: Agency,
    signer_name: str,
    signer_title: str,
    signed_on: date,
) -> MouSignature:
    """One member agency signed: who, with what title, on which day (from the signed copy).
    Caller: a network admin of the protocol; an MOU out for signature or in force."""
    require_protocol_admin(actor, mou.protocol)
    mou = _locked(mou)
    if mou.status_on(timezone.localdate()) not in (MouStatus.OUT_FOR_SIGNATURE, MouStatus.IN_FORCE):
        raise ProtocolRuleBroken(
            _("Signatures are recorded on an MOU out for signature or in force.")
        )
    if not mou.protocol.members.filter(agency=agency).exists():
        raise ProtocolRuleBroken(_("Only a member agency signs the MOU. Add it as a member first."))
    if signed_on > timezone.localdate():
        raise ProtocolRuleBroken(_("The signing date cannot be in the future."))
    if mou.signatures.filter(agency=agency).exists():
        raise ProtocolRuleBroken(_("This agency has already signed this MOU."))
    signature = MouSignature.objects.create(
        mou=mou,
        agency=agency,
        signer_name=clean_text(signer_name),
        signer_title=clean_text(signer_title),
        signed_on=signed_on,
        recorded_by=actor.user,
    )
    record(actor, AuditAction.MOU_CHANGED, obj=mou, detail={"signed_by_agency": agency.pk})
    return signature


@transaction.atomic
def put_mou_in_force(*, actor: Actor, mou: Mou, effective_from: date) -> Mou:
    """The MOU takes effect; the one in force before it expires the day before. Members who
    have not signed it are shown as such wherever they are chosen."""
    require_protocol_admin(actor, mou.protocol)
    # The protocol's row first: two admins putting two MOUs in force at once would each miss
    # the other's (not yet committed) and leave both in force.
    Protocol.objects.select_for_update().filter(pk=mou.protocol_id).first()
    mou = _locked(mou)
    if mou.status != MouStatus.OUT_FOR_SIGNATURE:
        raise ProtocolRuleBroken(_("Send the MOU for signature before putting it in force."))
    if not mou.signatures.exists():
        raise ProtocolRuleBroken(_("No member has signed this MOU yet."))
    if effective_from >= mou.expires_on:
        raise ProtocolRuleBroken(_("The MOU must take effect before it expires."))
    if effective_from.year < 1900:
        raise ProtocolRuleBroken(_("Check the year: it is before 1900."))
    previous = list(
        Mou.objects.filter(protocol=mou.protocol, status=MouStatus.IN_FORCE).exclude(pk=mou.pk)
    )
    if any(p.effective_from and effective_from < p.effective_from for p in previous):
        raise ProtocolRuleBroken(
            _("The MOU in force now took effect after that day: choose a later day.")
        )
    # The one in force before ends the day before this one starts (or on its own expiry
    # date, when that comes first), so the record says when each agreement stopped.
    ends = effective_from - timedelta(days=1)
    Mou.objects.filter(pk__in=[p.pk for p in previous]).update(
        status=MouStatus.EXPIRED, expires_on=Least(F("expires_on"), Value(ends))
    )
    for ended in previous:
        ended.refresh_from_db(fields=["status", "expires_on"])
        record(
            actor,
            AuditAction.MOU_CHANGED,
            obj=ended,
            detail={"status": ended.status, "expires_on": ended.expires_on.isoformat()},
        )
    mou.status = MouStatus.IN_FORCE
    mou.effective_from = effective_from
    mou.save(update_fields=["status", "effective_from"])
    record(actor, AuditAction.MOU_CHANGED, obj=mou, detail={"status": mou.status})
    return mou


# --- conflicts --------------------------------------------------------------------------


def _require_member(actor: Actor, protocol: Protocol) -> None:
    policy.require(actor, policy.Permission.RAISE_CONFLICT)
    if not protocol.members.filter(agency_id=actor.agency_id).exists():
        raise policy.NotFound()


@transaction.atomic
def raise_conflict(
    *, actor: Actor, protocol: Protocol, with_agencies: list[Agency], summary: str, raised_on: date
) -> Conflict:
    """Log a disagreement between the actor's agency and other members. Caller: a member
    agency's supervisor, coordinator, agency admin or network admin."""
    _require_member(actor, protocol)
    member_ids = set(protocol.members.values_list("agency_id", flat=True))
    if not clean_text(summary):
        raise ProtocolRuleBroken(_("Say in a few words what the disagreement is about."))
    others = [a for a in with_agencies if a.pk != actor.agency_id]
    if not others or any(a.pk not in member_ids for a in others):
        raise ProtocolRuleBroken(_("Choose the other member agencies the disagreement is with."))
    if raised_on > timezone.localdate():
        raise ProtocolRuleBroken(_("The date cannot be in the future."))
    conflict = Conflict.objects.create(
        protocol=protocol,
        raised_by=actor.agency,
        summary=clean_text(summary),
        raised_on=raised_on,
        recorded_by=actor.user,
    )
    conflict.with_agencies.set(others)
    record(actor, AuditAction.CONFLICT_RECORDED, obj=conflict, detail={"status": "open"})
    return conflict


def require_party(actor: Actor, conflict: Conflict) -> None:
    """The agencies in the disagreement (their supervisors, coordinators and admins), or a
    member's network admin, record its steps and its outcome."""
    _require_member(actor, conflict.protocol)
    parties = {conflict.raised_by_id, *conflict.with_agencies.values_list("pk", flat=True)}
    if actor.agency_id not in parties and actor.role != Role.NETWORK_ADMIN:
        raise policy.Forbidden(
            _("Only the agencies in the disagreement, or a network admin, can record its steps.")
        )


def _require_party(actor: Actor, conflict: Conflict) -> None:
    require_party(actor, conflict)
    if conflict.status == ConflictStatus.RESOLVED:
        raise ProtocolRuleBroken(_("This disagreement is resolved."))


@transaction.atomic
def record_conflict_step(
    *, actor: Actor, conflict: Conflict, step: str, taken_on: date, note: str
) -> ConflictStep:
    """A step of the procedure taken (a call between supervisors, a meeting of directors)."""
    _require_party(actor, conflict)
    if clean_text(step) not in conflict.protocol.procedure_steps():
        raise ProtocolRuleBroken(_("Choose one of the steps of the protocol's procedure."))
    if taken_on < conflict.raised_on or taken_on > timezone.localdate():
        raise ProtocolRuleBroken(
            _("The step must be dated between the day it was raised and today.")
        )
    taken = ConflictStep.objects.create(
        conflict=conflict,
        step=clean_text(step),
        taken_on=taken_on,
        note=clean_text(note),
        recorded_by=actor.user,
    )
    record(actor, AuditAction.CONFLICT_RECORDED, obj=conflict, detail={"step": taken.pk})
    return taken


@transaction.atomic
def resolve_conflict(
    *, actor: Actor, conflict: Conflict, outcome: str, resolved_on: date
) -> Conflict:
    _require_party(actor, conflict)
    if not clean_text(outcome):
        raise ProtocolRuleBroken(_("Say what the members agreed."))
    if resolved_on < conflict.raised_on or resolved_on > timezone.localdate():
        raise ProtocolRuleBroken(_("The date must be between the day it was raised and today."))
    conflict.status = ConflictStatus.RESOLVED
    conflict.outcome = clean_text(outcome)
    conflict.resolved_on = resolved_on
    conflict.save(update_fields=["status", "outcome", "resolved_on"])
    record(actor, AuditAction.CONFLICT_RECORDED, obj=conflict, detail={"status": "resolved"})
    return conflict
