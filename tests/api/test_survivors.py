"""/survivors: search, create, read, change, and the cases of one survivor."""

from __future__ import annotations

import unicodedata
import uuid

import pytest

from continuum.audit.models import AuditAction
from continuum.survivors.models import Survivor

pytestmark = pytest.mark.django_db


def test_search_finds_visible_survivors_and_is_audited(as_case_manager, survivor, audit):
    audit.reset()
    response = as_case_manager.post("/survivors/search", {"q": "rosa"})
    assert response.status_code == 200
    [match] = response.json()
    assert match["id"] == str(survivor.pk)
    assert match["display_name"] == "Rosa"
    assert match["legal_name"] == "Rosalind Testcase"
    assert match["date_of_birth"] == "2010-04-02"
    assert "search_key" not in match
    assert audit.actions() == [AuditAction.SURVIVORS_SEARCHED]
    # The audit entry says how many, never what was typed.
    assert "rosa" not in str(audit.new()[0].detail).lower()


def test_search_ignores_accents_and_filters_by_date_of_birth(as_case_manager, survivor):
    assert len(as_case_manager.post("/survivors/search", {"q": "RÓSÀ"}).json()) == 1
    assert len(as_case_manager.post("/survivors/search", {"born_on": "2010-04-02"}).json()) == 1
    assert as_case_manager.post("/survivors/search", {"born_on": "2011-04-02"}).json() == []


def test_search_lists_the_visible_cases(as_case_manager, case):
    [match] = as_case_manager.post("/survivors/search", {"q": "ro"}).json()
    assert match["cases"] == [
        {
            "id": str(case.pk),
            "reference": case.reference,
            "status": "open",
            "lead_agency_id": case.lead_agency_id,
            "lead_agency_name": "Harbor House",
        }
    ]


def test_search_does_not_cross_agencies(as_supervisor_b, survivor):
    assert as_supervisor_b.post("/survivors/search", {"q": "rosa"}).json() == []


