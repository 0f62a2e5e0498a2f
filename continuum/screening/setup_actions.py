"""Every write of screening setup: instruments (import, retire, reactivate), the safety
numbers and the decision table, and who is trained to screen.

Instruments are never edited in place: a stored (url, version) keeps its questions for good,
so every screening can be read against the questions it asked. The safety numbers and rules
are the community's, changed by a network admin. Screening training is recorded by a
supervisor or agency admin of the person's agency (65C-43.001: only trained people screen).
Each action checks the policy, runs in one transaction and writes its audit entry in it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.policy import Forbidden, Permission
from continuum.accounts.models import Membership
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.core.text import clean_text
from continuum.screening.instrument import (
    InstrumentDefinition,
    QuestionnaireInvalid,
    load_bundled,
    parse_questionnaire,
    to_questionnaire,
)
from continuum.screening.models import (
    AgeGroup,
    Instrument,
    InstrumentStatus,
    Match,
    SafetyLine,
    SafetyRule,
)
from continuum.screening.safety import RuleRow

logger = logging.getLogger(__name__)


class InstrumentRefused(Exception):
    """The instrument was not stored or changed; the message says why, in words for a form."""


class SafetySetupRefused(Exception):
    """The safety numbers or rules were not changed; `problems` lists every reason."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


class TrainingRefused(Exception):
    """The training record was not changed; the message says why."""


# --- instruments -------------------------------------------------------------------------


def _field_limits(defn: InstrumentDefinition) -> list[str]:
    """What the parser accepts but the table cannot hold (PostgreSQL would refuse with an
    error page; SQLite would keep it silently)."""
    problems = []
    for label, value, field in (
        ("url", defn.url, "url"),
        ("version", defn.version, "version"),
        ("title", defn.title, "title"),
        ("publisher", defn.publisher, "publisher"),
    ):
        limit = getattr(Instrument._meta.get_field(field), "max_length", None)
        if limit is not None and len(value) > limit:
            problems.append(f"{label}: longer than {limit} characters")
    return problems


def _stored_version(defn: InstrumentDefinition) -> Instrument | None:
    return Instrument.objects.filter(url=defn.url, version=defn.version).first()


def _same_or_refused(existing: Instrument, questionnaire: dict[str, object]) -> Instrument:
    if existing.questionnaire == questionnaire:
        return existing
    raise InstrumentRefused(
        _(
            "Version %(version)s of this instrument is already stored and cannot be changed: "
            "give your changes a new version number."
        )
        % {"version": existing.version}
    )


def _create(
    defn: InstrumentDefinition, questionnaire: dict[str, object], **extra: object
) -> Instrument | None:
    """The new instrument row, or None when another import stored the same (url, version)
    first (the unique constraint decides; the savepoint keeps our transaction usable)."""
    try:
        with transaction.atomic():
            return Instrument.objects.create(
                url=defn.url,
                version=defn.version,
                title=defn.title,
                publisher=defn.publisher,
                licence=defn.licence,
                validated=defn.validated,
                questionnaire=questionnaire,
                **extra,
            )
    except IntegrityError:
        return None


@transaction.atomic
def import_instrument(*, actor: Actor, document: object) -> Instrument:
    """Store one version of a screening instrument from a FHIR Questionnaire (parsed JSON).

    Caller: a network admin. Raises QuestionnaireInvalid (with every problem) when the
    document is not an instrument we can use. Importing a version already stored returns it
    unchanged when the content is the same; with different content it is refused
    (InstrumentRefused): a stored version is never edited. The new version is in use at once.
    """
    policy.require(actor, Permission.MANAGE_INSTRUMENTS)
    defn = parse_questionnaire(document)
    too_long = _field_limits(defn)
    if too_long:
        raise QuestionnaireInvalid(too_long)
    questionnaire = to_questionnaire(defn)
    existing = _stored_version(defn)
    if existing is not None:
        return _same_or_refused(existing, questionnaire)
    instrument = _create(defn, questionnaire, imported_by=actor.user)
    if instrument is None:
        raced = _stored_version(defn)
        assert raced is not None
        return _same_or_refused(raced, questionnaire)
    record(
        actor,
        AuditAction.INSTRUMENT_IMPORTED,
        obj=instrument,
        detail={"url": instrument.url, "version": instrument.version},
    )
    return instrument


