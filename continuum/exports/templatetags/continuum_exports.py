"""`{% export_record_link survivor %}`: the survivor page's "Export this record" link, shown
only to those who may ask for an export of that record (continuum.exports.policy)."""

from __future__ import annotations

from typing import Any

from django import template

from continuum.access.actor import Actor
from continuum.exports import policy
from continuum.survivors.models import Survivor

register = template.Library()


@register.inclusion_tag("exports/_record_link.html", takes_context=True)
def export_record_link(context: dict[str, Any], survivor: Survivor) -> dict[str, Any]:
    actor = context.get("actor")
    # One query (the person's cases), only for roles that may export at all.
    allowed = (
        isinstance(actor, Actor)
        and policy.can_request_exports(actor)
        and policy.may_request_export(actor, survivor)
    )
    return {"survivor": survivor, "allowed": allowed}
