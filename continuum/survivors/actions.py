"""Every write to a survivor's identity record. Views, API and commands call these only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import ROLE_CATEGORIES, SURVIVOR_FIELDS, DataCategory
from continuum.access.part2 import PART2_CATEGORY
from continuum.accounts.models import Agency
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.models import EventKind
from continuum.cases.timeline import add_event
from continuum.core.blind_index import date_token, name_tokens
from continuum.core.models import save_if_unchanged
from continuum.survivors import documents
from continuum.survivors.models import (
    AliasKind,
    LegalBasis,
    LegalBasisKind,
    Release,
    SignedForm,
    Survivor,
    SurvivorAlias,
    SurvivorNameToken,
    SuspectedExploiter,
)

IDENTITY_FIELDS = (
    "legal_given_name",
    "legal_family_name",
    "preferred_name",
    "pronouns",
    "date_of_birth",
    "estimated_age",
    "primary_language",
    "other_language",
    "interpreter_needed",
    "safe_phone",
    "safe_to_call",
    "safe_to_text",
    "safe_to_leave_message",
    "safe_times",
    "code_word",
    "preferences",
    "priorities",
)
# Sealed text added after records existed: None on those rows means nothing recorded yet.
OPTIONAL_TEXT_FIELDS = ("preferences", "priorities")


@dataclass(frozen=True)
class SurvivorDetails:
    """What a person typed about a survivor, already validated by a form or schema."""

    legal_given_name: str = ""
    legal_family_name: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    date_of_birth: date | None = None
    estimated_age: int | None = None
    primary_language: str = "en"
    other_language: str = ""
    interpreter_needed: bool = False
    safe_phone: str = ""
    safe_to_call: bool | None = None
    safe_to_text: bool | None = None
    safe_to_leave_message: bool | None = None
    safe_times: str = ""
    code_word: str = ""
    # In their words: how to work with them (identity: everyone working with them sees it).
    preferences: str = ""
    # In their words: what matters most to them now (seen with the care plan).
    priorities: str = ""
    aliases: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def field_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in IDENTITY_FIELDS}

    @classmethod
    def values_of(cls, survivor: Survivor) -> dict[str, Any]:
        """The survivor's fields as a SurvivorDetails holds them (None read as "")."""
        values = {name: getattr(survivor, name) for name in IDENTITY_FIELDS}
        for name in OPTIONAL_TEXT_FIELDS:
            values[name] = values[name] or ""
        return values


def unseen_fields(actor: Actor, survivor: Survivor | None = None) -> frozenset[str]:
    """The details the actor may not see: outside their role's categories, or (on a record
    read for them) withheld from their agency."""
    allowed = ROLE_CATEGORIES.get(actor.role, frozenset())
    withheld: frozenset[str] = getattr(survivor, "withheld", frozenset())
    return frozenset(
        name
        for name in IDENTITY_FIELDS
        if SURVIVOR_FIELDS[name] not in allowed or SURVIVOR_FIELDS[name] in withheld
    )


def _refuse_unseen(details: SurvivorDetails, unseen: frozenset[str]) -> None:
    """What a person may not read, they do not write either (as with notes): a screener
    does not record priorities they could not see again."""
    blank = SurvivorDetails()
    if any(getattr(details, name) != getattr(blank, name) for name in unseen):
        raise policy.Forbidden(_("Your role cannot record some of these details."))


def _same(saved: Any, typed: Any) -> bool:
    return saved == typed or (saved in ("", None) and typed in ("", None))


@transaction.atomic
def create_survivor(*, actor: Actor, details: SurvivorDetails) -> Survivor:
    """Record a survivor with as little identity as is known.

    Caller: a screener, case manager or supervisor. The creator sees the record until a case
    is opened for it; from then on the case's care team does.
    """
    policy.require(actor, policy.Permission.CREATE_SURVIVOR)
    _refuse_unseen(details, unseen_fields(actor))
    survivor = Survivor(
        **details.field_values(),
        created_by=actor.user,
        created_by_agency=actor.agency,
    )
    if details.estimated_age is not None:
        survivor.age_estimated_on = timezone.localdate()
    survivor.save()
    _replace_aliases(survivor, details.aliases)
    record(actor, AuditAction.SURVIVOR_CREATED, survivor_id=survivor.pk, obj=survivor)
    return survivor


