"""Answers as a FHIR R4 QuestionnaireResponse, and back.

The response names the instrument (url|version) and nothing about the young person: no
subject, no author, no identifiers. Whoever holds the document learns what was answered,
never by whom; linking it to a person stays inside Continuum.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from continuum.screening.answers import (
    Answer,
    AnswersInvalid,
    answers_from_json,
    answers_to_json,
)
from continuum.screening.instrument import (
    DECLINED_SYSTEM,
    InstrumentDefinition,
    Item,
    decimal_json,
    is_question,
)
from continuum.screening.scoring import ScoreResult, enabled_link_ids, score

STATUSES = frozenset({"in-progress", "completed", "amended", "entered-in-error", "stopped"})
DECLINED_CODING = {
    "system": DECLINED_SYSTEM,
    "code": "asked-declined",
    "display": "Prefer not to say",
}
_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR id
# As for instruments: deeper nesting is a broken or hostile document (and would exhaust the
# stack: RecursionError, a 500, rather than a problem to report).
_MAX_DEPTH = 20
_VALUE_KEYS = {
    "boolean": "valueBoolean",
    "choice": "valueCoding",
    "string": "valueString",
    "text": "valueString",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "date": "valueDate",
}


def questionnaire_response(
    defn: InstrumentDefinition,
    answers: dict[str, Answer],
    *,
    status: str,
    authored: datetime,
    response_id: str | None = None,
    result: ScoreResult | None = None,
) -> dict[str, Any]:
    """Only enabled items carry answers (FHIR: a disabled item has none). The calculated
    total is filled in when `result` is given, and it must be the score of these answers."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r} is not a QuestionnaireResponse status")
    if authored.utcoffset() is None:
        raise ValueError("authored needs a time zone (FHIR dateTime with a time requires one)")
    if response_id is not None and not _ID.fullmatch(response_id):
        raise ValueError(f"response id {response_id!r} is not a FHIR id")
    answers_from_json(defn, answers_to_json(answers))  # the same checks as stored answers
    if result is not None and result != score(defn, answers):
        raise ValueError("the result given is not the score of these answers")
    doc: dict[str, Any] = {"resourceType": "QuestionnaireResponse"}
    if response_id is not None:
        doc["id"] = response_id
    doc |= {
        "questionnaire": _canonical(defn),
        "status": status,
        "authored": authored.isoformat(),
    }
    items = _items(defn.items, answers, enabled_link_ids(defn, answers), result)
    if items:
        doc["item"] = items
    return doc


def answers_from_response(defn: InstrumentDefinition, doc: object) -> dict[str, Answer]:
    if not isinstance(doc, dict) or doc.get("resourceType") != "QuestionnaireResponse":
        raise AnswersInvalid({"": "the document is not a QuestionnaireResponse"})
    if doc.get("questionnaire") != _canonical(defn):
        raise AnswersInvalid(
            {"": f"this response answers {doc.get('questionnaire')!r}, not {_canonical(defn)}"}
        )
    reader = _ResponseReader(defn)
    reader.read(doc.get("item", []), "item")
    try:
        answers = answers_from_json(defn, reader.stored)
    except AnswersInvalid as exc:
        raise AnswersInvalid(exc.problems | reader.problems) from None  # the reader's say more
    if reader.problems:
        raise AnswersInvalid(reader.problems)
    return answers


def _canonical(defn: InstrumentDefinition) -> str:
    return f"{defn.url}|{defn.version}"


# --- writing -----------------------------------------------------------------------------


def _items(
    items: tuple[Item, ...],
    answers: dict[str, Answer],
    enabled: set[str],
    result: ScoreResult | None,
) -> list[dict[str, Any]]:
    out = (_item(item, answers, enabled, result) for item in items if item.link_id in enabled)
    return [entry for entry in out if entry is not None]


def _item(
    item: Item, answers: dict[str, Answer], enabled: set[str], result: ScoreResult | None
) -> dict[str, Any] | None:
    head: dict[str, Any] = {"linkId": item.link_id} | ({"text": item.text} if item.text else {})
    if item.type == "group":
        children = _items(item.items, answers, enabled, result)
        return head | {"item": children} if children else None  # an empty group says nothing
    if item.calculated:
        if result is None:
            return None
        key = "valueDecimal" if item.type == "decimal" else "valueInteger"
        return head | {"answer": [{key: result.score}]}
    answer = answers.get(item.link_id)
    if not is_question(item) or answer is None or not (answer.declined or answer.given):
        return None
    return head | {"answer": [_answer_json(item, answer)]}


