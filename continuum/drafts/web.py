"""What a view calls to give one of its forms drafts.

    draft = draft_for(request, actor, key=f"plans.plan:{case.pk}",
                      survivor_id=case.survivor_id, form_class=PlanForm)
    form = PlanForm(posted(request), initial={**usual_initial, **draft.initial})
    ...after the action succeeded:  forget_draft(actor, draft.key)

and in the template:

    {% include "drafts/_restored.html" %}           (the banner, when a draft came back)
    <form method="post" ...{{ draft.attrs }}>       (drafts.js autosaves this form)

The page carries a signed token naming the form's key, the survivor, the user and the
membership it was rendered for; the save endpoint keeps a draft only under a token it signed,
so a page cannot invent keys or keep drafts against a survivor it was given no form for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html
from django.utils.safestring import SafeString

from continuum.access.actor import Actor
from continuum.accounts.sessions import SESSION_BEGAN
from continuum.drafts import actions, queries
from continuum.drafts.models import Draft

type FormClass = type[forms.Form] | type[forms.ModelForm[Any]]

# The signer's salt: a token made for drafts is worth nothing to any other signed value.
_SALT = "continuum.drafts.form"


class BadDraftKey(Exception):
    """The token is forged, garbled, too old, or was made for someone else."""


@dataclass(frozen=True)
class DraftKey:
    """What a signed token says: which form, about whom, for whom."""

    key: str
    survivor_id: UUID | None
    user_id: int
    membership_id: int


def sign_key(actor: Actor, key: str, survivor_id: UUID | None) -> str:
    return signing.TimestampSigner(salt=_SALT).sign_object(
        {
            "k": key,
            "s": str(survivor_id) if survivor_id else None,
            "u": actor.user.pk,
            "m": actor.membership.pk,
        }
    )


def unsign_key(token: str, actor: Actor) -> DraftKey:
    """The form a token names, if this server signed it for this actor (user and membership)
    within a working day (the longest a session lasts); else BadDraftKey."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=settings.SESSION_COOKIE_AGE
        )
        found = DraftKey(
            key=str(value["k"]),
            survivor_id=UUID(value["s"]) if value["s"] else None,
            user_id=int(value["u"]),
            membership_id=int(value["m"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise BadDraftKey from None
    # After "Acting for" changed (in another tab), the old page must not keep its draft under
    # the new agency's membership.
    if found.user_id != actor.user.pk or found.membership_id != actor.membership.pk:
        raise BadDraftKey
    return found


@dataclass(frozen=True)
class DraftForm:
    key: str
    token: str
    save_url: str
    restored: Draft | None = None
    # Usable as a form's `initial=`: what the draft held, for the form class's fields.
    initial: dict[str, Any] = field(default_factory=dict)
    # The draft was kept in an earlier session: the person was signed out since.
    interrupted: bool = False

    @property
    def attrs(self) -> SafeString:
        """The <form> tag's attributes that drafts.js looks for."""
        return format_html('data-draft-key="{}" data-draft-url="{}"', self.token, self.save_url)


def draft_for(
    request: HttpRequest,
    actor: Actor,
    *,
    key: str,
    survivor_id: UUID | None,
    form_class: FormClass,
    prefix: str | None = None,
) -> DraftForm:
    """Drafts for one form on this page: the attributes for its <form> tag, and — on a GET —
    the actor's draft of it restored (audited), with `initial` values for `form_class`.

    Call it only once the actor is known to be allowed the form (after the view's own
    queries): it restores whatever the actor kept under `key`. On a POST nothing is restored:
    the form shows what was posted.
    """
    token = sign_key(actor, key, survivor_id)
    save_url = reverse("drafts:save")
    if request.method != "GET":
        return DraftForm(key=key, token=token, save_url=save_url)
    restored = queries.restore(actor, key)
    if restored is None:
        return DraftForm(key=key, token=token, save_url=save_url)
    return DraftForm(
        key=key,
        token=token,
        save_url=save_url,
        restored=restored,
        initial=initial_from(restored.fields, form_class, prefix=prefix),
        interrupted=_kept_before_this_session(request, restored.saved_at),
    )


def forget_draft(actor: Actor, key: str) -> None:
    """After the form was saved: its draft has done its work."""
    actions.forget_after_save(actor=actor, key=key)


def initial_from(
    fields: dict[str, list[str]],
    form_class: FormClass,
    *,
    prefix: str | None = None,
) -> dict[str, Any]:
    """The draft's values as a form's `initial`, read the way the form reads a submission
    (each field's widget): one value for an ordinary field, a list for a multiple choice, a
    boolean for a checkbox. Fields the form does not have are left out, and so are files
    (never kept). Hidden fields come back too: a VersionField restored with the version the
    draft was typed against makes a save after someone else's change an edit conflict,
    not a silent overwrite."""
    data = QueryDict(mutable=True)
    for name, values in fields.items():
        data.setlist(name, values)
    initial: dict[str, Any] = {}
    for name, form_field in form_class.base_fields.items():
        widget = form_field.widget
        if isinstance(form_field, forms.FileField):
            continue
        html_name = f"{prefix}-{name}" if prefix else name
        value = widget.value_from_datadict(data, MultiValueDict(), html_name)
        if isinstance(widget, forms.CheckboxInput):
            initial[name] = bool(value)
        elif value is None or (
            isinstance(widget, forms.MultiWidget)
            and isinstance(value, list)
            and all(part is None for part in value)
        ):
            continue
        else:
            initial[name] = value
    return initial


def _kept_before_this_session(request: HttpRequest, saved_at: datetime) -> bool:
    began = request.session.get(SESSION_BEGAN)
    if began is None:
        return True
    return saved_at.timestamp() < float(began)
