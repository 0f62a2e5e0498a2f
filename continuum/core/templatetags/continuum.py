from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from continuum.core.text import in_sentence
from continuum.survivors.models import Survivor

register = template.Library()


@register.filter
def age(survivor: Survivor) -> str:
    """ "15", "about 15" for an estimate, or a dash."""
    years = survivor.age_on(timezone.localdate())
    if years is None:
        return "—"
    if survivor.date_of_birth:
        return str(years)
    return _("about %(years)s") % {"years": years}


@register.filter
def yes_no_unknown(value: bool | None) -> str:
    if value is None:
        return _("Not asked yet")
    return _("Yes") if value else _("No")


@register.filter(name="in_sentence")
def in_sentence_filter(label: object) -> str:
    """A choice label inside a sentence ("clinician", but "MDT coordinator")."""
    return in_sentence(label)
