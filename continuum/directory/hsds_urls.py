"""The public HSDS 3.1 API, mounted at /hsds/ (continuum/urls.py); see hsds_api.py.

Paths are the standard's, without a trailing slash (/hsds/services); one is accepted too.
"""

from django.urls import path, re_path

from continuum.directory import hsds_api

app_name = "hsds"

urlpatterns = [
    path("", hsds_api.root, name="root"),
    path("openapi.json", hsds_api.openapi, name="openapi"),
    re_path(r"^services/?$", hsds_api.services, name="services"),
    re_path(r"^services/(?P<id>[^/]+)/?$", hsds_api.service, name="service"),
    re_path(r"^organizations/?$", hsds_api.organizations, name="organizations"),
    re_path(r"^organizations/(?P<id>[^/]+)/?$", hsds_api.organization, name="organization"),
    re_path(
        r"^service_at_locations/?$", hsds_api.service_at_locations, name="service_at_locations"
    ),
    re_path(
        r"^service_at_locations/(?P<id>[^/]+)/?$",
        hsds_api.service_at_location,
        name="service_at_location",
    ),
    re_path(r"^taxonomies/?$", hsds_api.taxonomies, name="taxonomies"),
    re_path(r"^taxonomies/(?P<id>[^/]+)/?$", hsds_api.taxonomy, name="taxonomy"),
    re_path(r"^taxonomy_terms/?$", hsds_api.taxonomy_terms, name="taxonomy_terms"),
    re_path(r"^taxonomy_terms/(?P<id>[^/]+)/?$", hsds_api.taxonomy_term, name="taxonomy_term"),
    # Anything else under /hsds/ is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>.*)$", hsds_api.unknown, name="unknown"),
]
