"""Every write to needs: what a screening found, the assessment of each domain, the sessions
of the assessment, and the community's domains.

The survivor tells their story once. A domain's state on a case is one Need, and every look
at it is a NeedEntry that is never changed, so what they said in the first session is still
there after the tenth. Immediate safety comes first: the session that starts the assessment
records a safety check, or relies on the one at a recent screening.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from continuum.access import policy, sharing
from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.cases.actions import CaseRuleBroken
from continuum.cases.models import Case, EventKind
from continuum.cases.timeline import add_event
from continuum.core.models import EditConflict, save_if_unchanged
from continuum.core.text import clean_text
from continuum.needs.defaults import BY_CODE, POSITION
from continuum.needs.models import (
    ALLOWED_TRANSITIONS,
    DOMAIN_CATEGORIES,
    NEED_STATUSES,
    SAFETY_RECORDED,
    UNMET_STATUSES,
    AssessmentMethod,
    AssessmentSession,
    Need,
    NeedDomain,
    NeedEntry,
    NeedSource,
    NeedStatus,
    Participant,
    SafetyCheck,
    Urgency,
)

if TYPE_CHECKING:
    from continuum.screening.models import Screening

# Immediate needs asked at screening (continuum.screening.models.ImmediateNeed), and the
# domain each one is in: the assessment later finds them there instead of asking again.
IMMEDIATE_NEED_DOMAINS = {
    "food": "food",
    "clothing": "clothing",
    "shelter": "shelter",
    "medical": "medical",
    "other": "other",
}
WORDS_MAX = 2000
DESCRIPTION_MAX = 300
SUMMARY_MAX = 4000
SAFETY_STEPS_MAX = 1000


class NeedsRuleBroken(CaseRuleBroken):
    """The assessment would break one of its rules; the message says which (422)."""


@dataclass(frozen=True)
class NeedChange:
    """What someone records about one domain: the form's or the API's fields."""

    status: str
    urgency: str = ""
    description: str = ""
    survivor_words: str = ""
    observations: str = ""
    method: str = ""
    assessed_on: date | None = None
    deferred: bool = False

    @classmethod
    def of(cls, need: Need | NeedEntry) -> NeedChange:
        values = {f.name: getattr(need, f.name) for f in fields(cls)}
        for name in ("survivor_words", "observations", "description"):
            values[name] = values[name] or ""
        return cls(**values)

    def cleaned(self) -> NeedChange:
        return NeedChange(
            status=self.status,
            urgency=self.urgency if self.status in NEED_STATUSES else "",
            description=clean_text(self.description),
            survivor_words=clean_text(self.survivor_words),
            observations=clean_text(self.observations),
            method=self.method,
            assessed_on=self.assessed_on,
            deferred=self.deferred,
        )


class NeedConflict(EditConflict):
    """Someone saved this domain after the editor loaded it. Carries what it was then
    (`base`), what it is now (`current`) and what the editor sent (`mine`), so the page can
    show both and let them merge; nothing was saved."""

    def __init__(
        self,
        *,
        need: Need,
        base: NeedChange | None,
        mine: NeedChange,
        sent_version: int | None = None,
    ) -> None:
        super().__init__(
            _(
                "Someone else saved this area while you were working on it. Nothing you "
                "typed is lost: it is still in the form. Compare it with what they saved, then "
                "save what is right."
            )
        )
        self.need = need
        self.base = base
        self.sent_version = sent_version
        self.current = NeedChange.of(need)
        self.mine = mine


# --- what a screening found ---------------------------------------------------------------


def _domain(code: str) -> NeedDomain:
    """The domain by code, put back with its default name if a community removed it: a need
    found at screening is never lost for want of a row."""
    default = BY_CODE[code]
    domain, _created = NeedDomain.objects.get_or_create(
        code=code,
        defaults={
            "name": default.name,
            "position": POSITION[code],
            "category": default.category,
            "why_we_ask": default.why_we_ask,
            "sensitive": default.sensitive,
        },
    )
    return domain


@transaction.atomic
def record_needs_from_screening(
    *, actor: Actor, case: Case, screening: Screening, needs: list[tuple[str, str]]
) -> list[Need]:
    """Put the immediate needs a screening found on the case, marked as found at screening.
    Caller: continuum.screening.actions when the screening is linked to a case (it has
    checked the actor screened this person). needs: (immediate-need code, words).

    A domain the case already holds gains an entry; a need that was met, or that was not a
    need before, is a need again (the screening found it now)."""
    if not needs:
        return []
    recorded = []
    for code, words in needs:
        domain = _domain(IMMEDIATE_NEED_DOMAINS[code])
        need = Need.objects.select_for_update().filter(case=case, domain=domain).first()
        status = NeedStatus.IDENTIFIED
        if need is not None and need.status == NeedStatus.BEING_ADDRESSED:
            status = NeedStatus.BEING_ADDRESSED  # already in hand: the screening confirms it
        change = NeedChange(
            status=status,
            urgency="immediate",
            description=clean_text(words)[:DESCRIPTION_MAX],
            method=AssessmentMethod.SCREENING,
            assessed_on=timezone.localdate(),
        )
        recorded.append(
            _write(
                actor,
                case,
                domain,
                need,
                change,
                source=NeedSource.SCREENING,
                screening=screening,
                session=None,
            )
        )
    record(
        actor,
        AuditAction.NEEDS_RECORDED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        detail={"count": len(recorded)},  # the entry outlives the person: no domains
    )
    return recorded


# --- assessing a domain ---------------------------------------------------------------------


def domain_categories_for(actor: Actor, case: Case) -> frozenset[str]:
    """The data categories of domains this actor may see on this case now (decided per
    episode of care: sharing.case_categories)."""
    allowed = sharing.case_categories(actor, case)
    return frozenset(str(c) for c in DOMAIN_CATEGORIES if c in allowed)


@transaction.atomic
def assess_need(
    *,
    actor: Actor,
    case: Case,
    domain: NeedDomain,
    change: NeedChange,
    expected_version: int | None,
    session: AssessmentSession | None = None,
) -> Need:
    """Record a look at one domain of the case: its status, urgency, the survivor's own
    words, the worker's observations, how and when it was assessed.

    Caller: someone working on the case whose role assesses needs (policy.
    require_need_assessment) and who may see the domain's data category for this person. A
    domain not yet on the case is created (expected_version None); otherwise
    expected_version must be the need's version the editor loaded, else NeedConflict with
    both versions. Talking with the survivor happens in a session of the lead agency's
    assessment; another agency's entries are marked as its assessment.
    """
    policy.require_need_assessment(actor, case)
    if domain.category not in domain_categories_for(actor, case):
        raise policy.Forbidden(_("Your agency may not see this kind of data for this person."))
    change = change.cleaned()
    _check_change(change, session=session, case=case, actor=actor)
    # The case row first: a domain not yet on the case has no row of its own to lock, and two
    # first looks at it must queue, not both insert.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    need = Need.objects.select_for_update().filter(case=case, domain=domain).first()
    if need is not None and expected_version != need.version:
        base = _entry_change(need, expected_version)
        raise NeedConflict(need=need, base=base, mine=change, sent_version=expected_version)
    if need is None and expected_version not in (None, 0):
        raise NeedsRuleBroken(_("Nothing has been recorded about this area yet."))
    if need is None and not domain.is_active:
        raise NeedsRuleBroken(
            _("This area is no longer asked in new assessments: record it under another.")
        )
    previous = NeedStatus(need.status) if need else NeedStatus.NOT_DISCUSSED
    if change.status != previous and change.status not in ALLOWED_TRANSITIONS[previous]:
        raise NeedsRuleBroken(
            _("A need that is “%(before)s” cannot become “%(after)s”.")
            % {"before": previous.label, "after": NeedStatus(change.status).label}
        )
    leads = case.lead_agency_id == actor.agency_id
    source = NeedSource.ASSESSMENT if leads else NeedSource.OTHER_AGENCY
    written = _write(
        actor, case, domain, need, change, source=source, screening=None, session=session
    )
    record(
        actor,
        AuditAction.NEED_ASSESSED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=written,
        # The category (as for notes), never the domain, the status or the words.
        detail={"category": domain.category, "version": written.version},
    )
    return written


def meet_need_by_referral(*, actor: Actor, need: Need, author_withheld: bool = False) -> Need:
    """A referral for this need closed with "got help": the need is met. `author_withheld`:
    the timeline line does not say who (a provider of health or treatment services).

    Caller: continuum.referrals.actions only, inside its transaction, with `need` locked,
    for whichever side recorded the outcome (the provider knows help was given). A need
    that is no longer waiting (already met, declined, or found to be no need) is left as
    it is; the entry says where the news came from, and keeps what was written before.
    """
    if need.status not in UNMET_STATUSES:
        return need
    change = dataclasses.replace(NeedChange.of(need), status=NeedStatus.MET, deferred=False)
    case = Case.objects.get(pk=need.case_id)
    domain = NeedDomain.objects.get(pk=need.domain_id)
    written = _write(
        actor, case, domain, need, change, source=NeedSource.REFERRAL, screening=None, session=None
    )
    record(
        actor,
        AuditAction.NEED_ASSESSED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=written,
        detail={"category": domain.category, "version": written.version, "via": "referral"},
    )
    add_event(
        actor,
        case,
        EventKind.ASSESSMENT,
        # Which need, and where help came from, are on the referral for those who may read
        # them; the timeline is read more widely.
        summary=_("A need was met: a referral closed with “got help”."),
        author_withheld=author_withheld,
    )
    return written


def _check_change(
    change: NeedChange, *, session: AssessmentSession | None, case: Case, actor: Actor
) -> None:
    if change.status not in NeedStatus.values:
        raise NeedsRuleBroken(_("Choose what you found."))
    if change.deferred and change.status != NeedStatus.NOT_DISCUSSED:
        raise NeedsRuleBroken(_("“Come back to this later” is for an area not talked about yet."))
    if change.status == NeedStatus.NOT_DISCUSSED and not (
        change.deferred or change.survivor_words or change.observations
    ):
        raise NeedsRuleBroken(
            _("Choose what you found, or “come back to this later” if they are not ready.")
        )
    if change.status in NEED_STATUSES and change.urgency not in Urgency.values:
        raise NeedsRuleBroken(_("Say how urgent the need is."))
    if change.method and change.method not in AssessmentMethod.values:
        raise NeedsRuleBroken(_("Choose how it was assessed."))
    if change.status != NeedStatus.NOT_DISCUSSED and not change.method:
        raise NeedsRuleBroken(_("Say how it was assessed."))
    for text, limit in (
        (change.description, DESCRIPTION_MAX),
        (change.survivor_words, WORDS_MAX),
        (change.observations, WORDS_MAX),
    ):
        if len(text) > limit:
            raise NeedsRuleBroken(
                _("This can be at most %(limit)s characters; it has %(count)s.")
                % {"limit": limit, "count": len(text)}
            )
    if change.assessed_on and change.assessed_on > timezone.localdate():
        raise NeedsRuleBroken(_("The date it was assessed is in the future."))
    if change.assessed_on and change.assessed_on.year < 2000:
        raise NeedsRuleBroken(_("Check the year of the date it was assessed."))
    if session is not None:
        if session.case_id != case.pk or not session.is_open:
            raise NeedsRuleBroken(_("That session is finished; start a new one."))
        if session.conducted_by_agency_id != actor.agency_id:
            raise NeedsRuleBroken(_("That session belongs to another agency."))
    elif change.method == AssessmentMethod.INTERVIEW:
        raise NeedsRuleBroken(
            _(
                "Talking with the survivor is recorded in an assessment session, which starts "
                "with their immediate safety. Start or continue a session first."
            )
        )


def _entry_change(need: Need, version: int | None) -> NeedChange | None:
    if not version:
        return None
    entry = NeedEntry.objects.filter(need=need, version=version).first()
    return NeedChange.of(entry) if entry else None


def _write(
    actor: Actor,
    case: Case,
    domain: NeedDomain,
    need: Need | None,
    change: NeedChange,
    *,
    source: NeedSource,
    screening: Screening | None,
    session: AssessmentSession | None,
) -> Need:
    """Create or change the need and append its entry, in the caller's transaction."""
    now = timezone.now()
    previous = need.status if need else ""
    values: dict[str, Any] = {
        "status": change.status,
        "urgency": change.urgency,
        "description": change.description,
        "survivor_words": change.survivor_words,
        "observations": change.observations,
        "method": change.method,
        "assessed_on": change.assessed_on,
        "deferred": change.deferred,
        "updated_at": now,
        "updated_by": actor.user,
        "updated_by_agency": actor.agency,
    }
    becomes_need = change.status in NEED_STATUSES and previous not in NEED_STATUSES
    if need is None:
        need = Need.objects.create(
            case=case,
            domain=domain,
            source=source,
            source_screening=screening,
            identified_at=now,
            identified_by=actor.user,
            identified_by_agency=actor.agency,
            met_at=now if change.status == NeedStatus.MET else None,
            **values,
        )
    else:
        if becomes_need:
            values |= {"identified_at": now, "identified_by": actor.user}
            values["identified_by_agency"] = actor.agency
        if change.status == NeedStatus.MET and previous != NeedStatus.MET:
            values["met_at"] = now
        elif change.status != NeedStatus.MET:
            values["met_at"] = None
        save_if_unchanged(need, expected_version=need.version, fields=values)
    NeedEntry.objects.create(
        need=need,
        version=need.version,
        session=session,
        previous_status=previous,
        source=source,
        source_screening=screening,
        recorded_at=now,
        recorded_by=actor.user,
        recorded_by_agency=actor.agency,
        **{k: v for k, v in values.items() if k in _ENTRY_FIELDS},
    )
    return need