def test_analyst_may_not_search(as_analyst, survivor):
    response = as_analyst.post("/survivors/search", {"q": "rosa"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow this."}


def test_create_survivor(as_case_manager, case_manager_a, audit):
    audit.reset()
    response = as_case_manager.post(
        "/survivors",
        {
            "preferred_name": "  Mari  ",
            "legal_given_name": "Marisol",
            "date_of_birth": "2009-11-30",
            "primary_language": "es",
            "interpreter_needed": True,
            "safe_phone": "+1 (555) 010-0199",
            "safe_to_call": False,
            "aliases": [{"name": "Sol", "kind": "nickname"}],
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    survivor = Survivor.objects.get()
    assert body["id"] == str(survivor.pk)
    assert body["preferred_name"] == "Mari"
    assert body["display_name"] == "Mari"
    assert body["primary_language"] == "es"
    assert body["safe_to_call"] is False
    assert body["safe_to_text"] is None
    assert body["aliases"] == [{"name": "Sol", "kind": "nickname"}]
    assert body["version"] == 1
    assert "search_key" not in body
    assert survivor.created_by == case_manager_a.user
    assert audit.actions() == [AuditAction.SURVIVOR_CREATED]
    assert audit.new()[0].via == "api"


@pytest.mark.parametrize(
    "name",
    ["José Ñúñez", "Nguyễn Thị Hoa", "Алёна", "محمد", "王秀英", "Zoë O'Brien-Ávila"],
)
def test_create_accepts_names_in_any_script(as_case_manager, name):
    response = as_case_manager.post("/survivors", {"preferred_name": name})
    assert response.status_code == 201, response.json()
    assert response.json()["preferred_name"] == unicodedata.normalize("NFC", name)


def test_names_are_stored_nfc(as_case_manager):
    decomposed = unicodedata.normalize("NFD", "José Ñúñez")
    assert decomposed != "José Ñúñez"
    response = as_case_manager.post("/survivors", {"preferred_name": decomposed})
    assert response.status_code == 201
    assert Survivor.objects.get().preferred_name == unicodedata.normalize("NFC", "José Ñúñez")


def test_created_survivor_is_searchable_without_accents(as_case_manager):
    as_case_manager.post("/survivors", {"preferred_name": "José Ñúñez"})
    assert len(as_case_manager.post("/survivors/search", {"q": "jose nunez"}).json()) == 1


def test_analyst_may_not_create(as_analyst):
    response = as_analyst.post("/survivors", {"preferred_name": "Rosa"})
    assert response.status_code == 403
    assert not Survivor.objects.exists()


def test_read_survivor_is_audited(as_case_manager, survivor, audit):
    audit.reset()
    response = as_case_manager.get(f"/survivors/{survivor.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(survivor.pk)
    assert body["legal_family_name"] == "Testcase"
    assert body["display_name"] == "Rosa"
    assert body["aliases"] == [{"name": "Ro", "kind": "nickname"}]
    assert isinstance(body["age"], int)
    assert "search_key" not in body
    assert audit.actions() == [AuditAction.SURVIVOR_VIEWED]


def test_other_agency_gets_404_and_the_attempt_is_audited(as_supervisor_b, survivor, audit):
    audit.reset()
    response = as_supervisor_b.get(f"/survivors/{survivor.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found"}
    assert audit.actions() == [AuditAction.ACCESS_DENIED]


def test_unknown_survivor_looks_the_same_as_a_hidden_one(as_supervisor_b, survivor):
    hidden = as_supervisor_b.get(f"/survivors/{survivor.pk}")
    unknown = as_supervisor_b.get(f"/survivors/{uuid.uuid4()}")
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json() == unknown.json()


def test_malformed_id_is_422_not_500(as_case_manager):
    response = as_case_manager.get("/survivors/not-a-uuid")
    assert response.status_code == 422


def test_patch_changes_only_the_fields_sent(as_case_manager, survivor, audit):
    audit.reset()
    response = as_case_manager.patch(
        f"/survivors/{survivor.pk}", {"version": 1, "pronouns": "she/her"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["pronouns"] == "she/her"
    assert body["preferred_name"] == "Rosa"
    assert body["date_of_birth"] == "2010-04-02"
    assert body["aliases"] == [{"name": "Ro", "kind": "nickname"}]
    assert body["version"] == 2
    assert audit.actions() == [AuditAction.SURVIVOR_UPDATED]
    assert audit.new()[0].detail == {"fields": ["pronouns"]}


def test_patch_can_clear_and_replace_aliases(as_case_manager, survivor):
    response = as_case_manager.patch(
        f"/survivors/{survivor.pk}",
        {"version": 1, "legal_family_name": None, "aliases": [{"name": "Алёна"}]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["legal_family_name"] == ""
    assert body["aliases"] == [{"name": "Алёна", "kind": "other"}]


def test_patch_with_a_stale_version_is_409_and_changes_nothing(as_case_manager, survivor):
    first = as_case_manager.patch(f"/survivors/{survivor.pk}", {"version": 1, "pronouns": "she"})
    assert first.status_code == 200
    stale = as_case_manager.patch(f"/survivors/{survivor.pk}", {"version": 1, "pronouns": "they"})
    assert stale.status_code == 409
    assert "version" in stale.json()["detail"]
    survivor.refresh_from_db()
    assert survivor.pronouns == "she"
    assert survivor.version == 2


def test_patch_by_other_agency_is_404(as_supervisor_b, survivor):
    response = as_supervisor_b.patch(f"/survivors/{survivor.pk}", {"version": 1, "pronouns": "x"})
    assert response.status_code == 404
    survivor.refresh_from_db()
    assert survivor.pronouns == ""


def test_survivor_cases(as_case_manager, survivor, case, audit):
    audit.reset()
    response = as_case_manager.get(f"/survivors/{survivor.pk}/cases")
    assert response.status_code == 200
    [item] = response.json()
    assert item["id"] == str(case.pk)
    assert item["survivor_id"] == str(survivor.pk)
    assert audit.actions() == [AuditAction.SURVIVOR_VIEWED, AuditAction.CASES_LISTED]


def test_survivor_cases_of_hidden_survivor_is_404(as_supervisor_b, survivor, case):
    assert as_supervisor_b.get(f"/survivors/{survivor.pk}/cases").status_code == 404


def test_their_words_are_recorded_and_read(as_case_manager, survivor, audit):
    audit.reset()
    response = as_case_manager.patch(
        f"/survivors/{survivor.pk}",
        {"version": 1, "preferences": "  Sit by the door, please.  "},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["preferences"] == "Sit by the door, please."
    assert body["priorities"] == ""
    assert audit.new()[0].detail == {"fields": ["preferences"]}
    read = as_case_manager.get(f"/survivors/{survivor.pk}").json()
    assert read["preferences"] == "Sit by the door, please."


def test_a_record_from_before_the_fields_existed_reads_as_empty(as_case_manager, survivor):
    Survivor.objects.filter(pk=survivor.pk).update(preferences=None, priorities=None)
    body = as_case_manager.get(f"/survivors/{survivor.pk}").json()
    assert (body["preferences"], body["priorities"]) == ("", "")
    patched = as_case_manager.patch(f"/survivors/{survivor.pk}", {"version": 1, "pronouns": "x"})
    assert patched.status_code == 200, patched.json()


def test_their_words_are_no_longer_than_1000_characters(as_case_manager, survivor):
    response = as_case_manager.patch(
        f"/survivors/{survivor.pk}", {"version": 1, "priorities": "x" * 1001}
    )
    assert response.status_code == 422
    survivor.refresh_from_db()
    assert survivor.priorities == ""


def test_a_screener_may_record_preferences_but_not_priorities(as_screener):
    refused = as_screener.post("/survivors", {"preferred_name": "Kai", "priorities": "School"})
    assert refused.status_code == 403
    assert not Survivor.objects.exists()
    made = as_screener.post("/survivors", {"preferred_name": "Kai", "preferences": "Go slowly"})
    assert made.status_code == 201, made.json()
    person = made.json()
    assert person["preferences"] == "Go slowly"
    read = as_screener.get(f"/survivors/{person['id']}").json()
    assert read["priorities"] == ""
    assert "care_plan" in read["withheld"]
    patched = as_screener.patch(
        f"/survivors/{person['id']}", {"version": 1, "priorities": "School"}
    )
    assert patched.status_code == 403
    assert Survivor.objects.get().priorities == ""
