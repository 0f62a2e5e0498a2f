"""/protocols: the community protocol the token's agency is a member of, its versions,
members, holidays, training, MOUs and conflict log.

Thin: validate (schemas), call protocols.actions / protocols.queries, shape the answer. The
same rules as the pages: any member's staff read the protocol and its MOUs; a member's
network admin changes them; the conflict log is for supervisors, coordinators and admins.
A protocol the token's agency is not a member of does not exist for it (404). A stale
`version` on PUT is 409; a change that breaks a rule of the protocol is 422 with a message.
Registered in continuum/api/api.py.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, StrictInt

from continuum.access.actor import Actor
from continuum.access.categories import CATEGORY_LABELS, DataCategory
from continuum.accounts.models import TIME_ZONES, AgencyType, Role
from continuum.api.errors import InvalidInput
from continuum.api.schemas import (
    READ_ERRORS,
    WRITE_ERRORS,
    AgencyOut,
    CategoryName,
    Clean,
    Day,
    Id,
    InputSchema,
    PastOrTodayDate,
    PersonOut,
    Version,
    limit,
)
from continuum.api.tokens import request_actor
from continuum.cases.models import CareTeamRole
from continuum.protocols import actions, queries
from continuum.protocols.actions import ProtocolDetails
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
    TrainingRequirement,
)

router = Router(tags=["protocols"])

TimeZone = StrEnum("TimeZone", {value.replace("/", "_"): value for value, _l in TIME_ZONES})  # type: ignore[misc]

Hours = Annotated[StrictInt, Field(ge=1, le=720)]
Days = Annotated[StrictInt, Field(ge=1, le=365)]
Step = Annotated[str, limit(ConflictStep, "step", min_length=1), Clean]


# --- input ----------------------------------------------------------------------------------


class ProtocolIn(InputSchema):
    """The protocol's settings. Only the fields sent change (null: unchanged, except
    `effective_until`, where null means no end date); `version` is required."""

    version: Version
    name: Annotated[str, limit(Protocol, "name", min_length=1), Clean] | None = None
    mission: Annotated[str, limit(Protocol, "mission"), Clean] | None = None
    time_zone: TimeZone | None = None
    effective_from: Day | None = None
    effective_until: Day | None = None
    screening_start_hours: Hours | None = None
    mdt_staffing_days: Days | None = Field(
        None, description="Days from the abuse report's intake; changing it moves open deadlines."
    )
    mdt_business_days: StrictBool | None = None
    mdt_at_risk_days: Annotated[StrictInt, Field(ge=0, le=364)] | None = None
    plan_review_days: Days | None = None
    referral_response_business_days: Annotated[StrictInt, Field(ge=1, le=60)] | None = None
    required_mdt_roles: (
        Annotated[list[CareTeamRole], Field(max_length=len(CareTeamRole))] | None
    ) = None
    sharing_rules: dict[AgencyType, list[CategoryName]] | None = Field(
        None,
        description="Per kind of member agency, the kinds of data it may receive WITH a "
        "release signed by the survivor. A ceiling, never a permission: the MOU is not a "
        "release.",
    )
    conflict_procedure: Annotated[list[Step], Field(max_length=20)] | None = Field(
        None, description="The steps members take to resolve a disagreement, in order."
    )


class MemberIn(InputSchema):
    """Add an agency to the protocol, or change what a member does (same agency_id)."""

    agency_id: Id
    responsibilities: Annotated[str, limit(ProtocolMember, "responsibilities"), Clean] = ""
    mdt_roles: Annotated[list[CareTeamRole], Field(max_length=len(CareTeamRole))] = []
    services: Annotated[str, limit(ProtocolMember, "services"), Clean] = ""


class HolidayIn(InputSchema):
    day: Day
    name: Annotated[str, limit(Holiday, "name", min_length=1), Clean]


class TrainingIn(InputSchema):
    role: Role
    course: Annotated[str, limit(TrainingRequirement, "course", min_length=1), Clean]
    hours: Annotated[StrictInt, Field(ge=0, le=500)] = 0
    renew_every_months: Annotated[StrictInt, Field(ge=1, le=120)] | None = None
    before_contact: StrictBool = False


class MouIn(InputSchema):
    title: Annotated[str, limit(Mou, "title", min_length=1), Clean]
    body: Annotated[str, limit(Mou, "body"), Clean] = ""
    expires_on: Day
    remind_days_before: Annotated[StrictInt, Field(ge=0, le=365)] = 60


class SignatureIn(InputSchema):
    agency_id: Id
    signer_name: Annotated[str, limit(MouSignature, "signer_name", min_length=1), Clean]
    signer_title: Annotated[str, limit(MouSignature, "signer_title", min_length=1), Clean]
    signed_on: PastOrTodayDate


class InForceIn(InputSchema):
    effective_from: Day


class ConflictIn(InputSchema):
    with_agency_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    summary: Annotated[str, limit(Conflict, "summary", min_length=1), Clean] = Field(
        description="About how the agencies work together. Never a survivor's name or details."
    )
    raised_on: PastOrTodayDate = Field(default_factory=date.today)


class StepIn(InputSchema):
    step: Step = Field(description="One of the protocol's conflict_procedure steps.")
    taken_on: PastOrTodayDate
    note: Annotated[str, limit(ConflictStep, "note"), Clean] = ""


class ResolveIn(InputSchema):
    outcome: Annotated[str, limit(Conflict, "outcome", min_length=1), Clean]
    resolved_on: PastOrTodayDate


# --- output ---------------------------------------------------------------------------------


class TimelinesOut(Schema):
    screening_start_hours: int
    mdt_staffing_days: int
    mdt_business_days: bool
    mdt_at_risk_days: int
    plan_review_days: int
    referral_response_business_days: int


class MemberOut(Schema):
    agency: AgencyOut
    agency_type: str
    responsibilities: str
    mdt_roles: list[str]
    services: str
    joined_on: date
    signed_mou_in_force: bool | None = Field(description="null while no MOU is in force.")


class HolidayOut(Schema):
    id: int
    day: date
    name: str


class TrainingOut(Schema):
    id: int
    role: str
    course: str
    hours: int
    renew_every_months: int | None
    before_contact: bool


class SharingRuleOut(Schema):
    agency_type: str
    categories: list[str]
    category_labels: list[str]


class SignatureOut(Schema):
    agency: AgencyOut
    signer_name: str
    signer_title: str
    signed_on: date


class MouOut(Schema):
    id: int
    title: str
    body: str
    status: MouStatus = Field(description="As of today: past expires_on an MOU is expired.")
    protocol_version: int
    effective_from: date | None
    expires_on: date
    remind_days_before: int
    renewal_due: bool
    signatures: list[SignatureOut]
    not_signed: list[AgencyOut] = Field(description="Member agencies that have not signed it.")


class ProtocolOut(Schema):
    id: int
    name: str
    mission: str
    time_zone: str
    effective_from: date
    effective_until: date | None
    version: int
    timelines: TimelinesOut
    required_mdt_roles: list[str]
    members: list[MemberOut]
    holidays: list[HolidayOut]
    training_requirements: list[TrainingOut]
    sharing_rules: list[SharingRuleOut]
    sharing_note: str
    conflict_procedure: list[str]
    mou_in_force: MouOut | None
    updated_at: datetime
    updated_by: PersonOut


class ProtocolChangeOut(Schema):
    protocol: ProtocolOut
    clocks_moved: int = Field(description="Open MDT deadlines whose due date moved.")


class VersionOut(Schema):
    number: int
    change_summary: str
    changed_by: PersonOut
    changed_at: datetime
    snapshot: dict[str, Any]


class StepOut(Schema):
    step: str
    taken_on: date
    note: str


class ConflictOut(Schema):
    id: int
    raised_by: AgencyOut
    with_agencies: list[AgencyOut]
    summary: str
    raised_on: date
    status: ConflictStatus
    outcome: str
    resolved_on: date | None
    steps: list[StepOut]


SHARING_NOTE = (
    "A release signed by the survivor is still required for every one of these; the MOU is "
    "not a release."
)


def _agency(agency: Any) -> dict[str, Any]:
    return {"id": agency.pk, "name": agency.name, "short_name": agency.short_name}


def _mou_out(protocol: Protocol, mou: Mou) -> dict[str, Any]:
    signatures = list(mou.signatures.all())
    signed = {s.agency_id for s in signatures}
    return {
        "id": mou.pk,
        "title": mou.title,
        "body": mou.body,
        "status": mou.status_on(queries.community_today()),
        "protocol_version": mou.protocol_version.number,
        "effective_from": mou.effective_from,
        "expires_on": mou.expires_on,
        "remind_days_before": mou.remind_days_before,
        "renewal_due": queries.renewal_due(mou),
        "signatures": [
            {
                "agency": _agency(s.agency),
                "signer_name": s.signer_name,
                "signer_title": s.signer_title,
                "signed_on": s.signed_on,
            }
            for s in signatures
        ],
        "not_signed": [_agency(a) for a in queries.member_agencies(protocol) if a.pk not in signed],
    }


def _protocol_out(protocol: Protocol) -> dict[str, Any]:
    protocol.refresh_from_db()
    current = queries.mou_in_force(protocol)
    return {
        "id": protocol.pk,
        "name": protocol.name,
        "mission": protocol.mission,
        "time_zone": protocol.time_zone,
        "effective_from": protocol.effective_from,
        "effective_until": protocol.effective_until,
        "version": protocol.version,
        "timelines": {name: getattr(protocol, name) for name in TIMELINES},
        "required_mdt_roles": protocol.required_mdt_roles,
        "members": [
            {
                "agency": _agency(row.agency),
                "agency_type": row.agency.agency_type,
                "responsibilities": row.member.responsibilities,
                "mdt_roles": row.member.mdt_roles,
                "services": row.member.services,
                "joined_on": row.member.joined_on,
                "signed_mou_in_force": row.signed_mou_in_force,
            }
            for row in queries.members_of(protocol)
        ],
        "holidays": list(protocol.holidays.all()),
        "training_requirements": list(protocol.training_requirements.all()),
        "sharing_rules": [
            {
                "agency_type": agency_type,
                "categories": categories,
                "category_labels": [
                    str(CATEGORY_LABELS[DataCategory(c)]) for c in categories if c in DataCategory
                ],
            }
            for agency_type, categories in sorted(protocol.sharing_rules.items())
        ],
        "sharing_note": SHARING_NOTE,
        "conflict_procedure": protocol.procedure_steps(),
        "mou_in_force": _mou_out(protocol, current) if current else None,
        "updated_at": protocol.updated_at,
        "updated_by": protocol.updated_by,
    }


def _conflict_out(conflict: Conflict) -> dict[str, Any]:
    return {
        "id": conflict.pk,
        "raised_by": _agency(conflict.raised_by),
        "with_agencies": [_agency(a) for a in conflict.with_agencies.all()],
        "summary": conflict.summary,
        "raised_on": conflict.raised_on,
        "status": conflict.status,
        "outcome": conflict.outcome,
        "resolved_on": conflict.resolved_on,
        "steps": [
            {"step": s.step, "taken_on": s.taken_on, "note": s.note} for s in conflict.steps.all()
        ],
    }


def _agency_named(agency_id: int) -> Any:
    agency = queries.agency_by_id(agency_id)
    if agency is None:
        raise InvalidInput(_("There is no agency with that id."))
    return agency


def _protocol(request: HttpRequest, protocol_id: int) -> tuple[Actor, Protocol]:
    actor = request_actor(request)
    return actor, queries.protocol_for(actor, protocol_id)


# --- the protocol ---------------------------------------------------------------------------


@router.get("/current", response={200: ProtocolOut, **READ_ERRORS}, summary="My protocol")
def current(request: HttpRequest) -> dict[str, Any]:
    """The community protocol your agency is a member of: its timelines, required MDT roles,
    members (with MOU signature state), holidays, training requirements, sharing rules and
    version. 404 when your agency is in none. Any member's staff."""
    actor = request_actor(request)
    return _protocol_out(queries.protocol_of(actor))


