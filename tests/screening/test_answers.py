"""Stored answers (answers_from_json / answers_to_json): every question type, skips, "prefer
not to say", and each way a stored answer can be wrong."""

from __future__ import annotations

from typing import Any

import pytest

from continuum.screening.answers import (
    PREFER_NOT,
    Answer,
    AnswersInvalid,
    answers_from_json,
    answers_to_json,
)
from continuum.screening.instrument import (
    CALCULATED_EXPRESSION,
    EXT,
    ITEM_WEIGHT,
    InstrumentDefinition,
    parse_questionnaire,
)


def every_type() -> InstrumentDefinition:
    def question(link_id: str, type_: str, **extra: object) -> dict[str, Any]:
        return {"linkId": link_id, "type": type_, "text": f"{link_id}?", **extra}

    yes_no = [
        {
            "extension": [{"url": ITEM_WEIGHT, "valueDecimal": weight}],
            "valueCoding": {"code": code},
        }
        for code, weight in (("yes", 1), ("no", 0))
    ]
    total = {
        "url": CALCULATED_EXPRESSION,
        "valueExpression": {"language": "text/fhirpath", "expression": "1"},
    }
    return parse_questionnaire(
        {
            "resourceType": "Questionnaire",
            "url": "https://example.org/fhir/Questionnaire/types",
            "version": "3",
            "title": "Every type",
            "extension": [
                {
                    "url": EXT + "screening-scoring",
                    "extension": [
                        {"url": "method", "valueCode": "sum"},
                        {
                            "url": "band",
                            "extension": [
                                {"url": "min", "valueInteger": 0},
                                {"url": "level", "valueCoding": {"code": "any"}},
                            ],
                        },
                    ],
                }
            ],
            "item": [
                question("b", "boolean"),
                question("c", "choice", answerOption=yes_no),
                question("s", "string"),
                question("t", "text"),
                question("i", "integer"),
                question("d", "decimal"),
                question("when", "date"),
                question("total", "integer", extension=[total]),
            ],
        }
    )


DEFN = every_type()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ({"b": {"value": True}}, Answer(True)),
        ({"b": {"value": False}}, Answer(False)),
        ({"c": {"value": "no"}}, Answer("no")),
        ({"s": {"value": "at a friend's"}}, Answer("at a friend's")),
        ({"t": {"value": "line one\nline two"}}, Answer("line one\nline two")),
        ({"i": {"value": 0}}, Answer(0)),
        ({"i": {"value": -3}}, Answer(-3)),
        ({"d": {"value": 1.5}}, Answer("1.5")),
        ({"d": {"value": "1.50"}}, Answer("1.5")),
        ({"d": {"value": 2}}, Answer("2")),
        ({"d": {"value": "-0.0"}}, Answer("0")),
        ({"when": {"value": "2024-02-29"}}, Answer("2024-02-29")),
        ({"b": {"declined": True}}, PREFER_NOT),
        ({"c": {"declined": True, "value": None}}, PREFER_NOT),
        ({"b": {"value": True, "declined": False}}, Answer(True)),
    ],
)
def test_valid_answers_are_read_in_their_stored_types(
    stored: dict[str, Any], expected: Answer
) -> None:
    ((link_id, answer),) = answers_from_json(DEFN, stored).items()
    assert answer == expected
    assert type(answer.value) is type(expected.value)
    assert link_id in stored


def test_a_missing_key_is_a_skipped_question() -> None:
    assert answers_from_json(DEFN, {}) == {}
    assert "s" not in answers_from_json(DEFN, {"b": {"value": True}})


@pytest.mark.parametrize(
    ("link_id", "raw", "message"),
    [
        ("nope", {"value": True}, "no such question"),
        ("total", {"value": 3}, "calculated total"),
        ("b", {"value": "yes"}, "expected true or false"),
        ("b", {"value": 1}, "expected true or false"),
        ("c", {"value": "maybe"}, "'maybe' is not among the options (yes, no)"),
        ("c", {"value": True}, "expected an option code"),
        ("s", {"value": 4}, "expected text"),
        ("s", {"value": "   "}, "empty text"),
        ("i", {"value": True}, "expected a whole number"),
        ("i", {"value": 1.5}, "expected a whole number"),
        ("i", {"value": "3"}, "expected a whole number"),
        ("i", {"value": 2**31}, "out of range"),
        ("d", {"value": "abc"}, "expected a number"),
        ("d", {"value": "NaN"}, "expected a number"),
        ("d", {"value": "1.2345678901234567"}, "at most 15 digits"),
        ("d", {"value": False}, "expected a number"),
        ("when", {"value": "2023-02-29"}, "YYYY-MM-DD"),
        ("when", {"value": "20240101"}, "YYYY-MM-DD"),
        ("when", {"value": "2024-01"}, "YYYY-MM-DD"),
        ("b", {}, '{"value": …} or {"declined": true}'),
        ("b", True, '{"value": …} or {"declined": true}'),
        ("b", {"value": True, "note": "x"}, '{"value": …} or {"declined": true}'),
        ("b", {"value": None}, "leave the question out to skip it"),
        ("b", {"declined": "yes"}, "declined must be true or false"),
        ("b", {"declined": True, "value": True}, "both given and declined"),
    ],
)
def test_invalid_answers_are_refused_by_link_id(link_id: str, raw: object, message: str) -> None:
    with pytest.raises(AnswersInvalid) as caught:
        answers_from_json(DEFN, {link_id: raw})
    assert list(caught.value.problems) == [link_id]
    assert message in caught.value.problems[link_id]
    assert link_id in str(caught.value)


def test_every_invalid_answer_is_reported_together() -> None:
    with pytest.raises(AnswersInvalid) as caught:
        answers_from_json(
            DEFN, {"b": {"value": 2}, "c": {"value": "x"}, "s": {"value": "ok"}, "zz": {}}
        )
    assert set(caught.value.problems) == {"b", "c", "zz"}


@pytest.mark.parametrize("data", [None, [], "answers", 3])
def test_answers_must_be_an_object(data: object) -> None:
    with pytest.raises(AnswersInvalid) as caught:
        answers_from_json(DEFN, data)
    assert list(caught.value.problems) == [""]


def test_to_json_and_back() -> None:
    answers = {
        "b": Answer(False),
        "c": PREFER_NOT,
        "i": Answer(4),
        "d": Answer("0.25"),
        "when": Answer("2025-12-31"),
        "t": Answer("words"),
    }
    stored = answers_to_json(answers)
    assert stored["b"] == {"value": False}
    assert stored["c"] == {"declined": True}
    assert answers_from_json(DEFN, stored) == answers


def test_to_json_leaves_out_empty_answers() -> None:
    assert answers_to_json({"b": Answer(), "c": Answer("yes")}) == {"c": {"value": "yes"}}


def test_answer_given() -> None:
    assert Answer(False).given
    assert not Answer().given
    assert not PREFER_NOT.given