@transaction.atomic
def install_bundled_instruments() -> int:
    """Store the instruments shipped with Continuum that are not stored yet; return how many.

    Caller: the system (after every `migrate`, so a new database and the test database have
    them). A bundled version already stored is left as it is, even if the shipped file
    changed: a changed instrument needs a new version number.
    """
    installed = 0
    for defn in load_bundled():
        questionnaire = to_questionnaire(defn)
        existing = _stored_version(defn)
        if existing is not None:
            if existing.questionnaire != questionnaire:
                logger.warning(
                    "Bundled instrument %s version %s differs from the stored one; kept the "
                    "stored one (give the change a new version number).",
                    defn.url,
                    defn.version,
                )
            continue
        instrument = _create(defn, questionnaire, bundled=True, imported_by=None)
        if instrument is None:
            continue
        record(
            None,
            AuditAction.INSTRUMENT_IMPORTED,
            obj=instrument,
            detail={"url": instrument.url, "version": instrument.version, "bundled": True},
            via="system",
        )
        installed += 1
    return installed


@transaction.atomic
def set_instrument_status(*, actor: Actor, instrument: Instrument, status: str) -> Instrument:
    """Retire an instrument (screeners can no longer choose it; screenings that used it keep
    it) or put it back in use.

    Caller: a network admin. The last instrument in use cannot be retired: nobody could
    screen. Setting the status it already has changes nothing and writes no entry.
    """
    policy.require(actor, Permission.MANAGE_INSTRUMENTS)
    if status not in InstrumentStatus.values:
        raise InstrumentRefused(_("Choose whether the instrument is in use or retired."))
    fresh = Instrument.objects.select_for_update().filter(pk=instrument.pk).first()
    if fresh is None:
        raise policy.NotFound()
    if fresh.status == status:
        return fresh
    if status == InstrumentStatus.RETIRED:
        others_in_use = (
            Instrument.objects.select_for_update()
            .filter(status=InstrumentStatus.ACTIVE)
            .exclude(pk=fresh.pk)
        )
        if not others_in_use.exists():
            raise InstrumentRefused(
                _(
                    "This is the only instrument in use: screeners could not screen without "
                    "it. Import or reactivate another one first."
                )
            )
    previous = fresh.status
    fresh.status = status
    fresh.save(update_fields=["status"])
    record(
        actor,
        AuditAction.INSTRUMENT_STATUS_CHANGED,
        obj=fresh,
        detail={"from": previous, "to": status},
    )
    return fresh


# --- safety numbers and the decision table -------------------------------------------------

# Digits with the usual separators; a leading + for international numbers. Letters
# (1-855-FLA-SAFE) are for the name: a tel: link needs digits.
_NUMBER = re.compile(r"\+?\(?[0-9][0-9 ().-]*")
_MIN_DIGITS = 3  # 911, 711


def _number_problem(value: str, what: str, *, required: bool) -> str | None:
    if not value:
        return _("Fill in “%(what)s”.") % {"what": what} if required else None
    if not _NUMBER.fullmatch(value) or sum(ch.isdigit() for ch in value) < _MIN_DIGITS:
        return _(
            "Write “%(what)s” in digits (at least 3), with spaces, dashes or brackets "
            "if you like: for example 1-800-962-2873."
        ) % {"what": what}
    return None