@router.put(
    "/{protocol_id}",
    response={200: ProtocolChangeOut, **WRITE_ERRORS},
    summary="Change the protocol's settings",
)
def change(request: HttpRequest, protocol_id: int, payload: ProtocolIn) -> dict[str, Any]:
    """Change the settings; fields left out stay as they are. `version`: the protocol's
    version you last read (409 when someone saved since). Every change writes a new version;
    a change to the staffing rules recomputes open MDT deadlines (`clocks_moved`). A member's
    network admin."""
    actor, protocol = _protocol(request, protocol_id)
    actions.require_protocol_admin(actor, protocol)
    value = payload.model_dump()

    def pick(name: str, current: Any) -> Any:
        if name == "effective_until":
            return value[name] if name in payload.model_fields_set else current
        return current if value[name] is None else value[name]

    sharing = (
        protocol.sharing_rules
        if payload.sharing_rules is None
        else {str(k): [str(c) for c in v] for k, v in payload.sharing_rules.items()}
    )
    roles = pick("required_mdt_roles", protocol.required_mdt_roles)
    details = ProtocolDetails(
        name=pick("name", protocol.name),
        mission=pick("mission", protocol.mission),
        time_zone=str(pick("time_zone", protocol.time_zone)),
        effective_from=pick("effective_from", protocol.effective_from),
        effective_until=pick("effective_until", protocol.effective_until),
        screening_start_hours=pick("screening_start_hours", protocol.screening_start_hours),
        mdt_staffing_days=pick("mdt_staffing_days", protocol.mdt_staffing_days),
        mdt_business_days=pick("mdt_business_days", protocol.mdt_business_days),
        mdt_at_risk_days=pick("mdt_at_risk_days", protocol.mdt_at_risk_days),
        plan_review_days=pick("plan_review_days", protocol.plan_review_days),
        referral_response_business_days=pick(
            "referral_response_business_days", protocol.referral_response_business_days
        ),
        required_mdt_roles=[str(r) for r in roles],
        sharing_rules=sharing,
        conflict_procedure=protocol.conflict_procedure
        if payload.conflict_procedure is None
        else "\n".join(payload.conflict_procedure),
    )
    result = actions.change_protocol(
        actor=actor, protocol=protocol, details=details, expected_version=payload.version
    )
    return {"protocol": _protocol_out(protocol), "clocks_moved": result.clocks_moved}


