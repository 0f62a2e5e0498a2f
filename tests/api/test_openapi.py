"""The OpenAPI document is a tested artifact: public, complete, and every operation secured.

The route walk reads the operations ninja actually serves (its bound routers, the same list
it builds URL patterns from), so a route added without auth, or hidden from the document,
fails here.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from ninja.operation import Operation

from continuum.api.api import api
from continuum.api.tokens import TokenAuth

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"


@pytest.fixture
def document() -> dict:
    response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json()


def served_operations() -> list[tuple[str, str, Operation]]:
    """(path as in the document, method, operation) for every operation ninja serves."""
    found = []
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            full = "/".join(part.strip("/") for part in (PREFIX, bound.prefix, path) if part)
            full = "/" + full.strip("/")
            for operation in path_view.operations:
                for method in operation.methods:
                    found.append((full, method.lower(), operation))
    return found


def test_openapi_document_is_public(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Continuum API"
    assert reverse("api:openapi-json") == f"{PREFIX}/openapi.json"


def test_bearer_scheme_is_declared(document):
    assert document["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


def test_the_walk_finds_the_routes_we_know():
    routes = {(path, method) for path, method, _op in served_operations()}
    expected = {
        ("/api/v1/me", "get"),
        ("/api/v1/survivors/search", "post"),
        ("/api/v1/survivors", "post"),
        ("/api/v1/survivors/{survivor_id}", "get"),
        ("/api/v1/survivors/{survivor_id}", "patch"),
        ("/api/v1/survivors/{survivor_id}/cases", "get"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/{case_id}", "get"),
        ("/api/v1/cases/{case_id}", "patch"),
        ("/api/v1/cases/{case_id}/status", "post"),
        ("/api/v1/cases/{case_id}/timeline", "get"),
        ("/api/v1/cases/{case_id}/care-team", "post"),
        ("/api/v1/cases/{case_id}/care-team/{member_id}", "delete"),
        ("/api/v1/dashboard", "get"),
    }
    assert expected <= routes


def test_every_served_route_is_documented_and_requires_a_token(document):
    operations = served_operations()
    assert operations
    for path, method, operation in operations:
        assert path in document["paths"], f"{path} is served but not in the OpenAPI document"
        described = document["paths"][path]
        assert method in described, f"{method.upper()} {path} is not in the OpenAPI document"
        assert described[method].get("security") == [{"TokenAuth": []}], (
            f"{method.upper()} {path} does not require a token"
        )
        callbacks = operation.auth_callbacks
        assert callbacks, f"{method.upper()} {path} has no auth"
        assert all(isinstance(cb, TokenAuth) for cb in callbacks), (
            f"{method.upper()} {path} accepts something other than a token"
        )


def test_document_has_nothing_that_is_not_served(document):
    served = {(path, method) for path, method, _op in served_operations()}
    for path, methods in document["paths"].items():
        for method in methods:
            assert (path, method) in served


def test_every_route_refuses_a_request_without_a_token(case_manager_a):
    """Not only documented: actually enforced, for every served route."""
    client = Client()
    for path, method, _op in served_operations():
        url = (
            path.replace("{survivor_id}", "00000000-0000-0000-0000-000000000000")
            .replace("{case_id}", "00000000-0000-0000-0000-000000000000")
            .replace("{member_id}", "1")
        )
        response = getattr(client, method)(url, content_type="application/json")
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code}"


def test_no_schema_exposes_search_key(document):
    assert "search_key" not in str(document)


def test_ids_are_documented_as_uuid_strings(document):
    survivor = document["components"]["schemas"]["SurvivorOut"]["properties"]["id"]
    assert survivor == {"format": "uuid", "title": "Id", "type": "string"}
