"""Importing instruments (FHIR R4 Questionnaire + SDC scoring): round trips, and every kind of
invalid document refused with a problem that names where and what."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from continuum.screening.instrument import (
    CALCULATED_EXPRESSION,
    EXT,
    ITEM_CONTROL,
    ITEM_CONTROL_SYSTEM,
    ITEM_WEIGHT,
    ORDINAL_VALUE,
    InstrumentDefinition,
    QuestionnaireInvalid,
    load_bundled,
    parse_questionnaire,
    to_questionnaire,
)

FIXTURE = Path(__file__).parent / "fixtures" / "community-screen.json"


def community() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def bundled() -> InstrumentDefinition:
    (defn,) = load_bundled()
    return defn


# --- a small valid questionnaire, for the invalid cases to break -----------------------------


def weighted(code: str, weight: object) -> dict[str, Any]:
    return {
        "extension": [{"url": ITEM_WEIGHT, "valueDecimal": weight}],
        "valueCoding": {"code": code, "display": code.title()},
    }


def band(low: int, high: int | None, level: str) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "min", "valueInteger": low}]
    if high is not None:
        parts.append({"url": "max", "valueInteger": high})
    parts.append({"url": "level", "valueCoding": {"code": level, "display": level.title()}})
    return {"url": "band", "extension": parts}


def key_item(link_id: str, answer: dict[str, Any], level: str) -> dict[str, Any]:
    return {
        "url": "keyItem",
        "extension": [
            {"url": "linkId", "valueString": link_id},
            {"url": "answer", **answer},
            {"url": "level", "valueCode": level},
        ],
    }


def base() -> dict[str, Any]:
    """Max score 4 (q1 1 + q2 2 + q5 1); bands 0 | 1-2 | 3+."""
    help_control = {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]}
    return {
        "resourceType": "Questionnaire",
        "url": "https://example.org/fhir/Questionnaire/small",
        "version": "1",
        "title": "Small screen",
        "status": "active",
        "extension": [
            {
                "url": EXT + "screening-scoring",
                "extension": [
                    {"url": "method", "valueCode": "sum"},
                    band(0, 0, "none"),
                    band(1, 2, "some"),
                    band(3, None, "high"),
                    key_item("q2", {"valueCoding": {"code": "yes"}}, "high"),
                ],
            }
        ],
        "item": [
            {
                "linkId": "g1",
                "type": "group",
                "text": "One",
                "item": [
                    {
                        "linkId": "g1-why",
                        "type": "display",
                        "text": "Why we ask",
                        "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": help_control}],
                    },
                    {
                        "linkId": "q1",
                        "type": "boolean",
                        "text": "Q1?",
                        "extension": [{"url": ITEM_WEIGHT, "valueDecimal": 1}],
                    },
                    {
                        "linkId": "q2",
                        "type": "choice",
                        "text": "Q2?",
                        "answerOption": [
                            weighted("yes", 2),
                            weighted("no", 0),
                            weighted("unsure", 0),
                        ],
                    },
                    {"linkId": "q3", "type": "integer", "text": "Q3?"},
                ],
            },
            {
                "linkId": "g2",
                "type": "group",
                "text": "Two",
                "item": [
                    {"linkId": "q4", "type": "string", "text": "Q4?"},
                    {
                        "linkId": "q5",
                        "type": "boolean",
                        "text": "Q5?",
                        "extension": [{"url": ITEM_WEIGHT, "valueInteger": 1}],
                        "enableWhen": [{"question": "q1", "operator": "=", "answerBoolean": True}],
                    },
                    {"linkId": "d1", "type": "display", "text": "Thank you."},
                ],
            },
            {
                "linkId": "total",
                "type": "integer",
                "text": "Total",
                "readOnly": True,
                "extension": [
                    {
                        "url": CALCULATED_EXPRESSION,
                        "valueExpression": {
                            "language": "text/fhirpath",
                            "expression": "%resource.repeat(item).answer.value.weight().sum()",
                        },
                    }
                ],
            },
        ],
    }


def item(doc: dict[str, Any], link_id: str) -> dict[str, Any]:
    def find(items: list[dict[str, Any]]) -> dict[str, Any] | None:
        for entry in items:
            if entry.get("linkId") == link_id:
                return entry
            found = find(entry.get("item", []))
            if found is not None:
                return found
        return None

    found = find(doc["item"])
    assert found is not None, link_id
    return found


def scoring(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["extension"][0]["extension"]


def condition(question: str, operator: str, **answer: object) -> dict[str, Any]:
    return {"question": question, "operator": operator, **answer}


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "load",
    [
        pytest.param(lambda: to_questionnaire(bundled()), id="bundled"),
        pytest.param(community, id="community-fixture"),
        pytest.param(base, id="small"),
    ],
)
def test_round_trip(load: Callable[[], dict[str, Any]]) -> None:
    first = parse_questionnaire(load())
    exported = to_questionnaire(first)
    assert parse_questionnaire(exported) == first
    assert to_questionnaire(parse_questionnaire(exported)) == exported
    assert json.loads(json.dumps(exported)) == exported  # plain JSON, nothing exotic


def test_bundled_file_is_already_canonical() -> None:
    path = Path(__file__).parents[2] / "continuum/screening/bundled/continuum-indicators.json"
    assert json.loads(path.read_text(encoding="utf-8")) == to_questionnaire(bundled())


def test_bundled_instrument_says_what_it_is() -> None:
    defn = bundled()
    assert defn.url == "https://continuum.example.org/fhir/Questionnaire/continuum-indicators"
    assert defn.version == "1.0.0"
    assert defn.title == "Continuum indicator screen"
    assert defn.publisher == "Continuum project"
    assert defn.licence.startswith("CC BY 4.0")
    assert defn.validated is False
    assert "NOT been validated" in defn.description
    assert "never a verdict" in defn.description
    assert defn.levels() == [
        ("none", "No concern found"),
        ("possible", "Possible concern"),
        ("clear", "Clear concern"),
    ]
    assert 18 <= len(defn.questions()) <= 24
    assert [band.max for band in defn.scoring.bands] == [0, 3, None]


def test_bundled_sections_each_explain_why_we_ask() -> None:
    sections = bundled().sections()
    assert len(sections) >= 8
    assert all(section.type == "group" and section.help for section in sections)


def test_bundled_wording_is_never_blaming() -> None:
    text = json.dumps(to_questionnaire(bundled())).lower()
    for word in ("prostitut", "promiscu", "willing"):
        assert word not in text


def test_bundled_questions_offer_yes_no_not_sure() -> None:
    for question in bundled().questions():
        assert question.type == "choice"
        assert [o.code for o in question.options] == ["yes", "no", "unsure"]
        assert [o.weight for o in question.options][1:] == [0, 0]
        assert question.options[0].weight in (1, 2)


def test_bundled_has_a_calculated_total_kept_on_export() -> None:
    defn = bundled()
    (total,) = [entry for entry in defn.walk() if entry.calculated]
    assert total.expression
    exported = item(to_questionnaire(defn), total.link_id)
    assert exported["extension"][0]["valueExpression"]["expression"] == total.expression
    assert total not in defn.questions()


def test_community_fixture_imports_its_conventions() -> None:
    defn = parse_questionnaire(community())
    assert defn.validated is True
    assert defn.scoring.method == "count-yes"
    assert defn.max_score() == 7  # six booleans and the LOINC yes/no question
    assert defn.question("b3").enable_behavior == "any"
    # ordinalValue (R4) on the coding and on the option both become weights.
    assert [o.weight for o in defn.question("c1").options] == [0, 1, 2]
    assert defn.items[0].help.startswith("We ask where")
    assert defn.question("b1").prefix == "1."


def test_export_writes_item_weight_not_ordinal_value() -> None:
    exported = json.dumps(to_questionnaire(parse_questionnaire(community())))
    assert ORDINAL_VALUE not in exported
    assert ITEM_WEIGHT in exported


def test_help_is_exported_as_an_item_control_help_display() -> None:
    exported = item(to_questionnaire(parse_questionnaire(base())), "g1")
    (help_item,) = [child for child in exported["item"] if child["type"] == "display"]
    coding = help_item["extension"][0]["valueCodeableConcept"]["coding"][0]
    assert (coding["system"], coding["code"]) == (ITEM_CONTROL_SYSTEM, "help")
    assert help_item["text"] == "Why we ask"


def test_questions_sections_and_lookup() -> None:
    defn = parse_questionnaire(base())
    assert [q.link_id for q in defn.questions()] == ["q1", "q2", "q3", "q4", "q5"]
    assert defn.question("q2").options[0].weight == 2
    with pytest.raises(KeyError):
        defn.question("g1")
    assert defn.max_score() == 4
    assert [s.link_id for s in defn.sections()] == ["g1", "g2"]


def test_a_top_level_question_forms_its_own_section() -> None:
    defn = parse_questionnaire(community())
    sections = defn.sections()
    assert [s.link_id for s in sections] == ["home", "people", "d1", "t1"]
    assert sections[2].type == "group"
    assert sections[2].items == (defn.question("d1"),)


def test_name_is_derived_from_the_title_when_missing() -> None:
    assert parse_questionnaire(base()).name == "SmallScreen"


def test_json_decimal_weight_that_is_whole_is_accepted() -> None:
    doc = base()
    item(doc, "q2")["answerOption"][0] = weighted("yes", 2.0)
    assert parse_questionnaire(doc).question("q2").options[0].weight == 2


# --- invalid documents ------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], object]


def set_key(link_id: str | None, key: str, value: object) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        (item(doc, link_id) if link_id else doc)[key] = value

    return mutate


def drop_key(key: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        del doc[key]

    return mutate


def when(link_id: str, *conditions: dict[str, Any], behavior: str | None = None) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        entry = item(doc, link_id)
        entry["enableWhen"] = list(conditions)
        if behavior:
            entry["enableBehavior"] = behavior

    return mutate


def bands(*new: dict[str, Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        parts = scoring(doc)
        parts[:] = [p for p in parts if p["url"] != "band"] + list(new)

    return mutate


def keys(*new: dict[str, Any]) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        parts = scoring(doc)
        parts[:] = [p for p in parts if p["url"] != "keyItem"] + list(new)

    return mutate


def option_weight(weight: object) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        item(doc, "q2")["answerOption"][0] = weighted("yes", weight)

    return mutate


def drop_link_id(doc: dict[str, Any]) -> None:
    del doc["item"][1]["item"][0]["linkId"]


def duplicate_link_id(doc: dict[str, Any]) -> None:
    item(doc, "q4")["linkId"] = "q1"


def no_scoring(doc: dict[str, Any]) -> None:
    doc["extension"] = []


def help_id_taken(doc: dict[str, Any]) -> None:
    item(doc, "q4")["linkId"] = "g1-help"


INVALID: list[Any] = [
    pytest.param(
        set_key(None, "resourceType", "Patient"), ["resourceType", "'Patient'"], id="type"
    ),
    pytest.param(drop_key("url"), ["url: missing", "versioned"], id="no-url"),
    pytest.param(set_key(None, "version", ""), ["version: missing"], id="no-version"),
    pytest.param(drop_key("title"), ["title: missing"], id="no-title"),
    pytest.param(set_key(None, "publisher", 7), ["publisher: must be a string"], id="publisher"),
    pytest.param(drop_link_id, ["item[1].item[0]: missing linkId"], id="no-linkid"),
    pytest.param(duplicate_link_id, ["item q1", "more than once", "item[1].item[0]"], id="dup"),
    pytest.param(set_key(None, "item", []), ["item: the questionnaire has no items"], id="empty"),
    pytest.param(set_key("g2", "item", []), ["item g2", "at least one item"], id="empty-group"),
    pytest.param(
        set_key("q3", "type", "attachment"),
        ["item q3: type 'attachment' is not supported"],
        id="unsupported",
    ),
    pytest.param(set_key("q3", "type", "foo"), ["item q3: unknown item type 'foo'"], id="unknown"),
    pytest.param(set_key("q4", "type", "choice"), ["item q4", "no answerOption"], id="no-options"),
    pytest.param(
        set_key("q2", "answerValueSet", "http://example.org/ValueSet/yn"),
        ["item q2", "answerValueSet is not supported"],
        id="value-set",
    ),
    pytest.param(
        set_key("q2", "answerOption", [{"valueString": "yes"}]),
        ["item q2", "answerOption[0] needs a valueCoding"],
        id="option-not-coding",
    ),
    pytest.param(
        option_weight(-1), ["item q2: option 'yes'", "negative weight -1", "skipping"], id="neg"
    ),
    pytest.param(
        option_weight(1.5), ["item q2: option 'yes'", "1.5", "not a whole number"], id="fraction"
    ),
    pytest.param(option_weight("2"), ["item q2: option 'yes'", "'2'"], id="weight-text"),
    pytest.param(
        set_key("q1", "extension", [{"url": ITEM_WEIGHT, "valueDecimal": -2}]),
        ["item q1", "negative weight -2"],
        id="neg-boolean",
    ),
    pytest.param(
        when("q5", condition("zz", "=", answerBoolean=True)),
        ["item q5", "unknown question 'zz'"],
        id="when-unknown",
    ),
    pytest.param(
        when("q5", condition("q5", "=", answerBoolean=True)),
        ["item q5", "names the item itself"],
        id="when-itself",
    ),
    pytest.param(
        when("q5", condition("g1", "exists", answerBoolean=True)),
        ["item q5", "'g1'", "a group, not a question"],
        id="when-group",
    ),
    pytest.param(
        when("q5", condition("d1", "exists", answerBoolean=True)),
        ["item q5", "'d1'", "a display, not a question"],
        id="when-display",
    ),
    pytest.param(
        when("q5", condition("total", "exists", answerBoolean=True)),
        ["item q5", "calculated total"],
        id="when-total",
    ),
    pytest.param(
        when("q5", condition("q1", "like", answerBoolean=True)),
        ["item q5", "operator 'like' is unknown"],
        id="when-operator",
    ),
    pytest.param(
        when("q5", condition("q1", "=", answerCoding={"code": "yes"})),
        ["item q5", "'q1' (a boolean question) needs answerBoolean, not answerCoding"],
        id="when-boolean-type",
    ),
    pytest.param(
        when("q5", condition("q2", "=", answerCoding={"code": "maybe"})),
        ["item q5", "'maybe' is not among its options"],
        id="when-code",
    ),
    pytest.param(
        when("q5", condition("q3", ">", answerString="2")),
        ["item q5", "'q3' (an integer question) needs answerInteger, not answerString"],
        id="when-integer-type",
    ),
    pytest.param(
        when("q5", condition("q2", ">", answerCoding={"code": "yes"})),
        ["item q5", "cannot use operator '>'"],
        id="when-order-choice",
    ),
    pytest.param(
        when("q5", condition("q3", "=", answerTime="10:00:00")),
        ["item q5", "answerTime is not supported"],
        id="when-time",
    ),
    pytest.param(
        when(
            "q5",
            condition("q1", "=", answerBoolean=True),
            condition("q2", "exists", answerBoolean=True),
        ),
        ["item q5", "enableBehavior", "required"],
        id="when-behavior",
    ),
    pytest.param(
        when("q5", condition("q1", "exists", answerBoolean=False)),
        ["item q5", "exists: false", "skipping a question raise the score"],
        id="exists-false",
    ),
    pytest.param(
        lambda doc: (
            when("q3", condition("q5", "=", answerBoolean=True))(doc),
            when("q5", condition("q3", ">", answerInteger=1))(doc),
        ),
        ["enableWhen cycle: q3 → q5 → q3"],
        id="cycle",
    ),
    pytest.param(
        when("g2", condition("q5", "=", answerBoolean=True)),
        ["enableWhen cycle: g2 → q5 → g2"],
        id="cycle-through-group",
    ),
    pytest.param(
        bands(band(1, 2, "some"), band(3, None, "high")),
        ["scoring", "start at 0", "starts at 1"],
        id="bands-start",
    ),
    pytest.param(
        bands(band(0, 2, "none"), band(2, None, "high")),
        ["scoring", "overlap", "'none' ends at 2", "'high' starts at 2"],
        id="bands-overlap",
    ),
    pytest.param(
        bands(band(0, 3, "none"), band(5, None, "high")),
        ["scoring: bands leave a gap between 3 and 5"],
        id="bands-gap",
    ),
    pytest.param(
        bands(band(0, 0, "none"), band(1, 3, "high")),
        ["scoring", "bands stop at 3", "highest possible score is 4"],
        id="bands-short",
    ),
    pytest.param(
        bands(band(0, 0, "none"), band(2, 1, "some"), band(2, None, "high")),
        ["scoring", "'some' has max 1 below min 2"],
        id="bands-max-below-min",
    ),
    pytest.param(
        bands(band(0, 0, "none"), band(1, 2, "none"), band(3, None, "high")),
        ["scoring", "level 'none' is used by more than one band"],
        id="bands-dup-level",
    ),
    pytest.param(
        bands(band(0, None, "none"), band(1, None, "high")),
        ["scoring", "'none' has no max but is not the last band"],
        id="bands-open-middle",
    ),
    pytest.param(bands(), ["scoring", "no bands"], id="bands-none"),
    pytest.param(no_scoring, ["scoring rules are missing"], id="no-scoring"),
    pytest.param(
        lambda doc: scoring(doc).__setitem__(0, {"url": "method", "valueCode": "avg"}),
        ["scoring", "method 'avg' is unknown"],
        id="method",
    ),
    pytest.param(
        keys(key_item("zz", {"valueBoolean": True}, "high")),
        ["key item zz", "names no question"],
        id="key-unknown",
    ),
    pytest.param(
        keys(key_item("q4", {"valueCoding": {"code": "x"}}, "high")),
        ["key item q4", "string question"],
        id="key-not-scoring",
    ),
    pytest.param(
        keys(key_item("q2", {"valueCoding": {"code": "maybe"}}, "high")),
        ["key item q2", "'maybe' is not among its options"],
        id="key-answer",
    ),
    pytest.param(
        keys(key_item("q1", {"valueCoding": {"code": "yes"}}, "high")),
        ["key item q1", "valueBoolean"],
        id="key-boolean-answer",
    ),
    pytest.param(
        keys(key_item("q1", {"valueBoolean": True}, "urgent")),
        ["key item q1", "level 'urgent' is not one of the bands'"],
        id="key-level",
    ),
    pytest.param(
        set_key("q1", "item", [{"linkId": "q1a", "type": "boolean", "text": "More?"}]),
        ["item q1", "only groups can contain other items"],
        id="question-children",
    ),
    pytest.param(set_key("q1", "repeats", True), ["item q1", "repeating"], id="repeats"),
    pytest.param(set_key("q1", "text", ""), ["item q1", "no text"], id="no-text"),
    pytest.param(
        set_key("total", "type", "string"),
        ["item total", "calculated total must be integer or decimal"],
        id="total-type",
    ),
    pytest.param(help_id_taken, ["item g1-help", "'why we ask' text of g1"], id="help-id"),
]


@pytest.mark.parametrize(("mutate", "expected"), INVALID)
def test_invalid_questionnaire_is_refused_naming_where_and_what(
    mutate: Mutation, expected: list[str]
) -> None:
    doc = base()
    parse_questionnaire(copy.deepcopy(doc))  # the base itself is valid
    mutate(doc)
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(doc)
    matching = [p for p in caught.value.problems if all(part in p for part in expected)]
    assert matching, caught.value.problems
    assert all(problem in str(caught.value) for problem in caught.value.problems)


@pytest.mark.parametrize("doc", [None, [], "Questionnaire", 3])
def test_not_a_json_object(doc: object) -> None:
    with pytest.raises(QuestionnaireInvalid, match="not a JSON object"):
        parse_questionnaire(doc)


def test_every_problem_is_reported_not_just_the_first() -> None:
    doc = base()
    del doc["url"]
    item(doc, "q3")["type"] = "attachment"
    option_weight(-1)(doc)
    when("q5", condition("zz", "=", answerBoolean=True))(doc)
    with pytest.raises(QuestionnaireInvalid) as caught:
        parse_questionnaire(doc)
    text = "\n".join(caught.value.problems)
    for part in ("url", "'attachment'", "negative weight", "'zz'"):
        assert part in text
    assert len(caught.value.problems) == 4
