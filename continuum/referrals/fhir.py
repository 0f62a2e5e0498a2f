"""A referral as FHIR R4, for partners that speak FHIR (issue #7): a Bundle of type
"collection" holding a ServiceRequest (what is asked for) and a Task (the request to
fulfil it, and where it stands), after the SDOH Clinical Care referral pattern:

- Task.focus → the ServiceRequest; Task.intent "order"; Task.code "fulfill"; Task.status is
  our status (our states are the FHIR Task states); Task.statusReason carries the reason;
  Task.businessStatus our words for the state; Task.output the outcome ("got help" or
  not); requester and owner are the sending and receiving agencies, as Organization
  references by name.
- ServiceRequest.code: the service, coded with its Open Eligibility terms (those that meet
  the need's domain first); ServiceRequest.reasonCode: the need's domain. Both only for a
  reader the need's domain is shown to (its own kind of data released: queries._need).
- The person goes only as far as this reader may see them (queries.build_body, the same
  rule as the referral page): a contained Patient with what identity is released, contact
  details only if released and the survivor agreed to be contacted, otherwise a reference
  that says "not shared". A capacity inquiry carries no person at all.

The IG's profile is not claimed (meta.profile): it requires a Patient reference we often
may not give. Exporting is audited with the categories carried, never their content.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.directory.need_terms import NEED_DOMAIN_TERMS
from continuum.directory.queries import terms_of
from continuum.needs.models import NeedDomain
from continuum.referrals import queries, states
from continuum.referrals.actions import side_of
from continuum.referrals.models import Referral, ReferralOutcome, ReferralReason, ReferralStatus
from continuum.referrals.queries import Body

# Code systems. FHIR's own where one exists; Open Eligibility's site for its terms; a URN of
# ours for codes only Continuum defines (the need domains, reasons and outcomes).
OPEN_ELIGIBILITY = "https://openeligibility.org"
TASK_CODE = "http://hl7.org/fhir/CodeSystem/task-code"
PRONOUNS = "http://hl7.org/fhir/StructureDefinition/individual-pronouns"
INTERPRETER_REQUIRED = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
OURS = "urn:continuum:fhir:codesystem:"
NEED_DOMAIN_SYSTEM = OURS + "need-domain"
REASON_SYSTEM = OURS + "referral-reason"
OUTCOME_SYSTEM = OURS + "referral-outcome"
STATUS_SYSTEM = OURS + "referral-status"
REFERRAL_ID_SYSTEM = "urn:continuum:referral"

PATIENT_ID = "patient"
# ServiceRequest.status (FHIR request-status) for each of our (Task) states: the request
# stays active while the provider has it; a loop closed without the service revokes it.
REQUEST_STATUS = {
    ReferralStatus.DRAFT: "draft",
    ReferralStatus.REQUESTED: "active",
    ReferralStatus.ACCEPTED: "active",
    ReferralStatus.IN_PROGRESS: "active",
    ReferralStatus.ON_HOLD: "active",
    ReferralStatus.COMPLETED: "completed",
    ReferralStatus.REJECTED: "revoked",
    ReferralStatus.FAILED: "revoked",
    ReferralStatus.CANCELLED: "revoked",
    ReferralStatus.ENTERED_IN_ERROR: "entered-in-error",
}


def export_referral(actor: Actor, referral: Referral) -> dict[str, Any]:
    """The Bundle for this reader (who may see the referral: queries.referral_for), audited
    as REFERRAL_EXPORTED with the categories it carried."""
    body = queries.build_body(actor, referral)
    record(
        actor,
        AuditAction.REFERRAL_EXPORTED,
        survivor_id=None if referral.is_inquiry else referral.case.survivor_id,
        case_id=referral.case_id,
        obj=referral,
        detail={
            "categories": body.shown,
            "format": "fhir-r4",
            "side": str(side_of(actor, referral) or ""),
        },
    )
    return bundle_for(referral, body)


def service_request_id(referral: Referral) -> uuid.UUID:
    """The ServiceRequest's id: derived from the referral's, the same at every export."""
    return uuid.uuid5(referral.pk, "ServiceRequest")


def bundle_for(referral: Referral, body: Body) -> dict[str, Any]:
    request_id = service_request_id(referral)
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": _instant(timezone.now()),
        "entry": [
            {"fullUrl": f"urn:uuid:{request_id}", "resource": service_request(referral, body)},
            {"fullUrl": f"urn:uuid:{referral.pk}", "resource": task(referral, body)},
        ],
    }


# --- the ServiceRequest ---------------------------------------------------------------------


def service_request(referral: Referral, body: Body) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": str(service_request_id(referral)),
        "identifier": [{"system": REFERRAL_ID_SYSTEM, "value": str(referral.pk)}],
        "status": REQUEST_STATUS[ReferralStatus(referral.status)],
        # An inquiry only asks whether they could: a proposal, not an order.
        "intent": "proposal" if referral.is_inquiry else "order",
        "priority": "urgent" if referral.urgent else "routine",
        "code": _service_code(referral, body),
        "subject": _subject(referral, body),
        "authoredOn": _instant(referral.created_at),
        "requester": _organization(referral.from_agency.name),
        "performer": [_organization(referral.to_agency.name)],
    }
    # Why it was asked for names the need, which is itself protected (a substance-use
    # referral): only for a reader the body names the need's domain to (its kind of data,
    # not only "needs", is released to them: queries._need).
    reason = _need_domain(referral)
    if reason and _domain_shown(body):
        resource["reasonCode"] = [reason]
    if body.identity is not None:
        resource["contained"] = [_patient(body)]
    notes = _notes(referral, body)
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def _domain_shown(body: Body) -> bool:
    return body.need is not None and bool(body.need.get("domain"))


def _service_code(referral: Referral, body: Body) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": referral.service_name}
    if referral.service_id is None:
        return concept
    terms = terms_of([referral.service_id]).get(referral.service_id, [])
    # Putting the terms that meet the need first would say which need it is: only for a
    # reader the need's domain is shown to.
    shown = _domain_shown(body)
    meeting = set(NEED_DOMAIN_TERMS.get(referral.domain_code, ())) if shown else set()
    ordered = sorted(terms, key=lambda t: (t.code not in meeting, t.code))
    codings = [
        {"system": OPEN_ELIGIBILITY, "code": t.code, "display": t.name} for t in ordered if t.code
    ]
    if codings:
        concept["coding"] = codings
    return concept


def _need_domain(referral: Referral) -> dict[str, Any] | None:
    if not referral.domain_code:
        return None
    name = (
        NeedDomain.objects.filter(code=referral.domain_code).values_list("name", flat=True).first()
    ) or referral.domain_code
    return {
        "coding": [{"system": NEED_DOMAIN_SYSTEM, "code": referral.domain_code, "display": name}],
        "text": name,
    }


def _subject(referral: Referral, body: Body) -> dict[str, Any]:
    if referral.is_inquiry:
        return {"type": "Patient", "display": _("Not identified (a capacity inquiry)")}
    if body.identity is None:
        return {"type": "Patient", "display": _("Not shared (no release of who they are)")}
    return {"reference": f"#{PATIENT_ID}", "type": "Patient"}


def _patient(body: Body) -> dict[str, Any]:
    """Only what identity and contact (if carried) the reader may see."""
    identity = body.identity or {}
    patient: dict[str, Any] = {"resourceType": "Patient", "id": PATIENT_ID}
    extensions: list[dict[str, Any]] = []
    if identity.get("pronouns"):
        extensions.append(
            {
                "url": PRONOUNS,
                "extension": [
                    {"url": "value", "valueCodeableConcept": {"text": identity["pronouns"]}}
                ],
            }
        )
    if identity.get("interpreter_needed"):
        extensions.append({"url": INTERPRETER_REQUIRED, "valueBoolean": True})
    if extensions:
        patient["extension"] = extensions
    if identity.get("name"):
        patient["name"] = [{"use": "usual", "text": identity["name"]}]
    if identity.get("date_of_birth"):
        patient["birthDate"] = identity["date_of_birth"]
    if identity.get("language"):
        patient["communication"] = [{"language": {"text": identity["language"]}, "preferred": True}]
    contact = body.contact or {}
    if contact.get("safe_phone"):
        patient["telecom"] = [{"system": "phone", "value": contact["safe_phone"]}]
    return patient


def _yes_no(value: bool | None) -> str:
    if value is None:
        return _("not asked")
    return _("yes") if value else _("no")


def _notes(referral: Referral, body: Body) -> list[str]:
    notes = []
    if referral.is_inquiry:
        notes.append(body.inquiry_text)
        return notes
    if body.do_not_reach_out:
        notes.append(
            _("Do not contact the young person directly; contact the case manager at %(agency)s.")
            % {"agency": referral.from_agency.name}
        )
    if body.contact is not None:
        contact = body.contact
        words = _(
            "How to reach them safely: call %(call)s; text %(text)s; leave a message %(msg)s."
        ) % {
            "call": _yes_no(contact["safe_to_call"]),
            "text": _yes_no(contact["safe_to_text"]),
            "msg": _yes_no(contact["safe_to_leave_message"]),
        }
        if contact.get("safe_times"):
            words += " " + _("Safe times: %(times)s.") % {"times": contact["safe_times"]}
        notes.append(words)
    if body.identity is not None and body.identity.get("age") is not None:
        notes.append(_("Age: %(age)s.") % {"age": body.identity["age"]})
    need = body.need
    if need is not None:
        if need.get("urgency"):
            notes.append(_("Urgency: %(urgency)s.") % {"urgency": need["urgency"]})
        if need.get("description"):
            notes.append(_("What is needed: %(what)s") % {"what": need["description"]})
        if need.get("note"):
            notes.append(_("From the case manager: %(note)s") % {"note": need["note"]})
    return notes


# --- the Task -------------------------------------------------------------------------------


def task(referral: Referral, body: Body) -> dict[str, Any]:
    status = ReferralStatus(referral.status)
    resource: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(referral.pk),
        "identifier": [{"system": REFERRAL_ID_SYSTEM, "value": str(referral.pk)}],
        "status": str(status),
        "businessStatus": {
            "coding": [
                {"system": STATUS_SYSTEM, "code": str(status), "display": str(status.label)}
            ],
            "text": str(status.label),
        },
        "intent": "order",
        "priority": "urgent" if referral.urgent else "routine",
        "code": {
            "coding": [
                {"system": TASK_CODE, "code": "fulfill", "display": "Fulfill the focal request"}
            ]
        },
        "focus": {
            "reference": f"urn:uuid:{service_request_id(referral)}",
            "type": "ServiceRequest",
        },
        "for": _for(referral, body),
        "authoredOn": _instant(referral.created_at),
        "lastModified": _instant(_last_change(referral)),
        "requester": _organization(referral.from_agency.name),
        "owner": _organization(referral.to_agency.name),
    }
    if referral.is_inquiry:
        resource["description"] = body.inquiry_text
    if referral.reason:
        reason = ReferralReason(referral.reason)
        resource["statusReason"] = {
            "coding": [
                {"system": REASON_SYSTEM, "code": reason.value, "display": str(reason.label)}
            ],
            "text": str(reason.label),
        }
    period = {}
    if referral.requested_at:
        period["start"] = _instant(referral.requested_at)
    if referral.closed_at and status in states.CLOSED:
        period["end"] = _instant(referral.closed_at)
    if period:
        resource["executionPeriod"] = period
    if referral.response_due_on and status == ReferralStatus.REQUESTED:
        due = referral.response_due_on.isoformat()
        resource["note"] = [{"text": _("Answer due by %(day)s.") % {"day": due}}]
    if referral.outcome:
        outcome = ReferralOutcome(referral.outcome)
        resource["output"] = [
            {
                "type": {"text": _("Outcome")},
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": OUTCOME_SYSTEM,
                            "code": outcome.value,
                            "display": str(outcome.label),
                        }
                    ],
                    "text": str(outcome.label),
                },
            }
        ]
    return resource


def _for(referral: Referral, body: Body) -> dict[str, Any]:
    # The Patient is contained in the ServiceRequest; the Task names them by what the reader
    # may know (a contained resource cannot be referenced from another resource).
    if referral.is_inquiry or body.identity is None:
        return _subject(referral, body)
    return {"type": "Patient", "display": body.identity.get("name") or _("The young person")}


def _last_change(referral: Referral) -> Any:
    moments = [
        m
        for m in (
            referral.created_at,
            referral.requested_at,
            referral.answered_at,
            referral.started_at,
            referral.closed_at,
            referral.outcome_at,
        )
        if m is not None
    ]
    return max(moments)


def _organization(name: str) -> dict[str, Any]:
    return {"type": "Organization", "display": name}


def _instant(moment: Any) -> str:
    return moment.isoformat(timespec="seconds")
