from django.urls import include, path
from django.views.generic import RedirectView

from continuum.api.api import api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:my_work", permanent=False), name="home"),
    path("accounts/", include("continuum.accounts.urls")),
    path("survivors/", include("continuum.survivors.urls")),
    path("cases/", include("continuum.cases.urls")),
    path("access/", include("continuum.access.urls")),
    path("exports/", include("continuum.exports.urls")),
    path("screening/", include("continuum.screening.urls")),
    path("drafts/", include("continuum.drafts.urls")),
    path("needs/", include("continuum.needs.urls")),
    path("plans/", include("continuum.plans.urls")),
    path("measures/", include("continuum.outcomes.urls")),
    path("protocols/", include("continuum.protocols.urls")),
    path("mdt/", include("continuum.mdt.urls")),
    path("directory/", include("continuum.directory.urls")),
    path("referrals/", include("continuum.referrals.urls")),
    path("api/v1/", api.urls),
    path("hsds/", include("continuum.directory.hsds_urls")),
]

handler400 = "continuum.core.errors.bad_request"
handler403 = "continuum.core.errors.permission_denied"
handler404 = "continuum.core.errors.page_not_found"
handler500 = "continuum.core.errors.server_error"
