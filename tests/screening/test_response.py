"""QuestionnaireResponse: answers → response → answers, "prefer not to say" as the HL7
data-absent-reason coding, the calculated total, nothing that identifies the young person,
and responses to another instrument (or version) refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings

from continuum.screening.answers import PREFER_NOT, Answer, AnswersInvalid
from continuum.screening.instrument import DECLINED_SYSTEM, load_bundled, parse_questionnaire
from continuum.screening.response import answers_from_response, questionnaire_response
from continuum.screening.scoring import enabled_link_ids, score
from tests.screening.test_answers import DEFN as EVERY_TYPE
from tests.screening.test_scoring import answers_for

FIXTURE = Path(__file__).parent / "fixtures" / "community-screen.json"
COMMUNITY = parse_questionnaire(json.loads(FIXTURE.read_text(encoding="utf-8")))
(BUNDLED,) = load_bundled()
WHEN = datetime(2026, 3, 14, 15, 9, tzinfo=timezone(timedelta(hours=-4)))

COMMUNITY_ANSWERS = {
    "b1": Answer(True),
    "n1": Answer(3),
    "b3": PREFER_NOT,
    "c2": Answer("LA33-6"),
    "b4": Answer(False),
    "c1": Answer("sometimes"),
    "b6": Answer(True),
    "d1": Answer("2026-03-01"),
    "t1": Answer("Nothing else — thank you."),
}


def response(defn: Any = COMMUNITY, answers: Any = None, **options: Any) -> dict[str, Any]:
    chosen = COMMUNITY_ANSWERS if answers is None else answers
    settings: dict[str, Any] = {"status": "completed", "authored": WHEN} | options
    return questionnaire_response(defn, chosen, **settings)


def flat(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for entry in items:
        found[entry["linkId"]] = entry
        found |= flat(entry.get("item", []))
    return found


def test_round_trip_community() -> None:
    doc = response()
    assert answers_from_response(COMMUNITY, doc) == COMMUNITY_ANSWERS
    assert answers_from_response(COMMUNITY, json.loads(json.dumps(doc))) == COMMUNITY_ANSWERS


def test_round_trip_every_type() -> None:
    answers = {
        "b": Answer(False),
        "c": Answer("yes"),
        "s": Answer("a street name"),
        "t": PREFER_NOT,
        "i": Answer(-2),
        "d": Answer("3.25"),
        "when": Answer("2025-01-31"),
    }
    doc = response(EVERY_TYPE, answers)
    assert flat(doc["item"])["d"]["answer"] == [{"valueDecimal": 3.25}]
    assert answers_from_response(EVERY_TYPE, json.loads(json.dumps(doc))) == answers


@hypothesis_settings(max_examples=100, deadline=None, database=None)
@given(answers_for(BUNDLED))
def test_round_trip_keeps_every_enabled_answer(answers: dict[str, Answer]) -> None:
    enabled = enabled_link_ids(BUNDLED, answers)
    kept = {k: v for k, v in answers.items() if k in enabled}
    doc = response(BUNDLED, answers, result=score(BUNDLED, answers))
    assert answers_from_response(BUNDLED, doc) == kept


def test_header() -> None:
    doc = response(response_id="abc-123")
    assert doc["resourceType"] == "QuestionnaireResponse"
    assert doc["id"] == "abc-123"
    assert doc["questionnaire"] == (
        "https://palmetto-coalition.example.org/fhir/Questionnaire/youth-safety-screen|2.1"
    )
    assert doc["status"] == "completed"
    assert doc["authored"] == "2026-03-14T15:09:00-04:00"


def test_items_mirror_the_groups() -> None:
    doc = response()
    assert [entry["linkId"] for entry in doc["item"]] == ["home", "people", "d1", "t1"]
    home = doc["item"][0]
    assert [entry["linkId"] for entry in home["item"]] == ["b1", "n1", "b3", "c2"]
    assert home["item"][0] == {
        "linkId": "b1",
        "text": "In the past year, have you run away or been told to leave home?",
        "answer": [{"valueBoolean": True}],
    }
    assert flat(doc["item"])["c2"]["answer"] == [
        {"valueCoding": {"system": "http://loinc.org", "code": "LA33-6", "display": "Yes"}}
    ]


def test_declined_is_the_data_absent_reason_coding() -> None:
    declined = flat(response()["item"])["b3"]["answer"]
    assert declined == [
        {
            "valueCoding": {
                "system": DECLINED_SYSTEM,
                "code": "asked-declined",
                "display": "Prefer not to say",
            }
        }
    ]


def test_skipped_and_hidden_questions_carry_no_answer() -> None:
    answers = {"b1": Answer(False), "n1": Answer(2), "b2": Answer(True)}  # n1 is hidden
    items = flat(response(answers=answers)["item"])
    assert set(items) == {"home", "b1", "b2"}  # no empty groups either


def test_no_answers_means_no_items() -> None:
    assert "item" not in response(answers={})


def test_calculated_total_is_filled_with_the_score() -> None:
    answers = {"exchange-sex": Answer("yes"), "stay-left": Answer("yes")}
    result = score(BUNDLED, answers)
    items = flat(response(BUNDLED, answers, result=result)["item"])
    assert items["total"]["answer"] == [{"valueInteger": 3}]
    assert "total" not in flat(response(BUNDLED, answers)["item"])


def test_a_result_that_is_not_these_answers_score_is_refused() -> None:
    result = score(BUNDLED, {"exchange-sex": Answer("yes")})
    with pytest.raises(ValueError, match="not the score"):
        response(BUNDLED, {}, result=result)


def test_the_total_in_a_response_is_never_trusted() -> None:
    doc = response(BUNDLED, {"stay-left": Answer("yes")})
    doc["item"].append({"linkId": "total", "answer": [{"valueInteger": 99}]})
    assert answers_from_response(BUNDLED, doc) == {"stay-left": Answer("yes")}


IDENTIFYING = {"subject", "author", "source", "encounter", "identifier", "basedOn", "partOf"}


def test_nothing_identifies_the_young_person() -> None:
    answers = {"stay-left": Answer("yes"), "hard-hurt": PREFER_NOT}
    doc = response(BUNDLED, answers, result=score(BUNDLED, answers))
    assert not IDENTIFYING & set(doc)
    assert set(doc) <= {"resourceType", "id", "questionnaire", "status", "authored", "item"}
    text = json.dumps(doc)
    for field in IDENTIFYING | {"Patient", "name", "birthDate", "reference"}:
        assert f'"{field}"' not in text


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"status": "done"}, "status"),
        ({"authored": datetime(2026, 3, 14, 15, 9)}, "time zone"),
        ({"response_id": "has spaces"}, "FHIR id"),
    ],
)
def test_bad_header_values_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        response(**options)


def test_invalid_answers_are_refused_when_writing() -> None:
    with pytest.raises(AnswersInvalid) as caught:
        response(answers={"b1": Answer("yes"), "zz": Answer(True)})
    assert set(caught.value.problems) == {"b1", "zz"}


def test_authored_in_utc() -> None:
    doc = response(authored=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert doc["authored"] == "2026-01-02T03:04:05+00:00"


# --- reading a response ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "canonical",
    [
        "https://palmetto-coalition.example.org/fhir/Questionnaire/youth-safety-screen|2.0",
        "https://palmetto-coalition.example.org/fhir/Questionnaire/youth-safety-screen",
        "https://continuum.example.org/fhir/Questionnaire/continuum-indicators|1.0.0",
        None,
    ],
)
def test_a_response_to_another_instrument_or_version_is_refused(canonical: str | None) -> None:
    doc = response()
    doc["questionnaire"] = canonical
    with pytest.raises(AnswersInvalid) as caught:
        answers_from_response(COMMUNITY, doc)
    assert list(caught.value.problems) == [""]
    assert "youth-safety-screen|2.1" in caught.value.problems[""]


@pytest.mark.parametrize("doc", [None, [], {"resourceType": "Questionnaire"}])
def test_not_a_response(doc: object) -> None:
    with pytest.raises(AnswersInvalid, match="not a QuestionnaireResponse"):
        answers_from_response(COMMUNITY, doc)


def break_item(link_id: str, answer: object) -> dict[str, Any]:
    doc = copy.deepcopy(response())
    flat(doc["item"])[link_id]["answer"] = answer
    return doc


@pytest.mark.parametrize(
    ("doc", "link_id", "message"),
    [
        (break_item("b1", [{"valueString": "yes"}]), "b1", "expected valueBoolean"),
        (break_item("b1", [{"valueBoolean": True}, {"valueBoolean": False}]), "b1", "exactly one"),
        (break_item("c2", [{"valueCoding": {"code": "maybe"}}]), "c2", "not among the options"),
        (
            break_item(
                "c2", [{"valueCoding": {"system": "http://snomed.info/sct", "code": "LA33-6"}}]
            ),
            "c2",
            "not http://loinc.org",
        ),
        (break_item("c2", [{"valueCoding": {"display": "Yes"}}]), "c2", "no code"),
        (break_item("d1", [{"valueDate": "2026-02-30"}]), "d1", "YYYY-MM-DD"),
        (break_item("n1", "3"), "n1", "answer must be a list"),
    ],
)
def test_invalid_answers_in_a_response(doc: dict[str, Any], link_id: str, message: str) -> None:
    with pytest.raises(AnswersInvalid) as caught:
        answers_from_response(COMMUNITY, doc)
    assert message in caught.value.problems[link_id]


def test_unknown_and_duplicate_items_in_a_response() -> None:
    doc = response()
    doc["item"].append({"linkId": "zz", "answer": [{"valueBoolean": True}]})
    doc["item"].append({"linkId": "t1", "answer": [{"valueString": "again"}]})
    with pytest.raises(AnswersInvalid) as caught:
        answers_from_response(COMMUNITY, doc)
    assert "no such question" in caught.value.problems["zz"]
    assert "more than once" in caught.value.problems["t1"]


def test_a_flat_response_is_read_too() -> None:
    doc = response()
    doc["item"] = [entry for entry in flat(doc["item"]).values() if "answer" in entry]
    assert answers_from_response(COMMUNITY, doc) == COMMUNITY_ANSWERS
