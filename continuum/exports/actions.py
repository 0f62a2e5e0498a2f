"""Every write of exports: ask, approve, refuse, download, and destroy what has expired.

Each action checks continuum.exports.policy (which builds on continuum.access.policy), runs in
one transaction, and writes one audit entry (continuum.exports.audit) in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor, Channel
from continuum.access.policy import NotFound
from continuum.accounts.models import Membership
from continuum.cases.models import Case, CaseStatus
from continuum.core.text import clean_text
from continuum.exports import policy
from continuum.exports.audit import ExportAuditAction, record_export
from continuum.exports.models import (
    PURPOSE_MAX,
    PURPOSE_MIN,
    REASON_MAX,
    REASON_MIN,
    Export,
    ExportStatus,
)
from continuum.exports.packing import About, pack_record
from continuum.exports.queries import expired_exports
from continuum.survivors.models import Survivor
from continuum.survivors.queries import survivor_for


class ExportRefused(Exception):
    """The request or decision was not made; the message says why, in words for a form."""


class ExportAlreadyDecided(ExportRefused):
    """Someone decided on this export first (two supervisors at once): nothing changed."""


class ExportUnavailable(Exception):
    """The export cannot be downloaded: not approved, or past its time (its file gone or
    going). The message says which."""


def _clean(text: str, *, minimum: int, maximum: int, what: str) -> str:
    cleaned = clean_text(text or "")
    # Counted without runs of spaces: padding does not make a purpose or a reason.
    if len(" ".join(cleaned.split())) < minimum:
        raise ExportRefused(
            _("Write %(what)s in at least %(n)d characters.") % {"what": what, "n": minimum}
        )
    if len(cleaned) > maximum:
        raise ExportRefused(
            _("Write %(what)s in at most %(n)d characters.") % {"what": what, "n": maximum}
        )
    return cleaned


def _led_case(actor: Actor, survivor: Survivor) -> Case | None:
    """The case the actor's agency leads (the current one, else the newest): its reference
    names the record in queues."""
    led = Case.objects.filter(survivor=survivor, lead_agency_id=actor.agency_id)
    current = led.exclude(status=CaseStatus.CLOSED).order_by("-opened_on").first()
    return current or led.order_by("-opened_on", "-created_at").first()


@transaction.atomic
def request_export(*, actor: Actor, survivor: Survivor, purpose: str) -> Export:
    """Ask for an export of this survivor's record, with a written purpose.

    Caller: a case manager or supervisor of the agency leading the person's care, who sees the
    record through their work (`survivor` comes from survivors.queries.survivor_for). Nothing
    is made: the request waits for a supervisor of the same agency, who is not the requester.
    The purpose is staff text and stays on the export, not in the audit entry.
    """
    policy.require_export_request(actor, survivor)
    text = _clean(purpose, minimum=PURPOSE_MIN, maximum=PURPOSE_MAX, what=_("the purpose"))
    export = Export.objects.create(
        survivor=survivor,
        case=_led_case(actor, survivor),
        requested_by=actor.user,
        membership=actor.membership,
        agency_id=actor.agency_id,
        purpose=text,
    )
    record_export(actor, ExportAuditAction.REQUESTED, export)
    return export


def _locked(export: Export) -> Export:
    """The export's row, locked until the transaction ends (PostgreSQL: FOR UPDATE; SQLite:
    the IMMEDIATE transaction already lets one writer in), read again: a decision is made on
    what is stored now, never on what a page loaded earlier."""
    fresh = (
        # of=self: lock the export's row only (PostgreSQL refuses FOR UPDATE on the nullable
        # side of the outer join to decided_by).
        Export.objects.select_for_update(of=("self",))
        .select_related("requested_by", "membership__agency", "agency", "decided_by")
        .filter(pk=export.pk)
        .first()
    )
    if fresh is None:
        raise NotFound()
    return fresh


def _require_undecided(export: Export) -> None:
    if export.status != ExportStatus.REQUESTED:
        who = (export.decided_by.get_full_name() if export.decided_by else "") or _("Someone")
        if export.status == ExportStatus.APPROVED:
            message = _("%(who)s has already approved this export. Nothing was changed.")
        else:
            message = _("%(who)s has already refused this export. Nothing was changed.")
        raise ExportAlreadyDecided(message % {"who": who})


def _requester(export: Export, via: Channel) -> Actor:
    membership: Membership = export.membership
    if not (membership.is_active and membership.agency.is_active and export.requested_by.is_active):
        raise ExportRefused(
            _("The person who asked no longer works in that role here. Refuse the request.")
        )
    return Actor(user=export.requested_by, membership=membership, via=via)


def _still_theirs_to_export(requester: Actor, export: Export) -> Survivor:
    """The record as the requester sees it now, if they may still export it: access and the
    lead agency may have changed since they asked."""
    try:
        survivor = survivor_for(requester, export.survivor_id, audit_read=False)
        policy.require_export_request(requester, survivor)
    except (NotFound, policy.Forbidden):
        raise ExportRefused(
            _(
                "The person who asked may no longer export this record (their access or the "
                "lead agency changed). Refuse the request."
            )
        ) from None
    return survivor


def _decide(export: Export, *, actor: Actor, status: ExportStatus, **fields: object) -> int:
    """Write the decision only if the export is still undecided (one conditional UPDATE:
    whatever the database's locking, two decisions cannot both be written)."""
    return Export.objects.filter(pk=export.pk, status=ExportStatus.REQUESTED).update(
        status=status, decided_by=actor.user, decided_at=timezone.now(), **fields
    )


def _lost_the_race(export: Export) -> None:
    export.refresh_from_db()
    _require_undecided(export)
    raise ExportAlreadyDecided(_("Someone else has already decided on this export."))


@transaction.atomic
def approve_export(*, actor: Actor, export: Export) -> Export:
    """Approve an export: make the file now, from what the requester may see.

    Caller: a supervisor of the export's agency who did not ask for it. The record is read as
    the requester (agency, role, releases in force now) and packed into an AES-256 ZIP with a
    new passphrase; both are sealed at rest. The requester may download it for
    CONTINUUM_EXPORT_HOURS. A second decision on the same export is refused
    (ExportAlreadyDecided), whoever came first.
    """
    policy.require_export_decision(actor, export)
    export = _locked(export)
    _require_undecided(export)
    requester = _requester(export, actor.via)
    survivor = _still_theirs_to_export(requester, export)
    now = timezone.now()
    hours = int(settings.CONTINUUM_EXPORT_HOURS)
    packed = pack_record(
        requester=requester,
        survivor=survivor,
        about=About(
            export_id=str(export.pk),
            purpose=export.purpose,
            requested_by=export.requested_by.get_full_name() or export.requested_by.username,
            requested_at=export.requested_at,
            agency=export.agency.name,
            role=requester.membership.get_role_display(),
            approved_by=actor.user.get_full_name() or actor.user.username,
            approved_at=now,
        ),
    )
    archive_field = Export._meta.get_field("archive")
    passphrase_field = Export._meta.get_field("passphrase")
    written = _decide(
        export,
        actor=actor,
        status=ExportStatus.APPROVED,
        expires_at=now + timedelta(hours=hours),
        archive=archive_field.seal_for(export.pk, packed.archive),
        passphrase=passphrase_field.seal_for(export.pk, packed.passphrase),
        size=len(packed.archive),
    )
    if not written:
        _lost_the_race(export)
    export.refresh_from_db()
    record_export(
        actor,
        ExportAuditAction.APPROVED,
        export,
        detail={
            "hours": hours,
            "categories": packed.categories,
            "withheld": packed.withheld,
            "cases": packed.cases,
            "bytes": len(packed.archive),
        },
    )
    return export


@transaction.atomic
def refuse_export(*, actor: Actor, export: Export, reason: str) -> Export:
    """Refuse an export, saying why. Nothing is ever made for it.

    Caller: a supervisor of the export's agency who did not ask for it. The reason is shown to
    the requester and stays on the export, not in the audit entry.
    """
    policy.require_export_decision(actor, export)
    text = _clean(reason, minimum=REASON_MIN, maximum=REASON_MAX, what=_("the reason"))
    export = _locked(export)
    _require_undecided(export)
    if not _decide(export, actor=actor, status=ExportStatus.REFUSED, refusal_reason=text):
        _lost_the_race(export)
    export.refresh_from_db()
    record_export(actor, ExportAuditAction.REFUSED, export)
    return export


@dataclass(frozen=True)
class Download:
    filename: str
    content: bytes


@transaction.atomic
def download_export(*, actor: Actor, export: Export) -> Download:
    """The encrypted ZIP, for the person who asked, while the export is ready (its time is
    checked now, at this request). Each download is audited."""
    policy.require_export_download(actor, export)
    export = _locked(export)
    if export.status != ExportStatus.APPROVED:
        raise ExportUnavailable(_("This export has not been approved."))
    if not export.ready or export.archive is None:
        raise ExportUnavailable(_("This export has expired: its file is no longer available."))
    content = bytes(export.archive)
    Export.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
    record_export(actor, ExportAuditAction.DOWNLOADED, export, detail={"bytes": len(content)})
    # Ids only in the name: the file name ends up in download folders and e-mail subjects.
    return Download(f"continuum-export-{str(export.pk)[:8]}.zip", content)


@transaction.atomic
def destroy_export_file(
    *, export: Export, run_id: str, now: datetime | None = None, via: str = "cli"
) -> bool:
    """Destroy, for good, the file and passphrase of one export past its time; keep the row
    (who asked, why, who decided, when) as the record of the disclosure. One audit entry
    without content. Returns False, changing nothing, if it is gone or not due any more.

    Caller: the retention purge (command line or worker), never a user's request.
    """
    moment = now or timezone.now()
    gone = Export.objects.filter(
        pk=export.pk,
        status=ExportStatus.APPROVED,
        destroyed_at__isnull=True,
        expires_at__lte=moment,
    ).update(archive=None, passphrase=None, destroyed_at=moment)
    if not gone:
        return False
    record_export(None, ExportAuditAction.DESTROYED, export, detail={"run": run_id}, via=via)
    return True


def destroy_expired_exports(*, run_id: str, now: datetime | None = None, via: str = "cli") -> int:
    """Destroy the file of every export past its time, one export per transaction; return how
    many. Interrupted, it leaves each export either destroyed or untouched; rerun finishes."""
    moment = now or timezone.now()
    return sum(
        destroy_export_file(export=export, run_id=run_id, now=moment, via=via)
        for export in list(expired_exports(now=moment))
    )