@transaction.atomic
def update_survivor(
    *, actor: Actor, survivor: Survivor, details: SurvivorDetails, expected_version: int
) -> Survivor:
    """Change a survivor's identity and safe-contact details.

    Caller: the lead agency's team on one of the survivor's cases (or the creator while no
    case exists). Details the actor may not see (a screener: the priorities) stay as saved;
    a value for one is refused. Raises EditConflict if someone saved in between; nothing is
    written then.
    """
    policy.require_survivor_write(actor, survivor)
    unseen = unseen_fields(actor, survivor)
    _refuse_unseen(details, unseen)
    values = {name: v for name, v in details.field_values().items() if name not in unseen}
    changed = sorted(name for name, v in values.items() if not _same(getattr(survivor, name), v))
    if details.estimated_age != survivor.estimated_age:
        values["age_estimated_on"] = timezone.localdate() if details.estimated_age else None
    old_aliases = {(a.name, a.kind) for a in survivor.aliases.all()}
    if old_aliases != set(details.aliases):
        changed.append("aliases")
    values["updated_at"] = timezone.now()
    if getattr(survivor, "withheld", None):
        # The copy read for the actor has what they may not see blanked and cannot be saved;
        # what they may see is written through a fresh copy, the rest left as it is.
        stored = Survivor.objects.get(pk=survivor.pk)
        save_if_unchanged(stored, expected_version=expected_version, fields=values)
        for name, value in values.items():
            setattr(survivor, name, value)
        survivor.version = stored.version
    else:
        save_if_unchanged(survivor, expected_version=expected_version, fields=values)
    _replace_aliases(survivor, details.aliases)
    record(
        actor,
        AuditAction.SURVIVOR_UPDATED,
        survivor_id=survivor.pk,
        obj=survivor,
        detail={"fields": changed},
    )
    # Only on the cases the actor's agency leads: a line on another agency's timeline would
    # tell that agency who else serves this person.
    for case in survivor.cases.filter(lead_agency_id=actor.agency_id):
        add_event(
            actor,
            case,
            EventKind.SURVIVOR_UPDATED,
            # Which fields changed is in the audit log; the timeline, which partners read,
            # must not say that, say, a new safe phone number was recorded.
            summary=_("Personal details changed"),
        )
    return survivor


def _replace_aliases(survivor: Survivor, aliases: tuple[tuple[str, str], ...]) -> None:
    """Replace the other names; a name kept from before keeps the kind it was recorded with
    (the edit form lists names only). Then index the names afresh."""
    kinds_before = {alias.name: alias.kind for alias in survivor.aliases.all()}
    survivor.aliases.all().delete()
    getattr(survivor, "_prefetched_objects_cache", {}).pop("aliases", None)
    SurvivorAlias.objects.bulk_create(
        SurvivorAlias(
            survivor=survivor,
            name=name,
            kind=kinds_before.get(name, kind) if kind == AliasKind.OTHER else kind,
            position=position,
        )
        for position, (name, kind) in enumerate(dict(aliases).items())
    )
    _reindex(survivor, [name for name, _kind in aliases])


def _reindex(survivor: Survivor, aliases: list[str]) -> None:
    """The blind-index tokens of every name, and of the date of birth (exact search)."""
    names = [survivor.preferred_name, survivor.legal_given_name, survivor.legal_family_name]
    SurvivorNameToken.objects.filter(survivor=survivor).delete()
    SurvivorNameToken.objects.bulk_create(
        SurvivorNameToken(survivor=survivor, token=token)
        for token in sorted(name_tokens(*names, *aliases))
    )
    born = survivor.date_of_birth
    token = date_token(born) if born else ""
    Survivor.objects.filter(pk=survivor.pk).update(date_of_birth_token=token)
    survivor.date_of_birth_token = token