def _answer_json(item: Item, answer: Answer) -> dict[str, Any]:
    if answer.declined:
        return {"valueCoding": dict(DECLINED_CODING)}
    key = _VALUE_KEYS[item.type]
    if item.type == "choice":
        option = next(o for o in item.options if o.code == answer.value)
        coding = {"system": option.system} if option.system else {}
        return {key: coding | {"code": option.code, "display": option.display}}
    if item.type == "decimal":
        return {key: decimal_json(str(answer.value))}
    return {key: answer.value}


# --- reading -----------------------------------------------------------------------------


class _ResponseReader:
    """Collects answers in their stored form, wherever the items sit (nested or flat)."""

    def __init__(self, defn: InstrumentDefinition) -> None:
        self.items = {item.link_id: item for item in defn.walk()}
        self.stored: dict[str, Any] = {}
        self.problems: dict[str, str] = {}

    def read(self, entries: object, path: str, depth: int = 0) -> None:
        if depth > _MAX_DEPTH:
            self.problems[path] = f"items are nested more than {_MAX_DEPTH} deep"
            return
        if not isinstance(entries, list):
            self.problems[path] = "item must be a list"
            return
        for index, entry in enumerate(entries):
            where = f"{path}[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("linkId"), str):
                self.problems[where] = "an item needs a linkId"
                continue
            self.entry(entry, where, depth)

    def entry(self, entry: dict[str, Any], where: str, depth: int) -> None:
        link_id = entry["linkId"]
        answers = entry.get("answer", [])
        if not isinstance(answers, list):
            self.problems[link_id] = "answer must be a list"
            return
        for index, answer in enumerate(answers):
            if isinstance(answer, dict) and "item" in answer:
                self.read(answer["item"], f"{where}.answer[{index}].item", depth + 1)
        if "item" in entry:
            self.read(entry["item"], f"{where}.item", depth + 1)
        item = self.items.get(link_id)
        if item is not None and (item.calculated or item.type in ("group", "display")):
            return  # the total is recomputed from the answers, never trusted
        if answers:
            self.answer(link_id, item, answers)

    def answer(self, link_id: str, item: Item | None, answers: list[Any]) -> None:
        if link_id in self.stored:
            self.problems[link_id] = "answered more than once"
        elif len(answers) != 1 or not isinstance(answers[0], dict):
            self.problems[link_id] = "expected exactly one answer (repeats are not supported)"
        elif item is None:
            self.stored[link_id] = {}  # answers_from_json names the unknown linkId
        else:
            self.value(link_id, item, answers[0])

    def value(self, link_id: str, item: Item, answer: dict[str, Any]) -> None:
        keys = [key for key in answer if key.startswith("value")]
        coding = answer.get("valueCoding")
        if keys == ["valueCoding"] and _is_declined(coding):
            self.stored[link_id] = {"declined": True}
        elif keys != [_VALUE_KEYS[item.type]]:
            self.problems[link_id] = f"expected {_VALUE_KEYS[item.type]}, got {', '.join(keys)}"
        elif item.type == "choice":
            code = self.code(link_id, item, coding)
            if code is not None:
                self.stored[link_id] = {"value": code}
        else:
            self.stored[link_id] = {"value": answer[keys[0]]}

    def code(self, link_id: str, item: Item, coding: object) -> str | None:
        code = coding.get("code") if isinstance(coding, dict) else None
        system = coding.get("system") if isinstance(coding, dict) else None
        if not isinstance(code, str):
            self.problems[link_id] = "valueCoding has no code"
            return None
        option = next((o for o in item.options if o.code == code), None)
        if option is not None and system and option.system and system != option.system:
            self.problems[link_id] = f"code '{code}' is from {system}, not {option.system}"
        return code


def _is_declined(coding: object) -> bool:
    return (
        isinstance(coding, dict)
        and coding.get("system") == DECLINED_SYSTEM
        and coding.get("code") == "asked-declined"
    )
