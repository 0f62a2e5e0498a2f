"""Answers to an instrument's questions, and their stored JSON form.

Stored form: {"q1": {"value": true}, "q2": {"declined": true}}. A question left out was
skipped; "declined" is the young person choosing "prefer not to say", which is recorded as
such and never counts towards a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from continuum.screening.instrument import (
    InstrumentDefinition,
    Item,
    canonical_decimal,
    is_iso_date,
)

_INT32 = range(-(2**31), 2**31)  # FHIR integer


@dataclass(frozen=True)
class Answer:
    value: bool | str | int | None = None
    declined: bool = False

    @property
    def given(self) -> bool:
        """An actual answer: not declined, not empty."""
        return not self.declined and self.value is not None


PREFER_NOT = Answer(declined=True)


class AnswersInvalid(ValueError):
    """`problems` maps linkId → what is wrong; "" is the document as a whole."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{key or 'answers'}: {text}" for key, text in problems.items()))


def answers_from_json(defn: InstrumentDefinition, data: object) -> dict[str, Answer]:
    if not isinstance(data, dict):
        raise AnswersInvalid({"": "answers must be a JSON object keyed by linkId"})
    questions = {item.link_id: item for item in defn.questions()}
    calculated = {item.link_id for item in defn.walk() if item.calculated}
    answers: dict[str, Answer] = {}
    problems: dict[str, str] = {}
    for link_id, raw in data.items():
        if link_id in calculated:
            problems[link_id] = "the calculated total is filled with the score, never answered"
        elif link_id not in questions:
            problems[link_id] = f"no such question in {defn.title} {defn.version}"
        else:
            try:
                answers[link_id] = _answer(questions[link_id], raw)
            except ValueError as exc:
                problems[link_id] = str(exc)
    if problems:
        raise AnswersInvalid(problems)
    return answers


def answers_to_json(answers: dict[str, Answer]) -> dict[str, Any]:
    return {
        link_id: {"declined": True} if answer.declined else {"value": answer.value}
        for link_id, answer in answers.items()
        if answer.declined or answer.value is not None
    }


def _answer(question: Item, raw: object) -> Answer:
    if not isinstance(raw, dict) or not raw or set(raw) - {"value", "declined"}:
        raise ValueError('expected {"value": …} or {"declined": true}')
    declined = raw.get("declined", False)
    if not isinstance(declined, bool):
        raise ValueError("declined must be true or false")
    if declined:
        if raw.get("value") is not None:
            raise ValueError("an answer cannot be both given and declined")
        return PREFER_NOT
    if raw.get("value") is None:
        raise ValueError("no value; leave the question out to skip it")
    return Answer(value=_value(question, raw["value"]))


def _value(question: Item, value: object) -> bool | str | int:
    """The value in its stored type, or ValueError saying what the question expects."""
    kind = question.type
    if kind == "boolean" and isinstance(value, bool):
        return value
    if kind == "choice" and isinstance(value, str):
        codes = [option.code for option in question.options]
        if value in codes:
            return value
        raise ValueError(f"'{value}' is not among the options ({', '.join(codes)})")
    if kind in ("string", "text") and isinstance(value, str):
        if value.strip():
            return value
        raise ValueError("empty text; leave the question out to skip it")
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        if value in _INT32:
            return value
        raise ValueError(f"{value} is out of range")
    if kind == "decimal":
        canonical = canonical_decimal(value)
        if canonical is not None:
            return canonical
    if kind == "date" and is_iso_date(value):
        assert isinstance(value, str)
        return value
    raise ValueError(_EXPECTED.get(kind, f"a {kind} question cannot be answered"))


_EXPECTED = {
    "boolean": "expected true or false",
    "choice": "expected an option code",
    "string": "expected text",
    "text": "expected text",
    "integer": "expected a whole number",
    "decimal": "expected a number (at most 15 digits)",
    "date": "expected a date as YYYY-MM-DD",
}