@router.get(
    "/{protocol_id}/versions",
    response={200: list[VersionOut], **READ_ERRORS},
    summary="The protocol's versions",
)
def versions(request: HttpRequest, protocol_id: int) -> list[Any]:
    """Every saved version, newest first: what changed, who, when, and the snapshot of
    everything the protocol said then. Any member's staff."""
    _actor, protocol = _protocol(request, protocol_id)
    return list(queries.versions_of(protocol))


# --- members, holidays, training ------------------------------------------------------------


@router.post(
    "/{protocol_id}/members",
    response={201: ProtocolOut, **WRITE_ERRORS},
    summary="Add or change a member agency",
)
def set_member(request: HttpRequest, protocol_id: int, payload: MemberIn) -> Status[Any]:
    """Add an agency (not in another community's protocol) or change what a member does.
    Adding one recomputes the MDT deadlines of its open cases. A member's network admin."""
    actor, protocol = _protocol(request, protocol_id)
    actions.require_protocol_admin(actor, protocol)
    actions.set_member(
        actor=actor,
        protocol=protocol,
        agency=_agency_named(payload.agency_id),
        responsibilities=payload.responsibilities,
        mdt_roles=[str(r) for r in payload.mdt_roles],
        services=payload.services,
    )
    return Status(201, _protocol_out(protocol))


