"""The referrals section of a case on the survivor page (survivors/detail.html): the case's
referrals and where each stands, for the people of the agency that sent them. One query per
case, whatever the number of referrals."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from continuum.cases.models import Case
from continuum.referrals import queries

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html", takes_context=True)
def case_referrals(context: template.Context, case: Case) -> dict[str, Any]:
    actor = context.get("actor")
    if actor is None or case.lead_agency_id != actor.agency_id:
        return {"shown": False}
    today = timezone.localdate()
    found = list(queries.referrals_of_case(actor, case.pk).order_by("-created_at"))
    return {
        "shown": bool(found) or queries.may_refer(actor),
        "rows": [(r, queries.is_overdue(r, today)) for r in found],
    }
