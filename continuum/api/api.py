"""The API shell: django-ninja at /api/v1, personal access tokens only."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(
    title="Continuum API",
    version="1",
    urls_namespace="api",
    docs_url=None,
)