@transaction.atomic
def hand_over(*, actor: Actor, survivor: Survivor, agency: Agency) -> Survivor:
    """Hand a record with no case yet to the agency that will open the case (a screener at
    the hotline to the lead agency, say). Its supervisors and case managers then find it in
    search and can open the case; the story is not told again.

    Caller: the record's creator or their agency's supervisor, while no case exists.
    """
    policy.require_hand_over(actor, survivor)
    if not agency.is_active:
        raise HandOverRefused(_("That agency is no longer active."))
    if agency.pk == survivor.created_by_agency_id:
        raise HandOverRefused(_("The record is already with that agency."))
    now = timezone.now()
    Survivor.objects.filter(pk=survivor.pk).update(
        handed_to_agency=agency, handed_over_at=now, updated_at=now
    )
    survivor.handed_to_agency, survivor.handed_over_at = agency, now
    record(
        actor,
        AuditAction.SURVIVOR_HANDED_OVER,
        survivor_id=survivor.pk,
        obj=survivor,
        detail={"agency_id": agency.pk},
    )
    return survivor


class HandOverRefused(Exception):
    """The hand-over cannot be done as asked; the message says why."""


class ReleaseRefused(Exception):
    """The release cannot be recorded as given; the message says why."""


class Part2ConsentIncomplete(ReleaseRefused):
    """A release covering substance use lacks elements of a 42 CFR Part 2 consent (2.31).
    `missing` maps each missing element (the field that holds it) to what to do about it."""

    def __init__(self, missing: dict[str, str]) -> None:
        self.missing = missing
        intro = _(
            "This release covers substance use treatment, which federal law (42 CFR Part 2) "
            "protects more strictly. Before it can be recorded:"
        )
        super().__init__(" ".join([str(intro), *missing.values()]))


class SignedFormRefused(ReleaseRefused):
    """The signed form cannot be kept as uploaded; the message says why."""


@dataclass(frozen=True)
class ReleaseTerms:
    recipient_agency: Agency
    categories: frozenset[str]
    purpose: str
    starts_on: date
    survivor_signed_on: date
    expires_on: date | None = None
    ends_on_event: str = ""
    guardian_name: str = ""
    guardian_relationship: str = ""
    guardian_signed_on: date | None = None
    given_verbally: bool = False
    # 42 CFR Part 2 (2.31): needed, and kept, only when the categories include substance use.
    part2_discloser_name: str = ""
    part2_information: str = ""
    part2_revocation_explained: bool = False
    part2_no_conditioning_explained: bool = False
    part2_redisclosure_explained: bool = False

    @property
    def is_part2(self) -> bool:
        return PART2_CATEGORY in self.categories


def _check_protocol_ceiling(actor: Actor, terms: ReleaseTerms) -> None:
    """The community protocol may limit what a kind of member receives, even with a release
    (the members agreed it in the MOU); the release is refused with what may be named."""
    from continuum.protocols.queries import sharing_ceiling

    ceiling = sharing_ceiling(actor.agency_id, terms.recipient_agency)
    if ceiling is None:
        return
    beyond = sorted(set(terms.categories) - ceiling)
    if beyond:
        raise ReleaseRefused(
            _(
                "Your community's protocol lets %(agency)s receive only: %(allowed)s. "
                "Take off: %(beyond)s."
            )
            % {
                "agency": terms.recipient_agency.name,
                "allowed": ", ".join(DataCategory(c).label for c in sorted(ceiling)) or "-",
                "beyond": ", ".join(DataCategory(c).label for c in beyond),
            }
        )


@transaction.atomic
def record_release(*, actor: Actor, survivor: Survivor, terms: ReleaseTerms) -> Release:
    """Record a release of information from the actor's agency (the one leading care) to
    another agency, as the survivor signed it.

    Caller: the lead agency's case managers and supervisors. A minor's release also needs a
    non-offending parent or guardian, or the legal custodian. A release that covers substance
    use is a 42 CFR Part 2 consent and needs every element of one (Part2ConsentIncomplete
    names those missing). Refusing a release never blocks a case or services: nothing else
    depends on one existing.
    """
    policy.require_release_management(actor, survivor)
    if terms.recipient_agency.pk == actor.agency_id or not terms.recipient_agency.is_active:
        raise ReleaseRefused(_("A release names another agency that is still active."))
    _check_terms(survivor, terms)
    _check_protocol_ceiling(actor, terms)
    part2 = terms.is_part2
    release = Release.objects.create(
        survivor=survivor,
        disclosing_agency=actor.agency,
        recipient_agency=terms.recipient_agency,
        categories=sorted(terms.categories),
        purpose=terms.purpose,
        starts_on=terms.starts_on,
        expires_on=terms.expires_on,
        ends_on_event=terms.ends_on_event,
        survivor_signed_on=terms.survivor_signed_on,
        guardian_name=terms.guardian_name,
        guardian_relationship=terms.guardian_relationship,
        guardian_signed_on=terms.guardian_signed_on,
        given_verbally=terms.given_verbally,
        part2_discloser_name=terms.part2_discloser_name.strip() if part2 else None,
        part2_information=terms.part2_information.strip() if part2 else None,
        part2_revocation_explained=part2 and terms.part2_revocation_explained,
        part2_no_conditioning_explained=part2 and terms.part2_no_conditioning_explained,
        part2_redisclosure_explained=part2 and terms.part2_redisclosure_explained,
        recorded_by=actor.user,
    )
    record(
        actor,
        AuditAction.RELEASE_RECORDED,
        survivor_id=survivor.pk,
        obj=release,
        detail={
            "recipient_agency_id": terms.recipient_agency.pk,
            "categories": sorted(terms.categories),
            "part2": part2,
        },
    )
    return release


