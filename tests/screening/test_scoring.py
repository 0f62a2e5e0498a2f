"""Scoring: enableWhen, sum and count-yes, bands, key items, declined answers; and properties
over the bundled instrument, the community fixture and random small valid instruments:
a score stays in range, and skipping or "prefer not to say" never raises score or level."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from continuum.screening.answers import PREFER_NOT, Answer
from continuum.screening.instrument import (
    EXT,
    ITEM_WEIGHT,
    InstrumentDefinition,
    Item,
    load_bundled,
    parse_questionnaire,
    to_questionnaire,
)
from continuum.screening.scoring import (
    YES_CODES,
    ScoreResult,
    enabled_link_ids,
    level_rank,
    score,
)
from tests.screening.test_instrument_import import base, condition, item

examples = hypothesis_settings(max_examples=150, deadline=None, database=None)

FIXTURE = Path(__file__).parent / "fixtures" / "community-screen.json"
SMALL = parse_questionnaire(base())  # sum; q1 1, q2 yes 2, q5 1 (shown when q1 is yes)
COMMUNITY = parse_questionnaire(json.loads(FIXTURE.read_text(encoding="utf-8")))
(BUNDLED,) = load_bundled()

Y, N = Answer(True), Answer(False)


def with_doc(change: Any) -> InstrumentDefinition:
    doc = base()
    change(doc)
    return parse_questionnaire(doc)


def summary(result: ScoreResult) -> tuple[int, str, tuple[str, ...]]:
    return result.score, result.level, result.key_items_hit


# --- sum ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, (0, "none", ())),
        ({"q1": Y}, (1, "some", ())),
        ({"q1": N}, (0, "none", ())),
        ({"q1": Y, "q5": Y}, (2, "some", ())),
        ({"q1": N, "q5": Y}, (0, "none", ())),  # q5 is hidden, its answer does not count
        ({"q2": Answer("unsure")}, (0, "none", ())),
        ({"q2": Answer("no"), "q1": Y}, (1, "some", ())),
        ({"q2": Answer("yes")}, (2, "high", ("q2",))),  # the key item raises "some" to "high"
        ({"q1": Y, "q2": Answer("yes"), "q5": Y}, (4, "high", ("q2",))),  # the open band
        ({"q1": Y, "q3": Answer(12), "q4": Answer("text")}, (1, "some", ())),
        ({"q1": PREFER_NOT, "q5": Y}, (0, "none", ())),  # declined enables nothing
        ({"q2": PREFER_NOT}, (0, "none", ())),  # a declined key item is no hit
    ],
)
def test_sum(answers: dict[str, Answer], expected: tuple[int, str, tuple[str, ...]]) -> None:
    assert summary(score(SMALL, answers)) == expected


def test_counts_are_over_enabled_questions() -> None:
    result = score(SMALL, {"q1": Y, "q2": PREFER_NOT, "q3": Answer(2)})
    assert (result.answered, result.skipped, result.declined) == (2, 2, 1)  # q4, q5 skipped
    hidden = score(SMALL, {"q1": N, "q5": Y})
    assert (hidden.answered, hidden.skipped, hidden.declined) == (1, 3, 0)  # q5 not counted


def test_result_carries_max_and_label() -> None:
    result = score(SMALL, {"q1": Y})
    assert result.max_score == 4
    assert result.level_label == "Some"


# --- count-yes (the community fixture) --------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({}, (0, "low", ())),
        ({"b1": Y}, (1, "moderate", ())),
        ({"b1": Y, "b2": Y, "b3": Y}, (3, "high", ())),
        ({"b4": Y}, (1, "high", ("b4",))),
        ({"b4": N}, (0, "low", ())),
        ({"c2": Answer("LA33-6")}, (1, "moderate", ())),
        ({"c2": Answer("LA32-8")}, (0, "low", ())),
        ({"c1": Answer("often")}, (0, "low", ())),  # ordinal weights do not count in count-yes
        ({"b3": Y}, (0, "low", ())),  # hidden: neither b1 nor b2 is yes
        ({"b2": Y, "b3": Y}, (2, "moderate", ())),  # enableBehavior any
        ({"b6": Y}, (0, "low", ())),  # c1 unanswered: != is false too
        ({"c1": Answer("sometimes"), "b6": Y}, (1, "moderate", ())),
        ({"c1": Answer("never"), "b6": Y}, (0, "low", ())),
        ({"c1": PREFER_NOT, "b6": Y}, (0, "low", ())),
        (
            {f"b{i}": Y for i in range(1, 7)} | {"c1": Answer("often"), "c2": Answer("LA33-6")},
            (7, "high", ("b4",)),
        ),
    ],
)
def test_count_yes(answers: dict[str, Answer], expected: tuple[int, str, tuple[str, ...]]) -> None:
    assert summary(score(COMMUNITY, answers)) == expected


def test_yes_codes() -> None:
    assert frozenset({"yes", "Y", "y", "LA33-6"}) == YES_CODES


def test_chained_enable_when_through_a_hidden_question() -> None:
    # d1 is shown when n1 >= 1, and n1 only when b1 is yes.
    assert "d1" in enabled_link_ids(COMMUNITY, {"b1": Y, "n1": Answer(2)})
    assert "d1" not in enabled_link_ids(COMMUNITY, {"b1": Y, "n1": Answer(0)})
    # b1 no hides n1, and an answer to a hidden question enables nothing.
    assert "d1" not in enabled_link_ids(COMMUNITY, {"b1": N, "n1": Answer(2)})


# --- enableWhen ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behavior", "answers", "shown"),
    [
        ("all", {"q1": Y, "q2": Answer("yes")}, True),
        ("all", {"q1": Y, "q2": Answer("no")}, False),
        ("all", {"q1": Y}, False),
        ("any", {"q1": Y}, True),
        ("any", {"q2": Answer("yes")}, True),
        ("any", {"q1": N, "q2": Answer("no")}, False),
        ("any", {"q1": PREFER_NOT, "q2": PREFER_NOT}, False),
    ],
)
def test_enable_behavior(behavior: str, answers: dict[str, Answer], shown: bool) -> None:
    defn = with_doc(
        lambda doc: item(doc, "q5").update(
            enableWhen=[
                condition("q1", "=", answerBoolean=True),
                condition("q2", "=", answerCoding={"code": "yes"}),
            ],
            enableBehavior=behavior,
        )
    )
    assert ("q5" in enabled_link_ids(defn, answers)) is shown


@pytest.mark.parametrize(
    ("operator", "threshold", "answer", "shown"),
    [
        ("=", 3, 3, True),
        ("=", 3, 4, False),
        ("!=", 3, 4, True),
        ("!=", 3, 3, False),
        ("!=", 3, None, False),  # unanswered: every operator is false
        (">", 3, 4, True),
        (">", 3, 3, False),
        ("<", 3, 2, True),
        ("<", 3, 3, False),
        (">=", 3, 3, True),
        ("<=", 3, 4, False),
        ("exists", None, 0, True),
        ("exists", None, None, False),
    ],
)
def test_integer_operators(
    operator: str, threshold: int | None, answer: int | None, shown: bool
) -> None:
    rule = (
        condition("q3", "exists", answerBoolean=True)
        if threshold is None
        else condition("q3", operator, answerInteger=threshold)
    )
    defn = with_doc(lambda doc: item(doc, "q5").update(enableWhen=[rule]))
    answers = {} if answer is None else {"q3": Answer(answer)}
    assert ("q5" in enabled_link_ids(defn, answers)) is shown


@pytest.mark.parametrize(
    ("type_", "key", "threshold", "operator", "answer", "shown"),
    [
        ("decimal", "answerDecimal", 1.5, ">", "1.75", True),
        ("decimal", "answerDecimal", 1.5, ">", "1.25", False),
        ("decimal", "answerDecimal", 10, "<", "9.5", True),  # numbers, not text: "9.5" > "10"
        ("decimal", "answerDecimal", 2, "=", "2", True),
        ("date", "answerDate", "2024-06-01", ">=", "2024-06-01", True),
        ("date", "answerDate", "2024-06-01", "<", "2024-05-31", True),
        ("date", "answerDate", "2024-06-01", "<", "2024-06-02", False),
        ("string", "answerString", "hotel", "=", "hotel", True),
        ("string", "answerString", "hotel", "!=", "hotel", False),
    ],
)
def test_other_operators(
    type_: str, key: str, threshold: object, operator: str, answer: str, shown: bool
) -> None:
    def change(doc: dict[str, Any]) -> None:
        item(doc, "q4")["type"] = type_
        item(doc, "q5")["enableWhen"] = [condition("q4", operator, **{key: threshold})]

    defn = with_doc(change)
    assert ("q5" in enabled_link_ids(defn, {"q4": Answer(answer)})) is shown


def test_a_hidden_group_hides_everything_inside() -> None:
    defn = with_doc(
        lambda doc: item(doc, "g2").update(enableWhen=[condition("q1", "=", answerBoolean=True)])
    )
    answers = {"q1": N, "q4": Answer("x"), "q5": Y}
    assert enabled_link_ids(defn, answers) == {"g1", "q1", "q2", "q3", "total"}
    assert score(defn, answers).skipped == 2  # q2, q3; nothing in g2 is counted
    shown = enabled_link_ids(defn, answers | {"q1": Y})
    assert {"g2", "q4", "q5", "d1"} <= shown
    assert score(defn, answers | {"q1": Y}).score == 2


def test_a_follow_up_in_the_bundled_screen() -> None:
    assert "exchange-taken" not in enabled_link_ids(BUNDLED, {})
    assert "exchange-taken" in enabled_link_ids(BUNDLED, {"exchange-sex": Answer("yes")})
    assert "people-afraid" in enabled_link_ids(BUNDLED, {"people-mixed": Answer("yes")})


# --- bands and key items ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({}, "none"),
        ({"stay-left": Answer("yes")}, "possible"),
        ({"stay-left": Answer("yes"), "stay-moved": Answer("yes")}, "possible"),  # 3
        (
            {"stay-left": Answer("yes"), "stay-moved": Answer("yes"), "hard-hurt": Answer("yes")},
            "clear",
        ),
        ({"exchange-sex": Answer("yes")}, "clear"),  # key item, score 2
        ({"exchange-sex": Answer("unsure")}, "none"),
        ({"exchange-sex": PREFER_NOT}, "none"),
    ],
)
def test_bundled_bands_and_key_item(answers: dict[str, Answer], level: str) -> None:
    assert score(BUNDLED, answers).level == level


def test_bundled_everything_yes_reaches_the_maximum() -> None:
    answers = {q.link_id: Answer("yes") for q in BUNDLED.questions()}
    result = score(BUNDLED, answers)
    assert result.score == result.max_score == BUNDLED.max_score()
    assert result.level == "clear"


def test_a_key_item_never_lowers_the_level() -> None:
    def change(doc: dict[str, Any]) -> None:
        parts = doc["extension"][0]["extension"]
        parts[-1]["extension"][-1]["valueCode"] = "some"  # q2 yes → at least "some"

    defn = with_doc(change)
    assert score(defn, {"q2": Answer("yes")}).level == "some"
    assert score(defn, {"q1": Y, "q2": Answer("yes"), "q5": Y}).level == "high"


def test_closed_last_band_at_the_maximum() -> None:
    everything = {f"b{i}": Y for i in range(1, 7)} | {"c2": Answer("LA33-6")}
    assert COMMUNITY.scoring.bands[-1].max == COMMUNITY.max_score() == 7
    assert score(COMMUNITY, everything).level == "high"


# --- properties ---------------------------------------------------------------------------------


def answer_strategy(question: Item) -> st.SearchStrategy[Answer]:
    values: st.SearchStrategy[Any] = {
        "boolean": st.booleans(),
        "choice": st.sampled_from([o.code for o in question.options] or ["x"]),
        "integer": st.integers(-2, 12),
        "decimal": st.decimals(-5, 5, places=2).map(lambda d: format(d.normalize(), "f")),
        "date": st.dates().map(lambda d: d.isoformat()),
    }.get(question.type, st.sampled_from(["a few words", "hotel"]))
    return st.one_of(st.just(PREFER_NOT), values.map(Answer))


def answers_for(defn: InstrumentDefinition) -> st.SearchStrategy[dict[str, Answer]]:
    optional = {q.link_id: answer_strategy(q) for q in defn.questions()}
    return st.fixed_dictionaries({}, optional=optional)


def band_rank(defn: InstrumentDefinition, total: int) -> int:
    return next(
        i
        for i, band in enumerate(defn.scoring.bands)
        if band.min <= total and (band.max is None or total <= band.max)
    )


def check_properties(defn: InstrumentDefinition, answers: dict[str, Answer]) -> None:
    result = score(defn, answers)
    assert 0 <= result.score <= result.max_score == defn.max_score()
    rank = level_rank(defn, result.level)
    assert rank >= band_rank(defn, result.score)
    if not result.key_items_hit:
        assert rank == band_rank(defn, result.score)
    assert (result.level, result.level_label) in defn.levels()
    enabled = enabled_link_ids(defn, answers)
    shown = [q for q in defn.questions() if q.link_id in enabled]
    assert result.answered + result.skipped + result.declined == len(shown)
    for link_id in answers:
        skipped = {k: v for k, v in answers.items() if k != link_id}
        for fewer in (skipped, skipped | {link_id: PREFER_NOT}):
            # Skipping or declining can only hide questions, never show more.
            assert enabled_link_ids(defn, fewer) <= enabled, (link_id, fewer)
            after = score(defn, fewer)
            assert after.score <= result.score, (link_id, fewer)
            assert level_rank(defn, after.level) <= rank, (link_id, fewer)


@examples
@given(answers_for(BUNDLED))
def test_properties_bundled(answers: dict[str, Answer]) -> None:
    check_properties(BUNDLED, answers)


@examples
@given(answers_for(COMMUNITY))
def test_properties_community(answers: dict[str, Answer]) -> None:
    check_properties(COMMUNITY, answers)


# Random small valid instruments: boolean and choice questions in groups, enableWhen only on
# earlier questions (so no cycles), random weights, bands cut at random points, key items.

_CODES = ["yes", "no", "unsure", "Y", "LA33-6", "often"]


@st.composite
def question_json(draw: st.DrawFn, link_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"linkId": link_id, "text": f"{link_id}?"}
    if draw(st.booleans()):
        weight = draw(st.integers(0, 3))
        return entry | {
            "type": "boolean",
            "extension": [{"url": ITEM_WEIGHT, "valueDecimal": weight}],
        }
    codes = draw(st.lists(st.sampled_from(_CODES), min_size=1, max_size=4, unique=True))
    options = [
        {
            "extension": [{"url": ITEM_WEIGHT, "valueInteger": draw(st.integers(0, 3))}],
            "valueCoding": {"code": code},
        }
        for code in codes
    ]
    return entry | {"type": "choice", "answerOption": options}


@st.composite
def condition_on(draw: st.DrawFn, earlier: list[dict[str, Any]]) -> dict[str, Any]:
    target = draw(st.sampled_from(earlier))
    operator = draw(st.sampled_from(["=", "!=", "exists"]))
    if operator == "exists":
        return condition(target["linkId"], "exists", answerBoolean=True)
    if target["type"] == "boolean":
        return condition(target["linkId"], operator, answerBoolean=draw(st.booleans()))
    codes = [o["valueCoding"]["code"] for o in target["answerOption"]]
    return condition(
        target["linkId"], operator, answerCoding={"code": draw(st.sampled_from(codes))}
    )


@st.composite
def enable_when(draw: st.DrawFn, entry: dict[str, Any], earlier: list[dict[str, Any]]) -> None:
    if not earlier:
        return
    rules = draw(st.lists(condition_on(earlier), max_size=2))
    if rules:
        entry["enableWhen"] = rules
    if len(rules) > 1:
        entry["enableBehavior"] = draw(st.sampled_from(["all", "any"]))


def scoring_json(method: str, bands: list[tuple[int, int | None, str]], keys: list[Any]) -> Any:
    parts: list[dict[str, Any]] = [{"url": "method", "valueCode": method}]
    for low, high, level in bands:
        sub: list[dict[str, Any]] = [{"url": "min", "valueInteger": low}]
        sub += [{"url": "max", "valueInteger": high}] if high is not None else []
        sub.append({"url": "level", "valueCoding": {"code": level}})
        parts.append({"url": "band", "extension": sub})
    parts += keys
    return {"url": EXT + "screening-scoring", "extension": parts}


@st.composite
def random_instruments(draw: st.DrawFn) -> InstrumentDefinition:
    method = draw(st.sampled_from(["sum", "count-yes"]))
    questions: list[dict[str, Any]] = []
    groups = []
    for g in range(draw(st.integers(1, 3))):
        group: dict[str, Any] = {"linkId": f"g{g}", "type": "group", "text": "G", "item": []}
        draw(enable_when(group, questions[-2:]))
        for _ in range(draw(st.integers(1, 4))):
            entry = draw(question_json(f"q{len(questions)}"))
            draw(enable_when(entry, questions))
            group["item"].append(entry)
            questions.append(entry)
        groups.append(group)
    doc: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": "https://example.org/fhir/Questionnaire/random",
        "version": "0",
        "title": "Random",
        "item": groups,
        "extension": [scoring_json(method, [(0, None, "only")], [])],
    }
    highest = parse_questionnaire(copy.deepcopy(doc)).max_score()
    cuts = sorted(draw(st.sets(st.integers(1, max(highest, 1)), max_size=2))) if highest else []
    starts = [0, *cuts]
    ends: list[int | None] = [c - 1 for c in cuts]
    ends.append(None if draw(st.booleans()) else highest)
    bands = [
        (low, high, f"level{i}") for i, (low, high) in enumerate(zip(starts, ends, strict=True))
    ]
    keys = []
    if draw(st.booleans()):
        target = draw(st.sampled_from(questions))
        answer = (
            {"valueBoolean": draw(st.booleans())}
            if target["type"] == "boolean"
            else {"valueCoding": {"code": target["answerOption"][0]["valueCoding"]["code"]}}
        )
        keys.append(
            {
                "url": "keyItem",
                "extension": [
                    {"url": "linkId", "valueString": target["linkId"]},
                    {"url": "answer", **answer},
                    {"url": "level", "valueCode": draw(st.sampled_from(bands))[2]},
                ],
            }
        )
    doc["extension"] = [scoring_json(method, bands, keys)]
    return parse_questionnaire(doc)


@examples
@given(st.data())
def test_properties_random_instruments(data: st.DataObject) -> None:
    defn = data.draw(random_instruments())
    assert parse_questionnaire(to_questionnaire(defn)) == defn
    check_properties(defn, data.draw(answers_for(defn)))
