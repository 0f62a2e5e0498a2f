"""Scoring a screening: which questions are shown, the score, the level of concern.

A result is a level of concern that leads to an in-depth assessment, never a verdict. The
rules are built so that skipping a question or choosing "prefer not to say" can never raise
the score or the level: weights are never negative, an unanswered question enables nothing,
and a key item only counts when it was actually answered.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from decimal import Decimal

from continuum.screening.answers import Answer
from continuum.screening.instrument import (
    YES_CODES,
    Condition,
    InstrumentDefinition,
    Item,
    KeyItem,
    points,
)

__all__ = ["YES_CODES", "ScoreResult", "enabled_link_ids", "score"]


@dataclass(frozen=True)
class ScoreResult:
    score: int
    max_score: int
    level: str
    level_label: str
    key_items_hit: tuple[str, ...]
    answered: int
    skipped: int
    declined: int


def enabled_link_ids(defn: InstrumentDefinition, answers: dict[str, Answer]) -> set[str]:
    """The linkIds of every enabled item (groups, displays and the total included)."""
    enablement = _Enablement(defn, answers)
    return {item.link_id for item in defn.walk() if enablement.enabled(item.link_id)}


def score(defn: InstrumentDefinition, answers: dict[str, Answer]) -> ScoreResult:
    enabled = enabled_link_ids(defn, answers)
    method = defn.scoring.method
    total = answered = skipped = declined = 0
    for question in defn.questions():
        if question.link_id not in enabled:
            continue
        answer = answers.get(question.link_id, Answer())
        if answer.declined:
            declined += 1
        elif answer.value is None:
            skipped += 1
        else:
            answered += 1
            total += points(question, answer.value, method)
    highest = defn.max_score()
    assert 0 <= total <= highest, "the instrument's validation let an impossible score through"
    keys_hit = _key_items_hit(defn, answers, enabled)
    level, label = _level(defn, total, keys_hit)
    hits = tuple(dict.fromkeys(key.link_id for key in keys_hit))
    return ScoreResult(total, highest, level, label, hits, answered, skipped, declined)


def level_rank(defn: InstrumentDefinition, level: str) -> int:
    """Position of a level in the instrument's order, lowest concern first."""
    return [code for code, _ in defn.levels()].index(level)


def _key_items_hit(
    defn: InstrumentDefinition, answers: dict[str, Answer], enabled: set[str]
) -> list[KeyItem]:
    return [
        key
        for key in defn.scoring.key_items
        if key.link_id in enabled
        and answers.get(key.link_id, Answer()).given
        and _same(answers[key.link_id].value, key.answer)
    ]


def _level(defn: InstrumentDefinition, total: int, keys_hit: list[KeyItem]) -> tuple[str, str]:
    bands = defn.scoring.bands
    rank = next(
        i
        for i, band in enumerate(bands)
        if band.min <= total and (band.max is None or total <= band.max)
    )
    # Key items raise the level, never lower it.
    rank = max([rank, *(level_rank(defn, key.level) for key in keys_hit)])
    return bands[rank].level, bands[rank].label


def _same(value: object, expected: object) -> bool:
    """Equal and of the same type: True must not match 1."""
    return type(value) is type(expected) and value == expected


class _Enablement:
    """FHIR R4 enableWhen: an item is enabled when its parent is and its conditions hold. A
    condition on a question that is unanswered, declined or itself disabled is false, whatever
    the operator (exists: false, the one exception, is refused at import)."""

    def __init__(self, defn: InstrumentDefinition, answers: dict[str, Answer]) -> None:
        self.items = {item.link_id: item for item in defn.walk()}
        self.parents = {child.link_id: item.link_id for item in defn.walk() for child in item.items}
        self.answers = answers
        self.memo: dict[str, bool] = {}
        self.visiting: set[str] = set()

    def enabled(self, link_id: str) -> bool:
        if link_id in self.memo:
            return self.memo[link_id]
        if link_id in self.visiting or link_id not in self.items:
            return False  # a cycle (refused at import) or an unknown item enables nothing
        self.visiting.add(link_id)
        parent = self.parents.get(link_id)
        result = (parent is None or self.enabled(parent)) and self.conditions_hold(
            self.items[link_id]
        )
        self.visiting.discard(link_id)
        self.memo[link_id] = result
        return result

    def conditions_hold(self, item: Item) -> bool:
        if not item.enable_when:
            return True
        results = (self.holds(condition) for condition in item.enable_when)
        return all(results) if item.enable_behavior == "all" else any(results)

    def holds(self, condition: Condition) -> bool:
        answer = self.answers.get(condition.question, Answer())
        if not answer.given or not self.enabled(condition.question):
            return False
        if condition.operator == "exists":
            return True
        question = self.items[condition.question]
        return _compare(condition.operator, question.type, answer.value, condition.answer)


def _compare(operator: str, kind: str, value: object, expected: object) -> bool:
    left, right = _comparable(kind, value), _comparable(kind, expected)
    if left is None or right is None:
        return False
    return bool(_OPERATORS[operator](left, right))


def _comparable(kind: str, value: object) -> Decimal | str | bool | None:
    """Both sides of a comparison in one type; None when a value does not fit the question.
    Only integer, decimal and date questions meet > and < (import refuses the rest); ISO
    dates order correctly as strings."""
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "integer":
        return Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else None
    if kind == "decimal":
        return Decimal(value) if isinstance(value, str) else None
    return value if isinstance(value, str) else None


_OPERATORS = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
    ">=": operator.ge,
    "<=": operator.le,
}