def _check_terms(survivor: Survivor, terms: ReleaseTerms) -> None:
    from continuum.access.categories import DataCategory

    if terms.guardian_name and is_suspected_exploiter(survivor, terms.guardian_name):
        raise ReleaseRefused(
            _(
                "That person is recorded as suspected of exploiting them, and cannot sign for "
                "them. Ask the legal custodian (the child-welfare agency) instead."
            )
        )
    if not terms.categories or not terms.categories <= set(DataCategory):
        raise ReleaseRefused(_("Choose what may be shared."))
    if terms.is_part2:
        missing = part2_missing(terms)
        if missing:
            raise Part2ConsentIncomplete(missing)
    if not terms.expires_on and not terms.ends_on_event:
        raise ReleaseRefused(
            _("A release must end: give an end date, or end it when the case closes.")
        )
    if terms.expires_on and terms.expires_on < terms.starts_on:
        raise ReleaseRefused(_("The end date is before the start date."))
    age = survivor.age_on(terms.survivor_signed_on)
    is_minor = age is None or age < 18
    if is_minor and not (terms.guardian_name and terms.guardian_relationship):
        raise ReleaseRefused(
            _(
                "They are under 18 (or their age is not known): a non-offending parent or "
                "guardian, or the legal custodian, must sign too."
            )
        )


def part2_missing(terms: ReleaseTerms) -> dict[str, str]:
    """The elements of a 42 CFR Part 2 written consent (2.31) these terms lack, by the field
    that holds each, with what to do. The patient is the survivor, and the recipient and the
    signature date are required of every release; the rest is checked here."""
    missing: dict[str, str] = {}
    if not terms.part2_discloser_name.strip():
        missing["part2_discloser_name"] = _(
            "Name the program or person permitted to share the information (usually your "
            "agency or its treatment program)."
        )
    if not terms.part2_information.strip():
        missing["part2_information"] = _(
            "Say how much and what kind of substance use information may be shared, for "
            "example: dates of attendance and progress in outpatient treatment."
        )
    if not terms.purpose.strip():
        missing["purpose"] = _("Say what the sharing is for.")
    if not terms.expires_on and not terms.ends_on_event:
        missing["expires_on"] = _(
            "Give an end date, or end it when the case closes: a Part 2 consent cannot be "
            "open-ended."
        )
    if terms.given_verbally:
        missing["given_verbally"] = _(
            "It must be signed in writing before anything is shared: a Part 2 consent cannot "
            "be given verbally."
        )
    if not terms.part2_revocation_explained:
        missing["part2_revocation_explained"] = _(
            "Confirm they were told they may take it back at any time, except for what was "
            "already shared because of it."
        )
    if not terms.part2_no_conditioning_explained:
        missing["part2_no_conditioning_explained"] = _(
            "Confirm they were told that their treatment, payment or benefits do not depend "
            "on signing."
        )
    if not terms.part2_redisclosure_explained:
        missing["part2_redisclosure_explained"] = _(
            "Confirm they were told the recipient might share the information again, and "
            "that it may then no longer be protected by federal law."
        )
    return {field: str(message) for field, message in missing.items()}


