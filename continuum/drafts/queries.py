"""Every read of drafts: a person's own draft of one form, and how many are past their time."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from continuum.access.actor import Actor
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.drafts.models import Draft


def restore(actor: Actor, key: str) -> Draft | None:
    """The actor's own draft of the form `key` (this user, acting for this membership), or
    None. A draft past its time is deleted here rather than shown. Opening one is a read of
    what was typed about a survivor, so it writes DRAFT_RESTORED (without the text).

    Callers check first that the actor may open the form itself: restore() knows nothing of
    the case, only that the draft is the actor's.
    """
    draft = Draft.objects.filter(user=actor.user, membership=actor.membership, key=key).first()
    if draft is None:
        return None
    if draft.expires_at <= timezone.now():
        Draft.objects.filter(pk=draft.pk, expires_at__lte=timezone.now()).delete()
        return None
    record(
        actor,
        AuditAction.DRAFT_RESTORED,
        survivor_id=draft.survivor_id,
        obj=draft,
        detail={"form": key},
    )
    return draft


def expired_drafts(*, now: datetime | None = None) -> int:
    """How many drafts are past their time: the next purge deletes them. A count only."""
    return Draft.objects.filter(expires_at__lte=now or timezone.now()).count()
