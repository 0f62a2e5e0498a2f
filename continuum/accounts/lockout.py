"""What django-axes stores about failed sign-ins: a keyed digest of the typed username.

People type passwords into the username box. Axes keeps each failed attempt's username in its
table so it can count them; storing a keyed digest instead still counts per username (the
same typed text gives the same digest) but keeps nothing that can be read back.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.http import HttpRequest


def lockout_key(typed_username: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"lockout:{typed_username}".encode(), hashlib.sha256
    )
    return "u-" + digest.hexdigest()[:40]


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """AXES_USERNAME_CALLABLE: axes calls it with the credentials or the POSTed form."""
    typed = (credentials or {}).get("username")
    if typed is None:
        typed = request.POST.get("username", "") if request.method == "POST" else ""
    return lockout_key(str(typed))
