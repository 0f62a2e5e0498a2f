"""Response headers that every page needs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control

# Browser features no page of Continuum uses, switched off for the page and anything it might
# embed, so that an injected script (or a compromised vendored file) cannot ask for the
# camera, the microphone or where the person at the keyboard is. Names the current browsers
# recognise (an unknown name logs a console warning on every page: Chromium 156 knows neither
# bluetooth nor web-share). interest-cohort (FLoC) is gone;
# browsing-topics is its successor. Sign-in is by TOTP, so WebAuthn (publickey-credentials-*)
# is off too: allow it here if passkeys are ever added.
PERMISSIONS_POLICY_DENIED = (
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "display-capture",
    "encrypted-media",
    "gamepad",
    "geolocation",
    "gyroscope",
    "hid",
    "identity-credentials-get",
    "idle-detection",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "otp-credentials",
    "payment",
    "picture-in-picture",
    "publickey-credentials-create",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "storage-access",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in PERMISSIONS_POLICY_DENIED)


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set, on every response (static files too).

    Permissions-Policy denies the features above. Cross-Origin-Resource-Policy: same-origin
    stops another site's page from loading our responses (a page, a script, an image) as a
    sub-resource, which is also what keeps a cross-site page from timing or sizing them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class NoStoreMiddleware:
    """No page of a signed-in user may be kept by the browser or a proxy.

    A survivor's page left in a shared computer's cache or back-button history is a way for
    an exploiter to find them. Static files are served before this by WhiteNoise.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/static/"):
            return response
        add_never_cache_headers(response)
        patch_cache_control(response, no_store=True, private=True)
        return response