_ENTRY_FIELDS = frozenset(
    {
        "status",
        "urgency",
        "description",
        "survivor_words",
        "observations",
        "method",
        "assessed_on",
        "deferred",
    }
)


# --- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionDetails:
    held_at: datetime
    place: str
    participants: tuple[str, ...]
    safety_check: str
    interpreter_language: str = ""
    safety_steps: str = ""


def screening_safety_usable(case: Case, held_at: datetime) -> Screening | None:
    """The case's screening whose safety check a session may rely on: immediate safety was
    asked there, no longer ago than the in-depth assessment is due after a screening."""
    from continuum.screening.models import Screening

    since = held_at - timedelta(days=settings.CONTINUUM_ASSESSMENT_DUE_DAYS)
    return (
        Screening.objects.filter(
            case=case, in_immediate_danger__isnull=False, started_at__gte=since
        )
        .order_by("-started_at")
        .first()
    )


@transaction.atomic
def start_session(*, actor: Actor, case: Case, details: SessionDetails) -> AssessmentSession:
    """Start a session of the needs assessment with the survivor: when, where (a kind of
    place, never an address), who took part, and immediate safety first.

    Caller: the lead agency's team (policy.require_lead_team_write). The first session
    starts the assessment: it must record a safety check, or rely on a screening's from the
    last CONTINUUM_ASSESSMENT_DUE_DAYS days.
    """
    policy.require_lead_team_write(actor, case, policy.Permission.RUN_ASSESSMENT_SESSION)
    Case.objects.select_for_update().filter(pk=case.pk).first()
    details = _checked_session(case, details)
    still_open = case.assessment_sessions.filter(finished_at__isnull=True).first()
    if still_open is not None:  # a second tab, or yesterday's session never finished
        raise NeedsRuleBroken(
            _(
                "Session %(number)s is still open: carry on in it, or finish it before "
                "starting another."
            )
            % {"number": still_open.number}
        )
    number = (case.assessment_sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    session = AssessmentSession.objects.create(
        case=case,
        number=number,
        held_at=details.held_at,
        place=details.place,
        participants=list(details.participants),
        interpreter_language=details.interpreter_language,
        safety_check=details.safety_check,
        safety_steps=details.safety_steps,
        conducted_by=actor.user,
        conducted_by_agency=actor.agency,
    )
    record(
        actor,
        AuditAction.ASSESSMENT_SESSION_STARTED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=session,
        detail={"number": number},
    )
    add_event(
        actor,
        case,
        EventKind.ASSESSMENT,
        summary=(
            _("Needs assessment started (session 1)")
            if number == 1
            else _("Needs assessment session %(number)s") % {"number": number}
        ),
    )
    return session


def _checked_session(case: Case, details: SessionDetails) -> SessionDetails:
    from continuum.needs.models import AssessmentPlace

    participants = tuple(dict.fromkeys(details.participants))
    if details.place not in AssessmentPlace.values:
        raise NeedsRuleBroken(_("Choose where the session took place."))
    if any(p not in Participant.values for p in participants):
        raise NeedsRuleBroken(_("Choose who took part from the list."))
    language = clean_text(details.interpreter_language)[:60]
    if Participant.INTERPRETER in participants and not language:
        raise NeedsRuleBroken(_("Say which language the interpreter spoke."))
    now = timezone.now()
    if details.held_at > now + timedelta(minutes=10):
        raise NeedsRuleBroken(
            _("A session is recorded when it happens: the time is in the future.")
        )
    if details.held_at.year < 2000:
        raise NeedsRuleBroken(_("Check the year of the session."))
    steps = clean_text(details.safety_steps)
    if len(steps) > SAFETY_STEPS_MAX:
        raise NeedsRuleBroken(
            _("Safety steps can be at most %(limit)s characters.") % {"limit": SAFETY_STEPS_MAX}
        )
    _check_safety(case, details.safety_check, steps, details.held_at)
    if details.safety_check != SafetyCheck.NOT_SAFE:
        steps = ""  # typed, then "safe" chosen: what to do was not needed, and is not kept
    return SessionDetails(
        held_at=details.held_at,
        place=details.place,
        participants=participants,
        safety_check=details.safety_check,
        interpreter_language=language if Participant.INTERPRETER in participants else "",
        safety_steps=steps,
    )


def _check_safety(case: Case, check: str, steps: str, held_at: datetime) -> None:
    if check not in SafetyCheck.values:
        raise NeedsRuleBroken(_("Say how immediate safety was checked."))
    if check == SafetyCheck.NOT_SAFE and not steps:
        raise NeedsRuleBroken(_("Say what was done to make them safe."))
    if check == SafetyCheck.AT_SCREENING and screening_safety_usable(case, held_at) is None:
        raise NeedsRuleBroken(
            _(
                "No screening of theirs in the last %(days)s days asked about immediate "
                "safety. Ask them now."
            )
            % {"days": settings.CONTINUUM_ASSESSMENT_DUE_DAYS}
        )
    first = not case.assessment_sessions.exists()
    if first and check not in SAFETY_RECORDED | {SafetyCheck.AT_SCREENING}:
        raise NeedsRuleBroken(
            _(
                "Immediate safety comes first: the assessment starts by asking whether they "
                "are safe right now."
            )
        )


@transaction.atomic
def save_session_summary(
    *,
    actor: Actor,
    session: AssessmentSession,
    summary: str,
    expected_version: int,
    finish: bool,
) -> AssessmentSession:
    """Write what the session covered, in words, and (finish) close it. Caller: the agency
    that held it (the lead agency's team). A finished session is not reopened: the next
    conversation is a new session."""
    case = session.case
    policy.require_lead_team_write(actor, case, policy.Permission.RUN_ASSESSMENT_SESSION)
    if session.conducted_by_agency_id != actor.agency_id:
        raise policy.Forbidden(_("That session belongs to another agency."))
    if not session.is_open:
        raise NeedsRuleBroken(_("This session is finished; start a new one."))
    text = clean_text(summary)
    if len(text) > SUMMARY_MAX:
        raise NeedsRuleBroken(
            _("The summary can be at most %(limit)s characters; it has %(count)s.")
            % {"limit": SUMMARY_MAX, "count": len(text)}
        )
    values: dict[str, Any] = {"summary": text}
    if finish:
        values["finished_at"] = timezone.now()
    save_if_unchanged(session, expected_version=expected_version, fields=values)
    covered = session.entries.values("need").distinct().count()
    record(
        actor,
        AuditAction.ASSESSMENT_SESSION_FINISHED
        if finish
        else AuditAction.ASSESSMENT_SESSION_CHANGED,
        survivor_id=case.survivor_id,
        case_id=case.pk,
        obj=session,
        detail={"number": session.number, "domains": covered},
    )
    if finish:
        add_event(
            actor,
            case,
            EventKind.ASSESSMENT,
            summary=ngettext(
                "Needs assessment session %(number)s finished: %(count)s area covered",
                "Needs assessment session %(number)s finished: %(count)s areas covered",
                covered,
            )
            % {"number": session.number, "count": covered},
        )
    return session


# --- the community's domains ---------------------------------------------------------------


@dataclass(frozen=True)
class DomainDetails:
    name: str
    category: str
    why_we_ask: str = ""
    sensitive: bool = False
    is_active: bool = True
    position: int | None = None


def _checked_domain(details: DomainDetails) -> DomainDetails:
    name = clean_text(details.name)
    if not name:
        raise NeedsRuleBroken(_("Give the area a name."))
    if len(name) > 120:
        raise NeedsRuleBroken(_("An area's name can be at most 120 characters."))
    if details.category not in {str(c) for c in DOMAIN_CATEGORIES}:
        raise NeedsRuleBroken(_("Choose what kind of data the area holds."))
    why = clean_text(details.why_we_ask)
    if len(why) > 400:
        raise NeedsRuleBroken(_("“Why we ask” can be at most 400 characters."))
    if details.position is not None and not 0 <= details.position <= 999:
        raise NeedsRuleBroken(_("The position is a number from 0 to 999."))
    return DomainDetails(
        name=name,
        category=details.category,
        why_we_ask=why,
        sensitive=details.sensitive,
        is_active=details.is_active,
        position=details.position,
    )


@transaction.atomic
def add_domain(*, actor: Actor, details: DomainDetails) -> NeedDomain:
    """Add a domain to the community's needs assessment ("documents and ID"). Caller: a
    network admin."""
    policy.require(actor, policy.Permission.MANAGE_NEED_DOMAINS)
    details = _checked_domain(details)
    code = slugify(details.name)[:40].strip("-").replace("-", "_") or "domain"
    if NeedDomain.objects.filter(code=code).exists():
        raise NeedsRuleBroken(_("There is an area with this name already."))
    if NeedDomain.objects.filter(name__iexact=details.name).exists():
        raise NeedsRuleBroken(_("There is an area with this name already."))
    position = details.position
    if position is None:
        position = (NeedDomain.objects.aggregate(p=Max("position"))["p"] or 0) + 1
    domain = NeedDomain.objects.create(
        code=code,
        name=details.name,
        category=details.category,
        why_we_ask=details.why_we_ask,
        sensitive=details.sensitive,
        is_active=details.is_active,
        position=position,
    )
    record(actor, AuditAction.NEED_DOMAIN_CHANGED, obj=domain, detail={"code": code, "added": True})
    return domain


@transaction.atomic
def change_domain(*, actor: Actor, domain: NeedDomain, details: DomainDetails) -> NeedDomain:
    """Rename, describe, reorder, retire or bring back a domain. Caller: a network admin.

    A domain's kind of data changes only while no case holds anything in it: moving it would
    show what survivors said to agencies their releases never named."""
    policy.require(actor, policy.Permission.MANAGE_NEED_DOMAINS)
    details = _checked_domain(details)
    if details.category != domain.category and Need.objects.filter(domain=domain).exists():
        raise NeedsRuleBroken(
            _(
                "Cases already hold needs in this area, so what kind of data it holds cannot "
                "change: that would show what survivors said to agencies their releases do "
                "not name. Add a new area instead."
            )
        )
    if NeedDomain.objects.filter(name__iexact=details.name).exclude(pk=domain.pk).exists():
        raise NeedsRuleBroken(_("There is an area with this name already."))
    domain.name = details.name
    domain.category = details.category
    domain.why_we_ask = details.why_we_ask
    domain.sensitive = details.sensitive
    domain.is_active = details.is_active
    if details.position is not None:
        domain.position = details.position
    domain.save()
    record(actor, AuditAction.NEED_DOMAIN_CHANGED, obj=domain, detail={"code": domain.code})
    return domain