@router.delete(
    "/{protocol_id}/members/{agency_id}",
    response={200: ProtocolOut, **WRITE_ERRORS},
    summary="Remove a member agency",
)
def remove_member(request: HttpRequest, protocol_id: int, agency_id: int) -> dict[str, Any]:
    """Take an agency out of the protocol (not your own). Its open cases go back to the
    default MDT deadline. A member's network admin."""
    actor, protocol = _protocol(request, protocol_id)
    actions.require_protocol_admin(actor, protocol)
    member = queries.member_of(protocol, agency_id)
    actions.remove_member(actor=actor, protocol=protocol, agency=member.agency)
    return _protocol_out(protocol)


@router.post(
    "/{protocol_id}/holidays",
    response={201: ProtocolOut, **WRITE_ERRORS},
    summary="Add a holiday",
)
def add_holiday(request: HttpRequest, protocol_id: int, payload: HolidayIn) -> Status[Any]:
    """A day that business-day deadlines skip; open MDT deadlines are recomputed."""
    actor, protocol = _protocol(request, protocol_id)
    actions.add_holiday(actor=actor, protocol=protocol, day=payload.day, name=payload.name)
    return Status(201, _protocol_out(protocol))


@router.delete(
    "/{protocol_id}/holidays/{holiday_id}",
    response={200: ProtocolOut, **WRITE_ERRORS},
    summary="Remove a holiday",
)
def remove_holiday(request: HttpRequest, protocol_id: int, holiday_id: int) -> dict[str, Any]:
    actor, protocol = _protocol(request, protocol_id)
    actions.remove_holiday(actor=actor, protocol=protocol, holiday_id=holiday_id)
    return _protocol_out(protocol)


