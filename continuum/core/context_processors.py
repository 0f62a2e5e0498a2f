"""What every page of the shell needs: the acting agency, the switcher, the idle timer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from continuum.screening.defaults import footer_lines


def shell(request: HttpRequest) -> dict[str, Any]:
    return {
        "actor": getattr(request, "actor", None),
        # The footer's numbers: the community's own (a query only when a page shows them).
        "footer_lines": SimpleLazyObject(footer_lines),
        "memberships": getattr(request, "memberships", []),
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_SECONDS,
        "idle_warning_seconds": settings.IDLE_WARNING_SECONDS,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "lockout_minutes": round(settings.AXES_COOLOFF_TIME * 60),
    }
