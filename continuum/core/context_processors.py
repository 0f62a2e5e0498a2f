"""What every page of the shell needs: the acting agency, the switcher, the idle timer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    return {
        "actor": getattr(request, "actor", None),
        "memberships": getattr(request, "memberships", []),
        "idle_timeout_seconds": settings.IDLE_TIMEOUT_SECONDS,
        "idle_warning_seconds": settings.IDLE_WARNING_SECONDS,
        "quick_exit_url": settings.QUICK_EXIT_URL,
        "lockout_minutes": round(settings.AXES_COOLOFF_TIME * 60),
    }