@router.post(
    "/{protocol_id}/training",
    response={201: ProtocolOut, **WRITE_ERRORS},
    summary="Add a training requirement",
)
def add_training(request: HttpRequest, protocol_id: int, payload: TrainingIn) -> Status[Any]:
    """Training a role must hold in this community."""
    actor, protocol = _protocol(request, protocol_id)
    actions.add_training_requirement(
        actor=actor,
        protocol=protocol,
        role=str(payload.role),
        course=payload.course,
        hours=payload.hours,
        renew_every_months=payload.renew_every_months,
        before_contact=payload.before_contact,
    )
    return Status(201, _protocol_out(protocol))


@router.delete(
    "/{protocol_id}/training/{requirement_id}",
    response={200: ProtocolOut, **WRITE_ERRORS},
    summary="Remove a training requirement",
)
def remove_training(request: HttpRequest, protocol_id: int, requirement_id: int) -> dict[str, Any]:
    actor, protocol = _protocol(request, protocol_id)
    actions.remove_training_requirement(
        actor=actor, protocol=protocol, requirement_id=requirement_id
    )
    return _protocol_out(protocol)


# --- MOUs -----------------------------------------------------------------------------------


@router.get("/{protocol_id}/mous", response={200: list[MouOut], **READ_ERRORS}, summary="MOUs")
def list_mous(request: HttpRequest, protocol_id: int) -> list[dict[str, Any]]:
    """Every MOU, latest expiry first, with its status as of today, its signatures, which
    members have not signed it, and whether it is time to renew it. Any member's staff."""
    _actor, protocol = _protocol(request, protocol_id)
    return [_mou_out(protocol, m) for m in queries.mous_of(protocol)]


def _mou(protocol: Protocol, mou_id: int) -> Mou:
    return queries.mou_for(protocol, mou_id)


def _fresh_mou(protocol: Protocol, mou_id: int) -> dict[str, Any]:
    return _mou_out(protocol, queries.mou_for(protocol, mou_id))


@router.post("/{protocol_id}/mous", response={201: MouOut, **WRITE_ERRORS}, summary="Draft an MOU")
def draft_mou(request: HttpRequest, protocol_id: int, payload: MouIn) -> Status[Any]:
    """A draft formalising the protocol's latest version. A member's network admin."""
    actor, protocol = _protocol(request, protocol_id)
    drafted = actions.draft_mou(
        actor=actor,
        protocol=protocol,
        title=payload.title,
        body=payload.body,
        expires_on=payload.expires_on,
        remind_days_before=payload.remind_days_before,
    )
    return Status(201, _fresh_mou(protocol, drafted.pk))


@router.post(
    "/{protocol_id}/mous/{mou_id}/send",
    response={200: MouOut, **WRITE_ERRORS},
    summary="Send an MOU for signature",
)
def send_mou(request: HttpRequest, protocol_id: int, mou_id: int) -> dict[str, Any]:
    actor, protocol = _protocol(request, protocol_id)
    actions.send_mou_for_signature(actor=actor, mou=_mou(protocol, mou_id))
    return _fresh_mou(protocol, mou_id)


