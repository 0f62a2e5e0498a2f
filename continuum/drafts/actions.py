"""Every write to drafts: keeping what someone typed, discarding it, forgetting it once the
form is saved, and destroying drafts past their time.

A draft is the person's own unsaved typing, sealed at rest. It is not a record of the case:
the form's real save writes the record (and its own audit entry). So the audit log says that
a draft was kept, restored or discarded, with the form's key and a count of fields, never
what was typed; and autosaving the same draft again writes no entry at all.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.drafts.models import Draft
from continuum.survivors.models import Survivor

# A long assessment fits many times over. 64 KiB is also what a browser lets a keepalive
# request carry, which is how drafts.js saves as the page is left.
MAX_BYTES = 64 * 1024
MAX_FIELDS = 200
KEY_MAX_LENGTH = 200
FIELD_NAME_MAX_LENGTH = 200


class DraftRefused(ValueError):
    """The draft cannot be kept as it is; the message says why (and never quotes it)."""


class DraftTooLarge(DraftRefused):
    """More than MAX_BYTES of typing, or more than MAX_FIELDS fields."""


def clean_fields(data: Any) -> dict[str, list[str]]:
    """{name: [values]} from what a page sent, or DraftRefused. A single value is taken as a
    list of one; anything but text is refused."""
    if not isinstance(data, dict):
        raise DraftRefused(_("A draft is a set of named fields."))
    if len(data) > MAX_FIELDS:
        raise DraftTooLarge(
            _("A draft holds at most %(max)d fields; this one has %(count)d.")
            % {"max": MAX_FIELDS, "count": len(data)}
        )
    cleaned: dict[str, list[str]] = {}
    for name, values in data.items():
        if not isinstance(name, str) or not name or len(name) > FIELD_NAME_MAX_LENGTH:
            raise DraftRefused(_("A field of the draft has no usable name."))
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not all(isinstance(v, str) for v in listed):
            raise DraftRefused(_("A field of the draft holds something other than text."))
        cleaned[name] = listed
    return cleaned


def _sealed_text(fields: dict[str, list[str]]) -> str:
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode()) > MAX_BYTES:
        raise DraftTooLarge(
            _("A draft holds at most %(kb)d KB of typing.") % {"kb": MAX_BYTES // 1024}
        )
    return text


def _expiry(now: datetime) -> datetime:
    return now + timedelta(hours=settings.CONTINUUM_DRAFT_HOURS)


@transaction.atomic
def keep_draft(*, actor: Actor, key: str, survivor_id: UUID | None, data: Any) -> Draft:
    """Keep (or replace) the actor's draft of the form `key`, about `survivor_id`.

    Caller: the drafts save endpoint, with a key and survivor the page was signed for (see
    continuum.drafts.web), so nobody keeps a draft against a person they have no form for.
    Anyone acting for a membership may call it: a draft is only ever theirs. Refuses
    (DraftRefused, DraftTooLarge) malformed or oversized data. Writes DRAFT_KEPT only when
    the draft is new (not on every autosave), without the typed text.
    """
    if not key or len(key) > KEY_MAX_LENGTH:
        raise DraftRefused(_("This form cannot keep drafts."))
    fields = clean_fields(data)
    text = _sealed_text(fields)
    if survivor_id is not None and not Survivor._base_manager.filter(pk=survivor_id).exists():
        # Destroyed since the page was shown (the retention purge): nothing to keep it for.
        raise DraftRefused(_("This record no longer exists."))
    now = timezone.now()
    mine = Draft.objects.filter(user=actor.user, membership=actor.membership, key=key)
    draft = mine.select_for_update().first()
    if draft is not None and draft.expires_at <= now:
        # A dead draft is not brought back to life by new typing: this is a new one.
        draft.delete()
        draft = None
    if draft is not None:
        draft.data = text
        draft.survivor_id = survivor_id
        draft.saved_at = now
        draft.expires_at = _expiry(now)
        draft.save(update_fields=["data", "survivor", "saved_at", "expires_at"])
        return draft
    draft = Draft(
        user=actor.user,
        membership=actor.membership,
        key=key,
        survivor_id=survivor_id,
        data=text,
        saved_at=now,
        expires_at=_expiry(now),
    )
    try:
        with transaction.atomic():
            draft.save(force_insert=True)
    except IntegrityError:
        # Another tab's autosave created it a moment ago: this one replaces its content.
        other = mine.select_for_update().get()
        other.data = text
        other.survivor_id = survivor_id
        other.saved_at = now
        other.expires_at = _expiry(now)
        other.save(update_fields=["data", "survivor", "saved_at", "expires_at"])
        return other
    record(
        actor,
        AuditAction.DRAFT_KEPT,
        survivor_id=survivor_id,
        obj=draft,
        detail={"form": key, "fields": len(fields)},
    )
    return draft


@transaction.atomic
def discard_draft(*, actor: Actor, key: str) -> bool:
    """The actor throws away what was kept of their form `key` ("Discard what was kept").

    Caller: the drafts discard endpoint. Only the actor's own draft (this user, this
    membership) can be discarded. Writes DRAFT_DISCARDED when there was one; returns whether
    there was.
    """
    draft = (
        Draft.objects.select_for_update()
        .filter(user=actor.user, membership=actor.membership, key=key)
        .first()
    )
    if draft is None:
        return False
    survivor_id, draft_id = draft.survivor_id, draft.pk
    draft.delete()
    record(
        actor,
        AuditAction.DRAFT_DISCARDED,
        survivor_id=survivor_id,
        detail={"form": key, "draft": str(draft_id)},
    )
    return True


def forget_after_save(*, actor: Actor, key: str) -> None:
    """Delete the actor's draft of `key` because the form itself was just saved.

    Caller: a view, right after its action succeeded (through web.forget_draft). Silent: the
    save that made the draft useless is audited by its own action.
    """
    Draft.objects.filter(user=actor.user, membership=actor.membership, key=key).delete()


def destroy_expired_drafts(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Delete every draft past its time, a batch per transaction; return how many.

    Caller: the retention purge (`continuum purge`). Interrupted, it leaves every batch
    either deleted or untouched; a rerun finishes. Not audited one by one: a draft's end
    is the rule CONTINUUM_DRAFT_HOURS, not anyone's act, and it held no record of the case.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    moment = now or timezone.now()
    destroyed = 0
    while True:
        batch = list(
            Draft.objects.filter(expires_at__lte=moment)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return destroyed
        with transaction.atomic():
            deleted, _per_model = Draft.objects.filter(
                pk__in=batch, expires_at__lte=moment
            ).delete()
        destroyed += deleted