@transaction.atomic
def revoke_release(*, actor: Actor, release: Release) -> Release:
    """The survivor takes a release back. It stops working on the next request, for every
    session. Caller: the lead agency's case managers and supervisors."""
    policy.require_release_management(actor, release.survivor)
    updated = Release.objects.filter(pk=release.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor.user
    )
    if updated != 1:
        raise ReleaseRefused(_("This release was already revoked."))
    release.refresh_from_db()
    record(
        actor,
        AuditAction.RELEASE_REVOKED,
        survivor_id=release.survivor_id,
        obj=release,
        detail={"recipient_agency_id": release.recipient_agency_id},
    )
    return release


def _require_own_release(actor: Actor, release: Release) -> None:
    policy.require_release_management(actor, release.survivor)
    if release.disclosing_agency_id != actor.agency_id:
        raise policy.Forbidden(_("Only the agency that recorded the release can do this."))


def attach_signed_form(*, actor: Actor, release: Release, data: bytes) -> SignedForm:
    """Keep the signed release form (a scan or a photo), which confirms in writing a release
    given verbally, and mark the release confirmed on the day it first arrives.

    Only PDF, JPEG and PNG of up to 5 MB, recognised by content; the file is rewritten
    without metadata (survivors.documents) and sealed; the name it was uploaded under is not
    kept. A form uploaded again replaces the one before. Raises SignedFormRefused with a
    plain message for a file that cannot be kept.

    Caller: the agency that recorded the release, while it leads care (its case managers
    and supervisors), as for recording releases.
    """
    _require_own_release(actor, release)
    # Outside the transaction: rewriting a large photo takes a moment, and must not hold
    # the database's write lock meanwhile.
    try:
        cleaned = documents.clean_signed_form(data)
    except documents.DocumentRefused as problem:
        raise SignedFormRefused(str(problem)) from problem
    return _keep_signed_form(actor=actor, release=release, cleaned=cleaned)


@transaction.atomic
def _keep_signed_form(
    *, actor: Actor, release: Release, cleaned: documents.CleanedFile
) -> SignedForm:
    _require_own_release(actor, release)
    replaced, _details = SignedForm.objects.filter(pk=release.pk).delete()
    form = SignedForm.objects.create(
        release=release,
        content=cleaned.content,
        media_type=cleaned.media_type,
        size=len(cleaned.content),
        sha256=cleaned.sha256,
        uploaded_by=actor.user,
        uploaded_at=timezone.now(),
    )
    if release.confirmed_in_writing_on is None:
        today = timezone.localdate()
        Release.objects.filter(pk=release.pk, confirmed_in_writing_on__isnull=True).update(
            confirmed_in_writing_on=today
        )
        release.confirmed_in_writing_on = today
    # A release confirmed in writing is recorded anew; the entry says it was the signed form.
    record(
        actor,
        AuditAction.RELEASE_RECORDED,
        survivor_id=release.survivor_id,
        obj=form,
        detail={
            "signed_form": "replaced" if replaced else "uploaded",
            "release_id": str(release.pk),
            "media_type": form.media_type,
            "size": form.size,
            "sha256": form.sha256,
        },
    )
    return form


class LegalBasisRefused(Exception):
    """The legal basis cannot be recorded or changed as asked; the message says why."""


@transaction.atomic
def record_legal_basis(
    *,
    actor: Actor,
    survivor: Survivor,
    recipient_agency: Agency,
    kind: str,
    reference: str,
    categories: frozenset[str] | set[str],
    starts_on: date,
    expires_on: date | None = None,
) -> LegalBasis:
    """Record sharing the law requires without a release (a mandatory child-abuse report, a
    court order): to one other agency, limited to the categories it covers. Until the survivor
    is told about it (or it is written down why that is not safe yet), it is a task on the
    disclosing agency's My work.

    Caller: the lead agency's case managers and supervisors, as for releases.
    """
    from continuum.access.categories import DataCategory

    policy.require_release_management(actor, survivor)
    if recipient_agency.pk == actor.agency_id or not recipient_agency.is_active:
        raise LegalBasisRefused(_("Name another agency that is still active."))
    if kind not in LegalBasisKind.values:
        raise LegalBasisRefused(_("Choose what the law requires."))
    reference = reference.strip()
    if not reference:
        raise LegalBasisRefused(
            _("Give the reference: the hotline intake number or the court case number.")
        )
    if not categories or not set(categories) <= set(DataCategory):
        raise LegalBasisRefused(_("Choose what it covers."))
    if expires_on and expires_on < starts_on:
        raise LegalBasisRefused(_("The end date is before the start date."))
    basis = LegalBasis.objects.create(
        survivor=survivor,
        disclosing_agency=actor.agency,
        recipient_agency=recipient_agency,
        kind=kind,
        reference=reference,
        categories=sorted(categories),
        starts_on=starts_on,
        expires_on=expires_on,
        recorded_by=actor.user,
    )
    record(
        actor,
        AuditAction.LEGAL_BASIS_RECORDED,
        survivor_id=survivor.pk,
        obj=basis,
        detail={
            "recipient_agency_id": recipient_agency.pk,
            "kind": kind,
            "categories": sorted(categories),
        },
    )
    return basis