@router.post(
    "/{protocol_id}/mous/{mou_id}/signatures",
    response={201: MouOut, **WRITE_ERRORS},
    summary="Record a signature",
)
def record_signature(
    request: HttpRequest, protocol_id: int, mou_id: int, payload: SignatureIn
) -> Status[Any]:
    """A member agency signed (from the signed copy): who, their title, the day. Only a
    member signs, once; the MOU must be out for signature or in force."""
    actor, protocol = _protocol(request, protocol_id)
    actions.record_signature(
        actor=actor,
        mou=_mou(protocol, mou_id),
        agency=_agency_named(payload.agency_id),
        signer_name=payload.signer_name,
        signer_title=payload.signer_title,
        signed_on=payload.signed_on,
    )
    return Status(201, _fresh_mou(protocol, mou_id))


@router.post(
    "/{protocol_id}/mous/{mou_id}/in-force",
    response={200: MouOut, **WRITE_ERRORS},
    summary="Put an MOU in force",
)
def put_in_force(
    request: HttpRequest, protocol_id: int, mou_id: int, payload: InForceIn
) -> dict[str, Any]:
    """The MOU takes effect (it needs at least one signature); the one in force before ends
    the day before."""
    actor, protocol = _protocol(request, protocol_id)
    actions.put_mou_in_force(
        actor=actor, mou=_mou(protocol, mou_id), effective_from=payload.effective_from
    )
    return _fresh_mou(protocol, mou_id)


# --- conflicts ------------------------------------------------------------------------------


@router.get(
    "/{protocol_id}/conflicts",
    response={200: list[ConflictOut], **READ_ERRORS},
    summary="The conflict log",
)
def list_conflicts(request: HttpRequest, protocol_id: int) -> list[dict[str, Any]]:
    """Disagreements between members, open first. Members' supervisors, MDT coordinators,
    agency admins and network admins."""
    actor, protocol = _protocol(request, protocol_id)
    queries.require_conflict_reader(actor)
    return [_conflict_out(c) for c in queries.conflicts_of(protocol)]


@router.post(
    "/{protocol_id}/conflicts",
    response={201: ConflictOut, **WRITE_ERRORS},
    summary="Raise a disagreement",
)
def raise_conflict(request: HttpRequest, protocol_id: int, payload: ConflictIn) -> Status[Any]:
    """Log a disagreement between your agency and other members. Never a survivor's name or
    details in the summary."""
    actor, protocol = _protocol(request, protocol_id)
    queries.require_conflict_reader(actor)
    members = {a.pk: a for a in queries.member_agencies(protocol)}
    if any(pk not in members for pk in payload.with_agency_ids):
        raise actions.ProtocolRuleBroken(
            _("Choose the other member agencies the disagreement is with.")
        )
    raised = actions.raise_conflict(
        actor=actor,
        protocol=protocol,
        with_agencies=[members[pk] for pk in payload.with_agency_ids],
        summary=payload.summary,
        raised_on=payload.raised_on,
    )
    return Status(201, _conflict_out(queries.conflict_for(protocol, raised.pk)))


@router.post(
    "/{protocol_id}/conflicts/{conflict_id}/steps",
    response={201: ConflictOut, **WRITE_ERRORS},
    summary="Record a step taken",
)
def record_step(
    request: HttpRequest, protocol_id: int, conflict_id: int, payload: StepIn
) -> Status[Any]:
    """A step of the protocol's procedure taken. The agencies in the disagreement, or a
    network admin."""
    actor, protocol = _protocol(request, protocol_id)
    queries.require_conflict_reader(actor)
    found = queries.conflict_for(protocol, conflict_id)
    actions.record_conflict_step(
        actor=actor, conflict=found, step=payload.step, taken_on=payload.taken_on, note=payload.note
    )
    return Status(201, _conflict_out(queries.conflict_for(protocol, conflict_id)))


@router.post(
    "/{protocol_id}/conflicts/{conflict_id}/resolve",
    response={200: ConflictOut, **WRITE_ERRORS},
    summary="Resolve a disagreement",
)
def resolve(
    request: HttpRequest, protocol_id: int, conflict_id: int, payload: ResolveIn
) -> dict[str, Any]:
    actor, protocol = _protocol(request, protocol_id)
    queries.require_conflict_reader(actor)
    found = queries.conflict_for(protocol, conflict_id)
    actions.resolve_conflict(
        actor=actor, conflict=found, outcome=payload.outcome, resolved_on=payload.resolved_on
    )
    return _conflict_out(queries.conflict_for(protocol, conflict_id))
