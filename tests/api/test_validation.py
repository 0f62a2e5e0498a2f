"""Bad input on every endpoint that takes a body: always a 4xx with a reason, never a 500,
and nothing written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from continuum.audit.models import AuditEntry
from continuum.cases.models import CareTeamMember, Case
from continuum.survivors.models import Survivor

pytestmark = pytest.mark.django_db

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()

# (method, path template, a valid body) for every endpoint that takes a body.
WRITE_ENDPOINTS: list[tuple[str, str, dict[str, Any]]] = [
    ("post", "/survivors", {"preferred_name": "Rosa"}),
    ("patch", "/survivors/{survivor}", {"version": 1, "pronouns": "she"}),
    ("post", "/cases", {"survivor_id": "{survivor}"}),
    ("patch", "/cases/{case}", {"version": 1, "report_received_on": None}),
    ("post", "/cases/{case}/status", {"version": 1, "status": "inactive"}),
    ("post", "/cases/{case}/care-team", {"agency_id": "{agency}", "role": "clinician"}),
]


@pytest.fixture
def targets(agency_b, supervisor_a):
    """A survivor without a case (recorded by supervisor_a, who sees it), and a case for
    another survivor, led by agency A."""
    from continuum.cases.actions import open_case
    from continuum.survivors.actions import SurvivorDetails, create_survivor

    survivor = create_survivor(
        actor=supervisor_a.actor, details=SurvivorDetails(preferred_name="Rosa")
    )
    other = create_survivor(actor=supervisor_a.actor, details=SurvivorDetails(preferred_name="T"))
    case = open_case(actor=supervisor_a.actor, survivor=other, report_received_on=None)
    return {"survivor": str(survivor.pk), "case": str(case.pk), "agency": agency_b.pk}


def _fill(value, targets):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return targets[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, targets) for k, v in value.items()}
    return value


def _path(template, targets):
    return template.format(**targets)


def _written():
    return (
        Survivor.objects.count(),
        Case.objects.count(),
        CareTeamMember.objects.count(),
        AuditEntry.objects.count(),
        list(Survivor.objects.values_list("version", flat=True)),
        list(Case.objects.values_list("version", flat=True)),
    )


@pytest.mark.parametrize(("method", "template", "valid"), WRITE_ENDPOINTS)
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", 422),  # no body at all
        ("{}", 422),
        ("null", 422),
        ("[]", 422),
        ('"text"', 422),
        ("42", 422),
        ("{not json", 400),
        ('{"version": ', 400),
    ],
)
def test_empty_and_malformed_bodies(as_supervisor, targets, method, template, valid, raw, expected):
    before = _written()
    response = getattr(as_supervisor, method)(_path(template, targets), raw=raw)
    assert response.status_code == expected, response.content
    assert "detail" in response.json()
    assert _written() == before


@pytest.mark.parametrize(("method", "template", "valid"), WRITE_ENDPOINTS)
def test_valid_body_works(as_supervisor, targets, method, template, valid):
    """The baseline for the tests below: each valid body is accepted."""
    response = getattr(as_supervisor, method)(_path(template, targets), _fill(valid, targets))
    assert response.status_code in (200, 201), response.json()


@pytest.mark.parametrize(("method", "template", "valid"), WRITE_ENDPOINTS)
def test_unknown_fields_are_refused(as_supervisor, targets, method, template, valid):
    body = _fill(valid, targets) | {"prefered_name": "typo"}
    before = _written()
    response = getattr(as_supervisor, method)(_path(template, targets), body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["type"] == "extra_forbidden"
    assert error["loc"][-1] == "prefered_name"
    assert _written() == before


@pytest.mark.parametrize(
    ("method", "template", "field", "bad"),
    [
        ("patch", "/survivors/{survivor}", "version", "1"),
        ("patch", "/survivors/{survivor}", "version", 0),
        ("patch", "/survivors/{survivor}", "version", 1.5),
        ("patch", "/survivors/{survivor}", "version", None),
        ("post", "/cases", "survivor_id", "not-a-uuid"),
        ("post", "/cases", "survivor_id", 12),
        ("post", "/cases", "report_received_on", TOMORROW),
        ("post", "/cases", "report_received_on", "yesterday"),
        ("post", "/cases", "report_received_on", 1700000000),
        ("patch", "/cases/{case}", "report_received_on", TOMORROW),
        ("patch", "/cases/{case}", "report_received_on", "2026-02-30"),
        ("patch", "/cases/{case}", "version", "one"),
        ("post", "/cases/{case}/status", "status", "Closed"),
        ("post", "/cases/{case}/status", "status", "archived"),
        ("post", "/cases/{case}/status", "closure_reason", "bored"),
        ("post", "/cases/{case}/status", "closure_reason", "goals_met"),  # not closing
        ("post", "/cases/{case}/status", "version", []),
        ("post", "/cases/{case}/care-team", "agency_id", "1"),
        ("post", "/cases/{case}/care-team", "agency_id", 0),
        ("post", "/cases/{case}/care-team", "user_id", "someone"),
        ("post", "/cases/{case}/care-team", "role", "boss"),
        ("post", "/cases/{case}/care-team", "role", None),
    ],
)
def test_wrong_values_are_422(as_supervisor, targets, method, template, field, bad):
    valid = _fill(
        dict(next(v for m, t, v in WRITE_ENDPOINTS if (m, t) == (method, template))), targets
    )
    before = _written()
    response = getattr(as_supervisor, method)(_path(template, targets), valid | {field: bad})
    assert response.status_code == 422, response.json()
    words = field.replace("_", " ")
    assert any(
        error["loc"][-1] == field or words in error["msg"] for error in response.json()["detail"]
    )
    assert _written() == before


@pytest.mark.parametrize(
    ("method", "template", "field"),
    [
        ("patch", "/survivors/{survivor}", "version"),
        ("post", "/cases", "survivor_id"),
        ("patch", "/cases/{case}", "version"),
        ("patch", "/cases/{case}", "report_received_on"),
        ("post", "/cases/{case}/status", "version"),
        ("post", "/cases/{case}/status", "status"),
        ("post", "/cases/{case}/care-team", "agency_id"),
        ("post", "/cases/{case}/care-team", "role"),
    ],
)
def test_required_fields(as_supervisor, targets, method, template, field):
    valid = _fill(
        dict(next(v for m, t, v in WRITE_ENDPOINTS if (m, t) == (method, template))), targets
    )
    valid.pop(field)
    response = getattr(as_supervisor, method)(_path(template, targets), valid)
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]
    assert response.json()["detail"][0]["type"] == "missing"


# --- survivor fields ------------------------------------------------------------------------

TEXT_FIELDS = {
    "legal_given_name": 100,
    "legal_family_name": 100,
    "preferred_name": 100,
    "pronouns": 40,
    "other_language": 60,
    "safe_times": 200,
    "code_word": 60,
    "preferences": 1000,
    "priorities": 1000,
}


@pytest.mark.parametrize(("field", "max_length"), TEXT_FIELDS.items())
@pytest.mark.parametrize(
    ("method", "template"), [("post", "/survivors"), ("patch", "/survivors/{survivor}")]
)
def test_text_longer_than_the_field_is_422(
    as_supervisor, targets, method, template, field, max_length
):
    base = {"preferred_name": "Rosa"} if method == "post" else {"version": 1}
    path = _path(template, targets)
    too_long = getattr(as_supervisor, method)(path, base | {field: "é" * (max_length + 1)})
    assert too_long.status_code == 422
    [error] = too_long.json()["detail"]
    assert error["loc"] == ["body", "payload", field]
    assert error["type"] == "string_too_long"
    # Exactly the limit is fine, and outer spaces do not count against it.
    just_fits = getattr(as_supervisor, method)(path, base | {field: f"  {'é' * max_length}  "})
    assert just_fits.status_code in (200, 201), just_fits.json()
    assert just_fits.json()[field] == "é" * max_length


def test_model_max_lengths_are_the_ones_tested():
    for field, max_length in TEXT_FIELDS.items():
        model_field = Survivor._meta.get_field(field)
        # Sealed fields limit what is typed; their columns hold the longer ciphertext.
        typed_limit = getattr(model_field, "plain_max_length", None) or model_field.max_length
        assert typed_limit == max_length


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("preferred_name", 42),
        ("preferred_name", ["Rosa"]),
        ("preferred_name", {"first": "Rosa"}),
        ("date_of_birth", TOMORROW),
        ("date_of_birth", "1899-12-31"),
        ("date_of_birth", "02/04/2010"),
        ("date_of_birth", 1270166400),
        ("estimated_age", -1),
        ("estimated_age", 31),
        ("estimated_age", "15"),
        ("estimated_age", 15.5),
        ("primary_language", "English"),
        ("primary_language", "xx"),
        ("interpreter_needed", "yes"),
        ("interpreter_needed", 1),
        ("interpreter_needed", None),
        ("safe_to_call", "true"),
        ("safe_phone", "call me maybe"),
        ("safe_phone", "1" * 31),
        ("aliases", "Ro"),
        ("aliases", [{"name": ""}]),
        ("aliases", [{"name": "   "}]),
        ("aliases", [{"name": "Ro", "kind": "secret"}]),
        ("aliases", [{"name": "Ro"}, {"name": "Ro"}]),
        ("aliases", [{"name": f"n{i}"} for i in range(21)]),
        ("aliases", [{"name": "x" * 101}]),
        ("aliases", [{"name": "Ro", "extra": 1}]),
    ],
)
def test_bad_survivor_values_are_422(as_supervisor, targets, field, bad):
    before = _written()
    created = as_supervisor.post("/survivors", {"preferred_name": "Rosa", field: bad})
    assert created.status_code == 422, created.json()
    changed = as_supervisor.patch(f"/survivors/{targets['survivor']}", {"version": 1, field: bad})
    assert changed.status_code == 422, changed.json()
    assert _written() == before


@pytest.mark.parametrize(
    ("field", "good", "stored"),
    [
        ("date_of_birth", "1900-01-01", "1900-01-01"),
        ("date_of_birth", timezone.localdate().isoformat(), timezone.localdate().isoformat()),
        ("estimated_age", 0, 0),
        ("estimated_age", 30, 30),
        ("primary_language", "ase", "ase"),
        ("safe_phone", "+1 (555) 010-0199", "+1 (555) 010-0199"),
        ("safe_to_call", None, None),
        ("preferred_name", "  Ro\u0007sa\u0000 ", "Rosa"),  # control characters dropped
        ("legal_given_name", None, ""),
    ],
)
def test_edge_values_are_accepted(as_supervisor, field, good, stored):
    body = {"preferred_name": "Rosa"} | {field: good}
    response = as_supervisor.post("/survivors", body)
    assert response.status_code == 201, response.json()
    assert response.json()[field] == stored


def test_a_survivor_needs_something_to_be_found_by(as_supervisor):
    empty: list[dict[str, Any]] = [{}, {"pronouns": "she/her"}, {"preferred_name": "   "}]
    for body in empty:
        response = as_supervisor.post("/survivors", body)
        assert response.status_code == 422, body
        assert "at least a name" in str(response.json()["detail"])
    enough: list[dict[str, Any]] = [{"estimated_age": 15}, {"aliases": [{"name": "Ro"}]}]
    for body in enough:
        assert as_supervisor.post("/survivors", body).status_code == 201


@pytest.mark.parametrize(
    "name", ["José Ñúñez", "Nguyễn Thị Hoa", "Алёна", "محمد", "Mary-Kate D'Souza", "李小龍"]
)
def test_non_latin_names_in_every_name_field(as_supervisor, targets, name):
    body = {"legal_given_name": name, "legal_family_name": name, "preferred_name": name}
    created = as_supervisor.post("/survivors", body | {"aliases": [{"name": name}]})
    assert created.status_code == 201, created.json()
    changed = as_supervisor.patch(f"/survivors/{targets['survivor']}", {"version": 1} | body)
    assert changed.status_code == 200, changed.json()
    assert changed.json()["display_name"] == name


@pytest.mark.parametrize(
    "params",
    [{"q": "x" * 101}, {"born_on": "tomorrow"}, {"born_on": TOMORROW}, {"born_on": "1899-01-01"}],
)
def test_bad_search_is_422(as_supervisor, params):
    assert as_supervisor.post("/survivors/search", params).status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        "/survivors/123",
        "/survivors/123/cases",
        "/cases/not-a-uuid",
        "/cases/not-a-uuid/timeline",
        "/cases/{case}/care-team/abc",
    ],
)
def test_malformed_ids_in_paths_are_422(as_supervisor, targets, path):
    response = as_supervisor.get(_path(path, targets))
    if path.endswith("abc"):
        response = as_supervisor.delete(_path(path, targets))
    assert response.status_code == 422


def test_a_different_version_of_each_closing_reason_is_accepted(as_supervisor, targets):
    response = as_supervisor.post(
        f"/cases/{targets['case']}/status",
        {"version": 1, "status": "closed", "closure_reason": "no_contact"},
    )
    assert response.status_code == 200
    assert response.json()["closure_reason"] == "no_contact"