def tel_digits(number: str) -> str:
    """The number as a tel: link wants it: digits, and a leading + if there was one."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return ("+" + digits) if number.strip().startswith("+") else digits


def _text_problem(value: str, what: str, limit: int) -> str | None:
    if not value:
        return _("Fill in “%(what)s”.") % {"what": what}
    if len(value) > limit:
        return _("Write “%(what)s” in at most %(n)d characters.") % {"what": what, "n": limit}
    return None


@transaction.atomic
def update_safety_line(
    *,
    actor: Actor,
    line: SafetyLine,
    name: str,
    phone: str,
    text_number: str,
    tty: str,
    when_to_use: str,
) -> SafetyLine:
    """Change a safety line's name, numbers or "when to use it".

    Caller: a network admin. The line's code (what the decision table names) stays. Calls
    already recorded keep the number as it was on the day. The audit entry names the line's
    code only.
    """
    policy.require(actor, Permission.MANAGE_SAFETY_LINES)
    name, phone = clean_text(name), clean_text(phone)
    text_number, tty = clean_text(text_number), clean_text(tty)
    when_to_use = " ".join(clean_text(when_to_use).split())
    problems = [
        problem
        for problem in (
            _text_problem(name, _("Name"), SafetyLine._meta.get_field("name").max_length or 0),
            _number_problem(phone, _("Phone number"), required=True),
            _number_problem(text_number, _("Text (SMS) number"), required=False),
            _number_problem(tty, _("TTY number"), required=False),
            _text_problem(
                when_to_use,
                _("When to use it"),
                SafetyLine._meta.get_field("when_to_use").max_length or 0,
            ),
        )
        if problem
    ]
    if problems:
        raise SafetySetupRefused(problems)
    fresh = SafetyLine.objects.select_for_update().filter(pk=line.pk).first()
    if fresh is None:
        raise policy.NotFound()
    fresh.name, fresh.phone, fresh.text_number = name, phone, text_number
    fresh.tty, fresh.when_to_use, fresh.updated_by = tty, when_to_use, actor.user
    fresh.save()
    record(actor, AuditAction.SAFETY_LINES_CHANGED, obj=fresh, detail={"line": fresh.code})
    return fresh


_REASON_MAX = SafetyRule._meta.get_field("reason").max_length or 300


def rule_problems(rows: Sequence[RuleRow], line_codes: set[str]) -> list[str]:
    """Every reason a decision table cannot be used, in words; none means it can."""
    problems: list[str] = []
    if not rows:
        problems.append(
            _("Keep at least one rule: without any, a screener would be told to call no one.")
        )
    positions = [row.position for row in rows]
    for position in sorted({p for p in positions if positions.count(p) > 1}):
        problems.append(
            _("Two rules have the order number %(n)d: give each rule its own.") % {"n": position}
        )
    for row in rows:
        label = _("Rule %(n)d") % {"n": row.position}
        if row.position < 0 or row.position > 32767:
            problems.append(_("%(rule)s: the order number must be 0 to 32767.") % {"rule": label})
        if row.line not in line_codes:
            problems.append(_("%(rule)s: choose a line to call.") % {"rule": label})
        for value, allowed in (
            (row.danger, Match.values),
            (row.in_state, Match.values),
            (row.suspected_abuse, Match.values),
            (row.age_group, AgeGroup.values),
        ):
            if value not in allowed:
                problems.append(
                    _("%(rule)s: %(value)r is not a choice here.") % {"rule": label, "value": value}
                )
        if not row.reason.strip():
            problems.append(
                _("%(rule)s: say why to call (the screener reads it).") % {"rule": label}
            )
        elif len(row.reason) > _REASON_MAX:
            problems.append(
                _("%(rule)s: write why in at most %(n)d characters.")
                % {"rule": label, "n": _REASON_MAX}
            )
    return problems


@transaction.atomic
def replace_safety_rules(*, actor: Actor, rows: Sequence[RuleRow]) -> list[SafetyRule]:
    """Replace the whole decision table with `rows`.

    Caller: a network admin. Every row must name a line that exists and have its own order
    number; the table is replaced in one transaction, so a screening never sees half a table.
    The audit entry holds the number of rules and the lines they name.
    """
    policy.require(actor, Permission.MANAGE_SAFETY_LINES)
    rows = [
        RuleRow(
            position=row.position,
            danger=row.danger,
            age_group=row.age_group,
            in_state=row.in_state,
            suspected_abuse=row.suspected_abuse,
            line=row.line,
            reason=" ".join(clean_text(row.reason).split()),
        )
        for row in rows
    ]
    lines = {line.code: line for line in SafetyLine.objects.select_for_update()}
    problems = rule_problems(rows, set(lines))
    if problems:
        raise SafetySetupRefused(problems)
    SafetyRule.objects.all().delete()
    made = SafetyRule.objects.bulk_create(
        SafetyRule(
            position=row.position,
            danger=row.danger,
            age_group=row.age_group,
            in_state=row.in_state,
            suspected_abuse=row.suspected_abuse,
            line=lines[row.line],
            reason=row.reason,
        )
        for row in sorted(rows, key=lambda row: row.position)
    )
    record(
        actor,
        AuditAction.SAFETY_LINES_CHANGED,
        detail={"rules": len(made), "lines": sorted({row.line for row in rows})},
    )
    return made


# --- screening training ------------------------------------------------------------------


def _require_certifier(actor: Actor, membership: Membership) -> None:
    policy.require(actor, Permission.CERTIFY_SCREENERS)
    if membership.agency_id != actor.agency_id:
        raise Forbidden(_("Only a supervisor or admin of their own agency records this."))
    if membership.role not in policy.SCREENER_ROLES:
        raise TrainingRefused(
            _("People in this role do not screen: there is no screening training to record.")
        )


def _locked_membership(membership: Membership) -> Membership:
    fresh = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if fresh is None:
        raise policy.NotFound()
    return fresh


@transaction.atomic
def certify_screener(
    *,
    actor: Actor,
    membership: Membership,
    certified_on: date,
    until: date | None = None,
) -> Membership:
    """Record that the person completed approved screening training on `certified_on`,
    current until `until` (by default CONTINUUM_SCREENING_TRAINING_DAYS later).

    Caller: a supervisor or agency admin of the membership's agency, for someone else (no one
    records their own training). The membership's role must be one that screens. A new record
    replaces the previous one.
    """
    _require_certifier(actor, membership)
    if membership.pk == actor.membership.pk or membership.user_id == actor.user.pk:
        raise TrainingRefused(_("Someone else at your agency records your own training."))
    if not membership.is_active:
        raise TrainingRefused(_("This person no longer works in this role here."))
    today = timezone.localdate()
    if certified_on > today:
        raise TrainingRefused(_("The training date cannot be in the future."))
    if certified_on.year < 1900:
        raise TrainingRefused(_("Check the year of the training date."))
    if until is None:
        until = certified_on + timedelta(days=int(settings.CONTINUUM_SCREENING_TRAINING_DAYS))
    if until <= certified_on:
        raise TrainingRefused(_("“Current until” must be after the training date."))
    fresh = _locked_membership(membership)
    fresh.screening_certified_on = certified_on
    fresh.screening_certified_until = until
    fresh.screening_certified_by = actor.user
    fresh.save(
        update_fields=[
            "screening_certified_on",
            "screening_certified_until",
            "screening_certified_by",
        ]
    )
    record(
        actor,
        AuditAction.SCREENER_CERTIFIED,
        obj=fresh,
        detail={
            "membership": fresh.pk,
            "certified_on": certified_on.isoformat(),
            "until": until.isoformat(),
        },
    )
    return fresh


@transaction.atomic
def end_screener_certification(*, actor: Actor, membership: Membership) -> Membership:
    """End someone's screening training now: they can no longer start screenings.

    Caller: a supervisor or agency admin of the membership's agency. The record stays, ended
    yesterday (so it reads "expired" from today); a record made today is removed. The audit
    entry keeps the history either way.
    """
    _require_certifier(actor, membership)
    fresh = _locked_membership(membership)
    today = timezone.localdate()
    started, until = fresh.screening_certified_on, fresh.screening_certified_until
    if started is None or started > today or (until is not None and until < today):
        raise TrainingRefused(_("This person has no current screening training to end."))
    yesterday = today - timedelta(days=1)
    if started <= yesterday:
        fresh.screening_certified_until = yesterday
    else:
        fresh.screening_certified_on = None
        fresh.screening_certified_until = None
        fresh.screening_certified_by = None
    fresh.save(
        update_fields=[
            "screening_certified_on",
            "screening_certified_until",
            "screening_certified_by",
        ]
    )
    record(
        actor,
        AuditAction.SCREENER_CERTIFIED,
        obj=fresh,
        detail={"membership": fresh.pk, "ended": today.isoformat()},
    )
    return fresh
