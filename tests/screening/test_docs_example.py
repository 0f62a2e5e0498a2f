"""docs/screening.md cannot drift from the code: its example instrument imports and scores as
the page says, its example error messages are the ones the import gives, and its table of
the Florida safety rules is the default the migration seeds."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from continuum.accounts.models import Agency, AgencyType, Role
from continuum.screening.answers import answers_from_json
from continuum.screening.instrument import (
    QuestionnaireInvalid,
    parse_questionnaire,
    to_questionnaire,
)
from continuum.screening.models import AgeGroup, Instrument, Match, SafetyLine
from continuum.screening.safety import FLORIDA_RULES
from continuum.screening.scoring import score
from continuum.screening.setup_actions import import_instrument
from tests.personas import World, make_user

DOC = Path(__file__).resolve().parents[2] / "docs" / "screening.md"


def _block_after(marker: str, language: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    found = re.search(
        rf"<!-- {re.escape(marker)} -->\s*```{language}\n(.*?)\n```", text, flags=re.DOTALL
    )
    assert found, f"docs/screening.md has no ```{language} block after <!-- {marker} -->"
    return found.group(1)


def _example() -> dict[str, Any]:
    return json.loads(_block_after("example-questionnaire", "json"))


def test_the_example_is_a_valid_instrument_that_scores_as_documented() -> None:
    defn = parse_questionnaire(_example())
    assert defn.max_score() == 6  # "Its highest possible score is 6."
    assert [code for code, _ in defn.levels()] == ["none", "possible", "clear"]
    assert defn.validated is False
    assert defn.sections()[0].help.startswith("We ask where you have been sleeping")
    assert [item.link_id for item in defn.walk() if item.calculated] == ["total"]

    worked = answers_from_json(
        defn,
        {"away": {"value": True}, "paid": {"declined": True}, "afraid": {"value": "sometimes"}},
    )
    result = score(defn, worked)
    assert (result.score, result.level) == (2, "possible")
    assert result.declined == 1

    key = score(defn, answers_from_json(defn, {"paid": {"value": True}}))
    assert (key.score, key.level, key.key_items_hit) == (2, "clear", ("paid",))

    # The follow-up is asked only after a "yes"; skipping "away" opens nothing.
    skipped = score(defn, answers_from_json(defn, {"away-times": {"value": 3}}))
    assert skipped.answered == 0


def test_the_example_survives_the_round_trip_continuum_stores() -> None:
    defn = parse_questionnaire(_example())
    assert parse_questionnaire(to_questionnaire(defn)) == defn


@pytest.mark.django_db
def test_a_network_admin_imports_the_example(world: World) -> None:
    coalition = Agency.objects.create(
        name="Riverside Coalition", short_name="Coalition", agency_type=AgencyType.COALITION
    )
    world.users["nina"], world.memberships["nina"] = make_user(
        "nina", coalition, Role.NETWORK_ADMIN
    )
    instrument = import_instrument(actor=world.actor("nina"), document=_example())
    assert instrument.title == "Riverside youth check"
    assert instrument.version == "1.0"
    assert Instrument.objects.filter(url=instrument.url).count() == 1


def _six_mistakes() -> dict[str, Any]:
    """The six mistakes docs/screening.md lists above its example error messages."""
    doc = copy.deepcopy(_example())
    items = {i["linkId"]: i for group in doc["item"] for i in [group, *group.get("item", [])]}
    del doc["version"]
    items["afraid"]["answerOption"][0]["extension"][0]["valueDecimal"] = -1
    items["away-times"]["enableWhen"] = [
        {"question": "away", "operator": "exists", "answerBoolean": False}
    ]
    del items["told-not-to-talk"]["enableBehavior"]
    scoring = doc["extension"][1]["extension"]
    bands = [part for part in scoring if part["url"] == "band"]
    bands[-1]["extension"][0]["valueInteger"] = 4
    (key,) = [part for part in scoring if part["url"] == "keyItem"]
    key["extension"][0]["valueString"] = "anything-else"
    return doc


def test_the_documented_error_messages_are_the_ones_the_import_gives() -> None:
    documented = _block_after("example-errors", "text").splitlines()
    with pytest.raises(QuestionnaireInvalid) as refused:
        parse_questionnaire(_six_mistakes())
    assert refused.value.problems == documented
    assert len(documented) == 6  # "is refused with all six listed"


def _markdown_rows(marker: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8").split(f"<!-- {marker} -->", 1)[1]
    rows = []
    for line in text.strip().splitlines():
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows[2:]  # after the header and its rule


@pytest.mark.django_db
def test_the_florida_rules_table_is_the_default() -> None:
    match = {value: str(label) for value, label in Match.choices}
    ages = {value: str(label) for value, label in AgeGroup.choices}
    lines = dict(SafetyLine.objects.values_list("code", "name"))
    expected = [
        [
            str(rule.position),
            match[rule.danger],
            ages[rule.age_group],
            match[rule.in_state],
            match[rule.suspected_abuse],
            lines[rule.line],
            rule.reason,
        ]
        for rule in FLORIDA_RULES
    ]
    assert _markdown_rows("florida-rules") == expected


def test_the_readme_example_is_a_valid_instrument() -> None:
    readme = DOC.parents[1] / "README.md"
    found = re.search(
        r"<!-- readme-questionnaire -->\s*```json\n(.*?)\n```",
        readme.read_text(encoding="utf-8"),
        flags=re.DOTALL,
    )
    assert found, "README.md has no example instrument"
    defn = parse_questionnaire(json.loads(found.group(1)))
    assert defn.max_score() == 3
    assert defn.sections()[0].help.startswith("We ask so we can")
    # "paid" is asked only after a yes to "away", and alone raises possible concern.
    only_paid = score(defn, answers_from_json(defn, {"paid": {"value": True}}))
    assert only_paid.score == 0  # disabled: "away" was not answered
    both = score(defn, answers_from_json(defn, {"away": {"value": True}, "paid": {"value": True}}))
    assert (both.score, both.level) == (3, "possible")
    assert score(defn, {}).level == "none"
