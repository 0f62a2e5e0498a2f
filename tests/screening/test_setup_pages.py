"""Screening setup pages: instruments (list, import, preview, download), safety numbers and
the decision table, and screening training — who may open each, and every unhappy path
answered with a clear message, never a 500."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from continuum.screening.models import Instrument, InstrumentStatus, SafetyLine
from continuum.screening.safety import FLORIDA_RULES, RuleRow, rules_from_db
from continuum.screening.views_setup import download_name
from tests.personas import World
from tests.screening.test_setup_actions import TEST_URL, agency_admin, network_admin, questionnaire

pytestmark = pytest.mark.django_db

INSTRUMENTS = reverse("screening:instruments")
IMPORT = reverse("screening:import_instrument")
SAFETY = reverse("screening:safety_lines")
TRAINING = reverse("screening:training")


def _nina(world: World) -> Client:
    network_admin(world)
    return world.client_for("nina")


def _bundled() -> Instrument:
    found = Instrument.objects.filter(bundled=True).first()
    assert found is not None
    return found


def _page(response: Any) -> str:
    return response.content.decode()


def _import(client: Client, **data: Any) -> Any:
    return client.post(IMPORT, data)


# --- instruments list --------------------------------------------------------------------


def test_a_network_admin_manages_the_list(world: World) -> None:
    client = _nina(world)
    page = _page(client.get(INSTRUMENTS))
    bundled = _bundled()
    assert bundled.title in page
    assert bundled.version in page
    assert bundled.publisher in page
    assert 'data-testid="not-validated"' in page  # the bundled screen is not validated
    assert IMPORT in page
    assert SAFETY in page
    assert reverse("screening:instrument", args=[bundled.pk]) in page
    assert "Retire" in page


@pytest.mark.parametrize("persona", ["jordan", "casey", "sam", "quinn"])
def test_people_who_screen_see_the_list_read_only(world: World, persona: str) -> None:
    response = world.client_for(persona).get(INSTRUMENTS)
    assert response.status_code == 200
    page = _page(response)
    assert _bundled().title in page
    assert "Not validated" in page
    assert IMPORT not in page
    assert "Retire" not in page
    assert SAFETY in page
    assert (TRAINING in page) == (persona == "sam")


@pytest.mark.parametrize("persona", ["drew", "avery", "morgan"])
def test_others_do_not_see_instruments(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(INSTRUMENTS).status_code == 403
    assert client.get(reverse("screening:instrument", args=[_bundled().pk])).status_code == 403


def test_retire_and_reactivate_from_the_list(world: World) -> None:
    client = _nina(world)
    other = Instrument.objects.create(
        url=TEST_URL, version="1", title="Another", questionnaire=questionnaire()
    )
    url = reverse("screening:instrument", args=[other.pk])
    response = client.post(url, {"status": "retired", "back": "list"})
    assert response.status_code == 302
    assert response["Location"] == INSTRUMENTS
    other.refresh_from_db()
    assert other.status == InstrumentStatus.RETIRED
    page = _page(client.get(INSTRUMENTS))
    assert "is retired: screeners can no longer choose it" in page
    assert "Put back in use" in page
    response = client.post(url, {"status": "active"})
    assert response["Location"] == url
    other.refresh_from_db()
    assert other.status == InstrumentStatus.ACTIVE


def test_a_bad_status_post_is_a_clear_422(world: World) -> None:
    client = _nina(world)
    url = reverse("screening:instrument", args=[_bundled().pk])
    response = client.post(url, {"status": "deleted"})
    assert response.status_code == 422
    assert "Choose whether the instrument is in use or retired." in _page(response)


def test_retiring_the_last_instrument_says_why_not(world: World) -> None:
    client = _nina(world)
    bundled = _bundled()
    Instrument.objects.exclude(pk=bundled.pk).update(status=InstrumentStatus.RETIRED)
    response = client.post(
        reverse("screening:instrument", args=[bundled.pk]), {"status": "retired"}, follow=True
    )
    assert "This is the only instrument in use" in _page(response)
    bundled.refresh_from_db()
    assert bundled.status == InstrumentStatus.ACTIVE


@pytest.mark.parametrize("persona", ["sam", "jordan"])
def test_only_network_admins_change_an_instruments_use(world: World, persona: str) -> None:
    bundled = _bundled()
    url = reverse("screening:instrument", args=[bundled.pk])
    assert world.client_for(persona).post(url, {"status": "retired"}).status_code == 403
    bundled.refresh_from_db()
    assert bundled.status == InstrumentStatus.ACTIVE


def test_unknown_instruments_are_404(world: World) -> None:
    client = _nina(world)
    missing = (Instrument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    assert client.get(reverse("screening:instrument", args=[missing])).status_code == 404
    assert client.get(reverse("screening:export_instrument", args=[missing])).status_code == 404
    assert (
        client.post(
            reverse("screening:instrument", args=[missing]), {"status": "retired"}
        ).status_code
        == 404
    )


# --- the instrument page -----------------------------------------------------------------


def test_the_instrument_page_reads_the_questionnaire(world: World) -> None:
    client = _nina(world)
    response = _import(client, text=json.dumps(questionnaire()))
    instrument = Instrument.objects.get(url=TEST_URL)
    assert response["Location"] == reverse("screening:instrument", args=[instrument.pk])
    page = _page(client.get(response["Location"]))
    assert "Instrument imported" in page
    assert "Have you stayed away from home overnight?" in page
    assert "“yes” weighs 2" in page
    assert "Shown when q1 is yes" in page
    assert "Often" in page
    assert "weighs 1" in page
    assert "The score adds up the weights" in page
    assert "The highest possible score is 3." in page
    assert "1 or more" in page
    assert "Some concern" in page
    assert "q1 (“Have you stayed away from home overnight?”) answered yes" in page
    assert 'data-testid="not-validated"' in page
    assert "Free to use for tests" in page
    assert "Imported by Nina Tester" in page


def test_the_bundled_instrument_says_why_it_asks(world: World) -> None:
    page = _page(
        world.client_for("jordan").get(reverse("screening:instrument", args=[_bundled().pk]))
    )
    assert "Why we ask:" in page
    assert "Comes with Continuum" in page
    assert "Retire this version" not in page


def test_choice_conditions_read_as_the_option_shown() -> None:
    from continuum.screening.instrument import parse_questionnaire
    from continuum.screening.views_setup import shown_when

    doc = questionnaire()
    doc["item"][0]["item"].append(
        {
            "linkId": "q3",
            "text": "Who with?",
            "type": "string",
            "enableWhen": [
                {"question": "q2", "operator": "=", "answerCoding": {"code": "often"}},
                {"question": "q1", "operator": "exists", "answerBoolean": True},
            ],
            "enableBehavior": "any",
        }
    )
    defn = parse_questionnaire(doc)
    assert shown_when(defn, defn.question("q3")) == "Shown when q2 is “Often” or q1 is answered"


# --- download and round trip -------------------------------------------------------------


def test_export_is_a_fhir_attachment_that_imports_back_as_the_same_instrument(world: World) -> None:
    client = _nina(world)
    bundled = _bundled()
    response = client.get(reverse("screening:export_instrument", args=[bundled.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert disposition.isascii()
    exported = response.content
    assert json.loads(exported) == bundled.questionnaire

    count = Instrument.objects.count()
    upload = io.BytesIO(exported)
    upload.name = "export.json"
    again = client.post(IMPORT, {"file": upload})
    assert again.status_code == 302
    assert again["Location"] == reverse("screening:instrument", args=[bundled.pk])
    assert Instrument.objects.count() == count
    assert "already stored, exactly the same" in _page(client.get(again["Location"]))

    # A new version of it, through the page, is a new instrument with the same questions.
    changed = json.loads(exported) | {"version": "1.0.1"}
    response = _import(client, text=json.dumps(changed))
    assert response.status_code == 302
    newer = Instrument.objects.get(url=bundled.url, version="1.0.1")
    assert newer.questionnaire == changed
    assert not newer.bundled


def test_screeners_may_download_what_they_use(world: World) -> None:
    response = world.client_for("jordan").get(
        reverse("screening:export_instrument", args=[_bundled().pk])
    )
    assert response.status_code == 200


def test_download_names_are_ascii_and_harmless() -> None:
    instrument = Instrument(title="x", version="1/2", questionnaire={"name": 'Ça "va"; rm -rf'})
    assert download_name(instrument) == "a-va-rm-rf-1-2.json"
    assert (
        download_name(Instrument(title="日本", version="版", questionnaire={}))
        == "questionnaire.json"
    )
    bundled = Instrument(
        title="T", version="1.0.0", questionnaire={"name": "ContinuumIndicatorScreen"}
    )
    assert download_name(bundled) == "ContinuumIndicatorScreen-1.0.0.json"


# --- import: the unhappy paths -----------------------------------------------------------


@pytest.mark.parametrize("persona", ["sam", "jordan", "avery"])
def test_only_network_admins_import(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(IMPORT).status_code == 403
    assert _import(client, text=json.dumps(questionnaire())).status_code == 403
    assert not Instrument.objects.filter(url=TEST_URL).exists()


def test_the_import_form(world: World) -> None:
    page = _page(_nina(world).get(IMPORT))
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page
    assert "<textarea" in page
    assert "(optional)" not in page


def test_an_empty_import_asks_for_something(world: World) -> None:
    response = _import(_nina(world))
    assert response.status_code == 422
    assert "Choose a .json file, or paste the JSON." in _page(response)


def test_not_json_is_said_plainly_and_the_text_is_kept(world: World) -> None:
    pasted = "this is not json at all"
    response = _import(_nina(world), text=pasted)
    assert response.status_code == 422
    page = _page(response)
    assert "This is not valid JSON (line 1, column 1" in page
    assert pasted in page


@pytest.mark.parametrize(
    "pasted",
    [
        '{"resourceType": NaN}',
        "[" * 200_000 + "]" * 200_000,
        '{"n": ' + "9" * 5000 + "}",
    ],
)
def test_hostile_json_is_refused_without_a_500(world: World, pasted: str) -> None:
    response = _import(_nina(world), text=pasted)
    assert response.status_code == 422
    assert "JSON" in _page(response)


def test_an_invalid_questionnaire_shows_every_problem_and_keeps_the_text(world: World) -> None:
    doc = questionnaire()
    del doc["title"]
    doc["item"][0]["item"][1]["enableWhen"][0]["question"] = "nowhere"
    doc["item"][0]["item"][0]["type"] = "attachment"
    pasted = json.dumps(doc, indent=2)
    response = _import(_nina(world), text=pasted)
    assert response.status_code == 422
    page = _page(response)
    assert 'data-testid="questionnaire-problems"' in page
    from continuum.screening.instrument import QuestionnaireInvalid, parse_questionnaire

    with pytest.raises(QuestionnaireInvalid) as invalid:
        parse_questionnaire(doc)
    assert len(invalid.value.problems) >= 3
    for problem in invalid.value.problems:
        assert escape(problem) in page
    assert f"{len(invalid.value.problems)} problems" in page
    assert escape(pasted) in page
    assert not Instrument.objects.filter(url=TEST_URL).exists()


def test_a_json_array_is_not_a_questionnaire(world: World) -> None:
    response = _import(_nina(world), text="[1, 2]")
    assert response.status_code == 422
    assert "the document is not a JSON object" in _page(response)


def test_reimporting_the_same_version_makes_no_duplicate(world: World) -> None:
    client = _nina(world)
    first = _import(client, text=json.dumps(questionnaire()))
    second = _import(client, text=json.dumps(questionnaire(), indent=4))
    assert first["Location"] == second["Location"]
    assert Instrument.objects.filter(url=TEST_URL).count() == 1


def test_changed_content_under_the_same_version_is_refused_on_the_page(world: World) -> None:
    client = _nina(world)
    _import(client, text=json.dumps(questionnaire()))
    pasted = json.dumps(questionnaire(title="Changed title"))
    response = _import(client, text=pasted)
    assert response.status_code == 422
    page = _page(response)
    assert "Version 1 of this instrument is already stored and cannot be changed" in page
    assert escape(pasted) in page
    assert Instrument.objects.get(url=TEST_URL).title == "Test screen"


def test_a_file_and_pasted_text_together_are_refused(world: World) -> None:
    upload = io.BytesIO(json.dumps(questionnaire()).encode())
    upload.name = "q.json"
    response = _nina(world).post(IMPORT, {"file": upload, "text": "{}"})
    assert response.status_code == 422
    assert "not both" in _page(response)


def test_a_file_over_1_mb_is_refused(world: World) -> None:
    upload = io.BytesIO(b" " * (1024 * 1024 + 1))
    upload.name = "big.json"
    response = _nina(world).post(IMPORT, {"file": upload})
    assert response.status_code == 422
    assert "larger than 1 MB" in _page(response)


def test_pasted_text_over_1_mb_is_refused(world: World) -> None:
    response = _import(_nina(world), text="x" * (1024 * 1024 + 1))
    assert response.status_code == 422
    assert "more than 1 MB" in _page(response)


def test_a_file_that_is_not_text_is_refused(world: World) -> None:
    upload = io.BytesIO(b"\xff\xfe\x00\x00binary")
    upload.name = "q.json"
    response = _nina(world).post(IMPORT, {"file": upload})
    assert response.status_code == 422
    assert "not text (UTF-8)" in _page(response)


def test_a_file_with_a_byte_order_mark_imports(world: World) -> None:
    upload = io.BytesIO(b"\xef\xbb\xbf" + json.dumps(questionnaire()).encode())
    upload.name = "q.json"
    response = _nina(world).post(IMPORT, {"file": upload})
    assert response.status_code == 302
    assert Instrument.objects.filter(url=TEST_URL).exists()


# --- safety numbers ----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["jordan", "avery", "drew", "sam"])
def test_everyone_signed_in_reads_the_safety_numbers(world: World, persona: str) -> None:
    response = world.client_for(persona).get(SAFETY)
    assert response.status_code == 200
    page = _page(response)
    assert 'href="tel:18009622873"' in page
    assert 'href="tel:911"' in page
    assert 'href="sms:233733"' in page
    assert 'href="tel:711"' in page
    assert "They are in danger now." in page
    assert 'data-testid="edit-lines"' not in page
    assert 'data-testid="edit-rules"' not in page


def test_the_safety_page_needs_a_sign_in(client: Client) -> None:
    assert client.get(SAFETY).status_code == 302


def _line_post(line: SafetyLine, **changes: str) -> dict[str, str]:
    prefix = f"line{line.pk}"
    fields = {
        "name": line.name,
        "phone": line.phone,
        "text_number": line.text_number,
        "tty": line.tty,
        "when_to_use": line.when_to_use,
        **changes,
    }
    return {"save": "line", "line": str(line.pk), **{f"{prefix}-{k}": v for k, v in fields.items()}}


def test_a_network_admin_edits_a_line(world: World) -> None:
    client = _nina(world)
    page = _page(client.get(SAFETY))
    assert 'data-testid="edit-lines"' in page
    line = SafetyLine.objects.get(code="florida_trafficking_line")
    response = client.post(SAFETY, _line_post(line, phone="1 (855) 352-7233", text_number=""))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.phone == "1 (855) 352-7233"
    assert 'href="tel:18553527233"' in _page(client.get(SAFETY))


def test_a_bad_number_is_shown_on_the_line_form(world: World) -> None:
    client = _nina(world)
    line = SafetyLine.objects.get(code="emergency")
    response = client.post(SAFETY, _line_post(line, phone="nine one one"))
    assert response.status_code == 422
    page = _page(response)
    assert "Write “Phone number” in digits" in page
    assert "nine one one" in page  # what was typed is kept
    line.refresh_from_db()
    assert line.phone == "911"


def test_an_unknown_line_is_404_and_others_may_not_edit(world: World) -> None:
    client = _nina(world)
    line = SafetyLine.objects.get(code="emergency")
    data = _line_post(line) | {"line": "999999"}
    assert client.post(SAFETY, data).status_code == 404
    assert client.post(SAFETY, _line_post(line) | {"line": "x"}).status_code == 404
    assert world.client_for("sam").post(SAFETY, _line_post(line, phone="112")).status_code == 403
    line.refresh_from_db()
    assert line.phone == "911"


def _rules_post(
    rows: list[RuleRow],
    *,
    initial: int | None = None,
    delete: frozenset[int] | set[int] = frozenset(),
) -> dict[str, str]:
    data = {
        "save": "rules",
        "rules-TOTAL_FORMS": str(len(rows)),
        "rules-INITIAL_FORMS": str(len(rows) if initial is None else initial),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "100",
    }
    for i, row in enumerate(rows):
        data |= {
            f"rules-{i}-position": str(row.position),
            f"rules-{i}-danger": row.danger,
            f"rules-{i}-age_group": row.age_group,
            f"rules-{i}-in_state": row.in_state,
            f"rules-{i}-suspected_abuse": row.suspected_abuse,
            f"rules-{i}-line": row.line,
            f"rules-{i}-reason": row.reason,
        }
        if i in delete:
            data[f"rules-{i}-DELETE"] = "on"
    return data


def test_the_rules_form_shows_the_table_and_an_empty_row(world: World) -> None:
    page = _page(_nina(world).get(SAFETY))
    assert page.count('data-testid="rule-form"') == len(FLORIDA_RULES) + 1
    assert "Remove this rule" in page
    assert "New rule" in page


def test_a_network_admin_changes_removes_and_adds_rules(world: World) -> None:
    client = _nina(world)
    rows = list(FLORIDA_RULES)
    rows[0] = RuleRow(10, "yes", "any", "any", "any", "emergency", "Danger now: call first.")
    new = RuleRow(50, "any", "child", "yes", "any", "florida_trafficking_line", "Report it too.")
    data = _rules_post([*rows, new], initial=len(rows), delete={len(rows) - 1})
    response = client.post(SAFETY, data)
    assert response.status_code == 302, _page(response)
    assert rules_from_db() == [*rows[:-1], new]


def test_duplicate_order_numbers_are_refused(world: World) -> None:
    client = _nina(world)
    rows = list(FLORIDA_RULES)
    rows[1] = replace(rows[1], position=10)
    response = client.post(SAFETY, _rules_post(rows))
    assert response.status_code == 422
    page = _page(response)
    assert "Two rules have the order number 10" in page
    # The table comes back as it was typed, each row still removable.
    assert page.count(">Remove this rule</label>") == len(rows)
    assert rows[5].reason in page
    assert rules_from_db() == list(FLORIDA_RULES)


def test_removing_every_rule_is_refused(world: World) -> None:
    rows = list(FLORIDA_RULES)
    response = _nina(world).post(SAFETY, _rules_post(rows, delete=set(range(len(rows)))))
    assert response.status_code == 422
    assert "Keep at least one rule" in _page(response)
    assert rules_from_db() == list(FLORIDA_RULES)


def test_a_rule_with_an_unknown_line_or_no_reason_is_refused(world: World) -> None:
    rows = list(FLORIDA_RULES)
    data = _rules_post(rows) | {"rules-0-line": "nobody", "rules-1-reason": ""}
    response = _nina(world).post(SAFETY, data)
    assert response.status_code == 422
    page = _page(response)
    assert "Select a valid choice" in page
    assert "This field is required" in page
    assert rules_from_db() == list(FLORIDA_RULES)


def test_a_tampered_rules_form_is_a_422_not_a_500(world: World) -> None:
    client = _nina(world)
    response = client.post(SAFETY, {"save": "rules"})
    assert response.status_code == 422
    response = client.post(SAFETY, _rules_post(list(FLORIDA_RULES)) | {"rules-TOTAL_FORMS": "x"})
    assert response.status_code == 422
    assert rules_from_db() == list(FLORIDA_RULES)


def test_others_cannot_change_the_rules(world: World) -> None:
    response = world.client_for("sam").post(SAFETY, _rules_post(list(FLORIDA_RULES)[:1]))
    assert response.status_code == 403
    assert rules_from_db() == list(FLORIDA_RULES)


# --- screening training ------------------------------------------------------------------


def test_a_supervisor_sees_who_is_trained(world: World) -> None:
    response = world.client_for("sam").get(TRAINING)
    assert response.status_code == 200
    page = _page(response)
    assert (
        "Only people with current screening training can screen (Florida rule 65C-43.001)" in page
    )
    for name in ("Casey Tester", "Cole Tester", "Jordan Tester", "Sam Tester"):
        assert name in page
    assert "Quinn" not in page  # another agency
    assert "Avery" not in page  # an analyst does not screen
    assert "Your own training is recorded by someone else." in page


def test_an_agency_admin_may_open_training_and_others_may_not(world: World) -> None:
    agency_admin(world)
    assert world.client_for("ada").get(TRAINING).status_code == 200
    for persona in ("casey", "jordan", "drew", "avery", "morgan"):
        assert world.client_for(persona).get(TRAINING).status_code == 403, persona
    network_admin(world)
    assert world.client_for("nina").get(TRAINING).status_code == 403


def test_record_and_end_training_on_the_page(world: World) -> None:
    client = world.client_for("sam")
    jordan = world.memberships["jordan"]
    today = timezone.localdate()
    prefix = f"m{jordan.pk}"
    response = client.post(
        TRAINING,
        {
            "membership": jordan.pk,
            f"{prefix}-certified_on": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    jordan.refresh_from_db()
    assert jordan.screening_certified_on == today - timedelta(days=3)
    page = _page(client.get(TRAINING))
    assert escape("Jordan Tester's screening training is recorded.") in page
    assert "Recorded by Sam Tester" in page
    assert "End training now" in page

    response = client.post(TRAINING, {"membership": jordan.pk, "end": "1"})
    assert response.status_code == 302
    jordan.refresh_from_db()
    assert jordan.screening_certified_until == today - timedelta(days=1)
    assert "Expired" in _page(client.get(TRAINING))

    again = client.post(TRAINING, {"membership": jordan.pk, "end": "1"})
    assert again.status_code == 422
    assert "no current screening training to end" in _page(again)


def test_training_form_errors_are_shown(world: World) -> None:
    client = world.client_for("sam")
    jordan = world.memberships["jordan"]
    prefix = f"m{jordan.pk}"
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(TRAINING, {"membership": jordan.pk, f"{prefix}-certified_on": tomorrow})
    assert response.status_code == 422
    assert "cannot be in the future" in _page(response)
    today = timezone.localdate().isoformat()
    response = client.post(
        TRAINING,
        {"membership": jordan.pk, f"{prefix}-certified_on": today, f"{prefix}-until": today},
    )
    assert response.status_code == 422
    assert "must be after the training date" in _page(response)
    response = client.post(
        TRAINING, {"membership": jordan.pk, f"{prefix}-certified_on": "not a date"}
    )
    assert response.status_code == 422
    assert "Enter a valid date" in _page(response)
    jordan.refresh_from_db()
    assert jordan.screening_certified_on is None


def test_own_training_is_refused_on_the_page(world: World) -> None:
    sam = world.memberships["sam"]
    response = world.client_for("sam").post(
        TRAINING,
        {"membership": sam.pk, f"m{sam.pk}-certified_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 422
    assert "Someone else at your agency records your own training." in _page(response)


@pytest.mark.parametrize("target", ["quinn", "avery", "drew"])
def test_training_of_people_outside_the_list_is_404(world: World, target: str) -> None:
    member = world.memberships[target]
    today = timezone.localdate().isoformat()
    client = world.client_for("sam")
    response = client.post(TRAINING, {"membership": member.pk, f"m{member.pk}-certified_on": today})
    assert response.status_code == 404
    assert client.post(TRAINING, {"membership": member.pk, "end": "1"}).status_code == 404
    member.refresh_from_db()
    assert member.screening_certified_on is None


@pytest.mark.parametrize("membership", ["", "abc", "999999", "1e3"])
def test_training_with_a_bad_membership_id_is_404(world: World, membership: str) -> None:
    assert (
        world.client_for("sam").post(TRAINING, {"membership": membership, "end": "1"}).status_code
        == 404
    )


def test_a_case_manager_cannot_post_training(world: World) -> None:
    jordan = world.memberships["jordan"]
    response = world.client_for("casey").post(
        TRAINING,
        {"membership": jordan.pk, f"m{jordan.pk}-certified_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403


def test_a_paste_beyond_the_request_limit_is_a_400_not_a_500(world: World) -> None:
    client = _nina(world)
    client.raise_request_exception = False
    response = _import(client, text="x" * (3 * 1024 * 1024))
    assert response.status_code == 400
    assert not Instrument.objects.filter(url=TEST_URL).exists()


def test_recording_training_that_has_already_ended_says_so(world: World) -> None:
    jordan = world.memberships["jordan"]
    prefix = f"m{jordan.pk}"
    today = timezone.localdate()
    response = world.client_for("sam").post(
        TRAINING,
        {
            "membership": jordan.pk,
            f"{prefix}-certified_on": (today - timedelta(days=400)).isoformat(),
            f"{prefix}-until": (today - timedelta(days=35)).isoformat(),
        },
        follow=True,
    )
    page = _page(response)
    assert "it ended before today: they cannot screen until they train again" in page
    assert "Expired" in page
