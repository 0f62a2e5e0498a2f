"""The API shell: django-ninja at /api/v1, personal access tokens only.

Every operation requires a token (auth is set here, for the whole API, and
tests/api/test_openapi.py fails if a route is added without it). The OpenAPI document at
/api/v1/openapi.json is public: it describes the API, not anyone's data.
"""

from __future__ import annotations

from ninja import NinjaAPI

from continuum.api import cases, me, survivors
from continuum.api.errors import install_error_handlers
from continuum.api.tokens import TokenAuth
from continuum.directory import api as directory
from continuum.exports import api as exports
from continuum.mdt import api as mdt
from continuum.needs import api as needs
from continuum.outcomes import api as outcomes
from continuum.plans import api as plans
from continuum.protocols import api as protocols
from continuum.referrals import api as referrals
from continuum.referrals import match_api
from continuum.screening import api as screening

api = NinjaAPI(
    title="Continuum API",
    version="1",
    description=(
        "Case management for agencies serving child survivors of sex trafficking. "
        "Authenticate with a personal access token: `Authorization: Bearer cnt_…`. "
        "See docs/api.md."
    ),
    urls_namespace="api",
    docs_url=None,
    auth=TokenAuth(),
)
install_error_handlers(api)

api.add_router("/me", me.router)
api.add_router("/survivors", survivors.router)
api.add_router("/cases", cases.router)
api.add_router("/dashboard", cases.dashboard_router)
api.add_router("/exports", exports.router)
api.add_router("/screening", screening.router)
api.add_router("/measures", outcomes.router)
api.add_router("/needs", needs.router)
# Parts of a case: the needs assessment, the care plan and appointments.
api.add_router("/cases", needs.case_router)
api.add_router("/cases", plans.router)
api.add_router("/dashboard", plans.dashboard_router)
api.add_router("/protocols", protocols.router)
api.add_router("/mdt", mdt.router)
api.add_router("/directory", directory.router)
api.add_router("/referrals", referrals.router)
# Matching services and placements to a young person (continuum/referrals/match_api.py).
api.add_router("/matches", match_api.router)