def _require_own_basis(actor: Actor, basis: LegalBasis) -> None:
    policy.require_release_management(actor, basis.survivor)
    if basis.disclosing_agency_id != actor.agency_id:
        raise policy.Forbidden(_("Only the agency that recorded it can change it."))


@transaction.atomic
def end_legal_basis(*, actor: Actor, basis: LegalBasis) -> LegalBasis:
    """The legal requirement no longer applies: the recipient stops seeing what it covered
    on the next request. Caller: the disclosing (lead) agency's case managers and supervisors."""
    _require_own_basis(actor, basis)
    updated = LegalBasis.objects.filter(pk=basis.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=actor.user
    )
    if updated != 1:
        raise LegalBasisRefused(_("This was already ended."))
    basis.refresh_from_db()
    record(
        actor,
        AuditAction.LEGAL_BASIS_ENDED,
        survivor_id=basis.survivor_id,
        obj=basis,
        detail={"recipient_agency_id": basis.recipient_agency_id},
    )
    return basis


@transaction.atomic
def mark_survivor_informed(
    *,
    actor: Actor,
    basis: LegalBasis,
    informed_on: date | None = None,
    not_safe_reason: str = "",
) -> LegalBasis:
    """Record that the survivor was told about this disclosure (on `informed_on`), or why it
    is not safe to tell them yet (`not_safe_reason`; the task stays on My work, marked "not
    safe yet", until they are told). The reason is kept on the record, never in the audit
    log: it may say who is a danger to them."""
    _require_own_basis(actor, basis)
    not_safe_reason = not_safe_reason.strip()
    if informed_on is None and not not_safe_reason:
        raise LegalBasisRefused(_("Give the day you told them, or why it is not safe yet."))
    if informed_on is not None and informed_on > timezone.localdate():
        raise LegalBasisRefused(_("That day has not come yet."))
    if basis.survivor_informed_on is not None:
        raise LegalBasisRefused(_("They were already told."))
    if informed_on is not None:
        basis.survivor_informed_on = informed_on
    else:
        basis.inform_not_safe_reason = not_safe_reason
    basis.save(update_fields=["survivor_informed_on", "inform_not_safe_reason"])
    record(
        actor,
        AuditAction.LEGAL_BASIS_INFORMED,
        survivor_id=basis.survivor_id,
        obj=basis,
        detail={"informed": informed_on is not None},
    )
    return basis


def is_suspected_exploiter(survivor: Survivor, name: str) -> bool:
    """Whether `name` is, word for word (accents, case and order aside), someone recorded as
    a suspected exploiter of this survivor."""
    typed = name_tokens(name)
    return any(name_tokens(person.name) <= typed for person in survivor.suspected_exploiters.all())


@transaction.atomic
def record_suspected_exploiter(
    *, actor: Actor, survivor: Survivor, name: str, relationship: str
) -> SuspectedExploiter:
    """Record someone who must never sign for, or be told about, this survivor.

    Caller: the team that may change the survivor's details (the agency leading care)."""
    policy.require_survivor_write(actor, survivor)
    if not name_tokens(name):
        raise ReleaseRefused(_("Give their name."))
    person = SuspectedExploiter.objects.create(
        survivor=survivor, name=name, relationship=relationship, recorded_by=actor.user
    )
    record(actor, AuditAction.SUSPECTED_EXPLOITER_RECORDED, survivor_id=survivor.pk, obj=person)
    return person
