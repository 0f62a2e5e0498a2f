"""Agencies and people named in API input by id.

These belong in an `accounts.queries` module (the accounts package has none yet); they live
here until it exists. Neither reveals anything about survivors: agencies are the network's
public directory, and a person id only resolves to someone who may be put on a care team.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from continuum.accounts.models import Agency, User
from continuum.api.errors import InvalidInput
from continuum.cases.actions import CaseRuleBroken


def agency_named(agency_id: int) -> Agency:
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        raise InvalidInput(_("There is no agency with that id."))
    return agency


def person_named(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        # The same words as the action uses for "not in that agency", so that the answer
        # does not tell which user ids exist.
        raise CaseRuleBroken(_("That person does not work for that agency."))
    return user
