"""Response headers that every page needs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers, patch_cache_control


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
