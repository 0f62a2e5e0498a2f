"""Screening instruments as data: FHIR R4 Questionnaire with the SDC scoring conventions.

parse_questionnaire() reads a Questionnaire into an InstrumentDefinition, or raises
QuestionnaireInvalid listing every problem it found (an agency importing its adopted
instrument fixes them all in one go); to_questionnaire() writes the canonical form back.
Nothing here touches Django: an instrument is plain data that can be checked anywhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from itertools import pairwise
from typing import Any

EXT = "https://continuum.example.org/fhir/StructureDefinition/"
ITEM_WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
DECLINED_SYSTEM = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
CALCULATED_EXPRESSION = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
VALIDATED = EXT + "instrument-validated"
SCORING = EXT + "screening-scoring"

QUESTION_TYPES = frozenset({"boolean", "choice", "string", "text", "integer", "decimal", "date"})
SUPPORTED_TYPES = QUESTION_TYPES | {"group", "display"}
UNSUPPORTED_TYPES = frozenset(
    {"open-choice", "dateTime", "time", "url", "attachment", "reference", "quantity"}
)
SCORING_TYPES = frozenset({"boolean", "choice"})
ORDERED_TYPES = frozenset({"integer", "decimal", "date"})
OPERATORS = ("exists", "=", "!=", ">", "<", ">=", "<=")
METHODS = ("sum", "count-yes")
# Codes counted as "yes" by count-yes; LA33-6 is LOINC's answer code for Yes.
YES_CODES = frozenset({"yes", "Y", "y", "LA33-6"})
# The answer[x] an enableWhen needs for each question type (FHIR R4 enableWhen.answer[x]).
ANSWER_KEYS = {
    "boolean": "answerBoolean",
    "choice": "answerCoding",
    "string": "answerString",
    "text": "answerString",
    "integer": "answerInteger",
    "decimal": "answerDecimal",
    "date": "answerDate",
}
_OTHER_ANSWER_KEYS = frozenset(
    {"answerDateTime", "answerTime", "answerQuantity", "answerReference"}
)
_MAX_DEPTH = 20  # deeper nesting is a broken or hostile document, not an instrument
_MAX_DECIMAL_DIGITS = 15  # what a JSON number (a double) carries without loss
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# No screening instrument weighs one answer in thousands; the cap keeps the highest possible
# score (at most a few thousand questions) far inside a 32-bit integer.
MAX_WEIGHT = 1000
_WEIGHT_RULE = "weights must be whole numbers of 0 or more"


class QuestionnaireInvalid(ValueError):
    """The document is not an instrument we can use; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class Option:
    code: str
    display: str
    system: str | None
    weight: int


@dataclass(frozen=True)
class Condition:
    question: str
    operator: str
    answer: bool | str | int | None  # None only for exists (always "exists: true")


@dataclass(frozen=True)
class Item:
    link_id: str
    text: str
    type: str
    prefix: str = ""
    help: str = ""
    options: tuple[Option, ...] = ()
    weight: int = 0  # boolean items: the weight of a "yes"
    items: tuple[Item, ...] = ()
    enable_when: tuple[Condition, ...] = ()
    enable_behavior: str = "all"
    calculated: bool = False
    expression: str = ""  # the calculated item's FHIRPath, kept so export loses nothing


@dataclass(frozen=True)
class Band:
    min: int
    max: int | None
    level: str
    label: str


@dataclass(frozen=True)
class KeyItem:
    link_id: str
    answer: bool | str
    level: str


@dataclass(frozen=True)
class Scoring:
    method: str
    bands: tuple[Band, ...]
    key_items: tuple[KeyItem, ...] = ()


@dataclass(frozen=True)
class InstrumentDefinition:
    url: str
    version: str
    name: str
    title: str
    publisher: str
    licence: str
    validated: bool
    description: str
    items: tuple[Item, ...]
    scoring: Scoring

    def walk(self) -> Iterator[Item]:
        """Every item (groups, displays, questions, the total), in document order."""
        return walk(self.items)

    def questions(self) -> list[Item]:
        return [item for item in walk(self.items) if is_question(item)]

    def question(self, link_id: str) -> Item:
        for item in self.questions():
            if item.link_id == link_id:
                return item
        raise KeyError(link_id)

    def max_score(self) -> int:
        return sum(max_points(item, self.scoring.method) for item in self.questions())

    def levels(self) -> list[tuple[str, str]]:
        return [(band.level, band.label) for band in self.scoring.bands]

    def sections(self) -> list[Item]:
        """Top-level groups; any other top-level item is wrapped in a group of its own, so a
        screen walks section by section. The calculated total is no section: no one answers it."""
        return [
            item if item.type == "group" else Item(item.link_id, "", "group", items=(item,))
            for item in self.items
            if not item.calculated
        ]


def walk(items: tuple[Item, ...]) -> Iterator[Item]:
    for item in items:
        yield item
        yield from walk(item.items)


def is_question(item: Item) -> bool:
    return item.type in QUESTION_TYPES and not item.calculated


def points(item: Item, value: object, method: str) -> int:
    """What one answer adds to the score. max_points() is the largest of these, so the two
    can never disagree about the range of a score."""
    if item.type == "boolean" and value is True:
        return item.weight if method == "sum" else 1
    if item.type == "choice" and isinstance(value, str):
        for option in item.options:
            if option.code == value:
                return option.weight if method == "sum" else int(value in YES_CODES)
    return 0


def max_points(item: Item, method: str) -> int:
    values: list[object] = [True] if item.type == "boolean" else []
    values += [option.code for option in item.options]
    return max((points(item, value, method) for value in values), default=0)


def canonical_decimal(value: object) -> str | None:
    """A decimal answer as a plain string ("1.10" and 1.1 → "1.1"), or None if it is not one.

    Stored as text so no binary rounding creeps in; limited to what a JSON number carries, so
    it survives a trip through a QuestionnaireResponse."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or len(number.normalize().as_tuple().digits) > _MAX_DECIMAL_DIGITS:
        return None
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def decimal_json(text: str) -> int | float:
    """A canonical decimal string as the JSON number FHIR expects."""
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else float(text)


def is_iso_date(value: object) -> bool:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# --- reading -----------------------------------------------------------------------------


def parse_questionnaire(doc: object) -> InstrumentDefinition:
    if not isinstance(doc, dict):
        raise QuestionnaireInvalid(["the document is not a JSON object"])
    if doc.get("resourceType") != "Questionnaire":
        # Anything else would only produce noise about fields it was never meant to have.
        raise QuestionnaireInvalid(
            [f"resourceType is {doc.get('resourceType')!r}; expected 'Questionnaire'"]
        )
    reader = _Reader()
    defn = reader.read(doc)
    if reader.problems:
        raise QuestionnaireInvalid(reader.problems)
    return defn


@dataclass(frozen=True)
class _PendingCondition:
    owner: str  # linkId of the item carrying the enableWhen
    where: str
    condition: Condition
    key: str  # the answer[x] used, which the Condition alone cannot tell (a str is ambiguous)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.paths: dict[str, list[str]] = {}
        self.pending: list[_PendingCondition] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def read(self, doc: dict[str, Any]) -> InstrumentDefinition:
        url = self.required_text(doc, "url", "instruments are versioned by url and version")
        version = self.required_text(doc, "version", "instruments are versioned")
        title = self.required_text(doc, "title", "people choose an instrument by its title")
        name = self.optional_text(doc, "name") or _derived_name(title)
        publisher = self.optional_text(doc, "publisher")
        licence = self.optional_text(doc, "copyright")
        description = self.optional_text(doc, "description")
        validated = self.validated(doc)
        items = self.top_items(doc.get("item"))
        scoring = _ScoringReader(self).read(doc)
        defn = InstrumentDefinition(
            url,
            version,
            name,
            title,
            publisher,
            licence,
            validated,
            description,
            items,
            scoring or Scoring("sum", ()),
        )
        _CrossChecker(self, defn).check(scoring is not None)
        return defn

    def required_text(self, doc: dict[str, Any], key: str, why: str) -> str:
        value = doc.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(key, f"missing; {why}")
            return ""
        return value.strip()

    def optional_text(self, doc: dict[str, Any], key: str) -> str:
        value = doc.get(key, "")
        if not isinstance(value, str):
            self.add(key, "must be a string")
            return ""
        return value.strip()

    def validated(self, doc: dict[str, Any]) -> bool:
        found = _extensions(doc, VALIDATED)
        if not found:
            return False
        value = found[0].get("valueBoolean")
        if not isinstance(value, bool):
            self.add("extension instrument-validated", "needs valueBoolean")
            return False
        return value

    # items

    def top_items(self, raw: object) -> tuple[Item, ...]:
        if not isinstance(raw, list) or not raw:
            self.add("item", "the questionnaire has no items")
            return ()
        return self.item_list(raw, "item", 0)

    def item_list(self, raw: list[Any], path: str, depth: int) -> tuple[Item, ...]:
        parsed = (self.item(entry, f"{path}[{i}]", depth) for i, entry in enumerate(raw))
        return tuple(item for item in parsed if item is not None)

    def item(self, raw: object, path: str, depth: int) -> Item | None:
        if not isinstance(raw, dict):
            self.add(path, "is not a JSON object")
            return None
        if depth >= _MAX_DEPTH:
            self.add(path, f"items are nested more than {_MAX_DEPTH} deep")
            return None
        link_id = raw.get("linkId")
        if not isinstance(link_id, str) or not link_id.strip():
            self.add(path, "missing linkId")
            link_id = ""
        if link_id:
            self.paths.setdefault(link_id, []).append(path)
        where = f"item {link_id}" if link_id else path
        type_ = self.item_type(raw, where)
        children, help_text = self.children(raw, path, where, depth)
        self.check_shape(raw, where, type_, children)
        conditions, behavior = self.conditions(raw, link_id, where)
        calculated, expression = self.calculation(raw, where, type_)
        return Item(
            link_id=link_id,
            text=self.item_text(raw, where, type_),
            type=type_,
            prefix=_string(raw.get("prefix")),
            help=help_text,
            options=self.options(raw, where, type_),
            weight=self.item_weight(raw, where, type_),
            items=children,
            enable_when=conditions,
            enable_behavior=behavior,
            calculated=calculated,
            expression=expression,
        )

    def item_type(self, raw: dict[str, Any], where: str) -> str:
        type_ = raw.get("type")
        if not isinstance(type_, str) or not type_:
            self.add(where, "missing type")
            return ""
        if type_ in UNSUPPORTED_TYPES:
            self.add(where, f"type '{type_}' is not supported")
        elif type_ not in SUPPORTED_TYPES:
            self.add(where, f"unknown item type '{type_}'")
        return type_

    def item_text(self, raw: dict[str, Any], where: str, type_: str) -> str:
        text = _string(raw.get("text"))
        if not text and (type_ == "display" or type_ in QUESTION_TYPES):
            self.add(where, "has no text to show")
        return text

    def children(
        self, raw: dict[str, Any], path: str, where: str, depth: int
    ) -> tuple[tuple[Item, ...], str]:
        """Child items, and the "why we ask" text held in help display children."""
        entries = raw.get("item", [])
        if not isinstance(entries, list):
            self.add(where, "item must be a list")
            return (), ""
        helps = [_string(entry.get("text")) for entry in entries if _is_help(entry)]
        if any(not text for text in helps):
            self.add(where, "a help item has no text")
        kept = [(i, entry) for i, entry in enumerate(entries) if not _is_help(entry)]
        parsed = (self.item(entry, f"{path}.item[{i}]", depth + 1) for i, entry in kept)
        children = tuple(item for item in parsed if item is not None)
        return children, "\n\n".join(text for text in helps if text)

    def check_shape(
        self, raw: dict[str, Any], where: str, type_: str, children: tuple[Item, ...]
    ) -> None:
        if type_ == "group" and not children:
            self.add(where, "a group needs at least one item")
        elif type_ != "group" and children:
            self.add(where, "only groups can contain other items (use enableWhen for follow-ups)")
        if raw.get("repeats") is True:
            self.add(where, "repeating items are not supported (one answer per question)")

    def options(self, raw: dict[str, Any], where: str, type_: str) -> tuple[Option, ...]:
        entries = raw.get("answerOption")
        if "answerValueSet" in raw:
            self.add(
                where,
                "answerValueSet is not supported: list the choices in answerOption "
                "(valueCoding) so they and their weights travel with the instrument",
            )
        if entries is None:
            if type_ == "choice" and "answerValueSet" not in raw:
                self.add(where, "a choice question has no answerOption")
            return ()
        if type_ != "choice":
            self.add(where, "answerOption is only supported on choice questions")
            return ()
        if not isinstance(entries, list) or not entries:
            self.add(where, "a choice question has no answerOption")
            return ()
        parsed = [self.option(entry, where, i) for i, entry in enumerate(entries)]
        options = tuple(option for option in parsed if option is not None)
        codes = [option.code for option in options]
        for code in sorted({code for code in codes if codes.count(code) > 1}):
            self.add(where, f"option code '{code}' appears more than once")
        return options

    def option(self, raw: object, where: str, index: int) -> Option | None:
        coding = raw.get("valueCoding") if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or not isinstance(coding, dict):
            self.add(where, f"answerOption[{index}] needs a valueCoding")
            return None
        code = coding.get("code")
        if not isinstance(code, str) or not code:
            self.add(where, f"answerOption[{index}] has no code")
            return None
        system = coding.get("system")
        return Option(
            code=code,
            display=_string(coding.get("display")) or code,
            system=system if isinstance(system, str) and system else None,
            weight=self.weight([raw, coding], f"{where}: option '{code}'"),
        )

    def item_weight(self, raw: dict[str, Any], where: str, type_: str) -> int:
        if type_ != "boolean":
            return 0
        return self.weight([raw], where)

    def weight(self, holders: list[dict[str, Any]], label: str) -> int:
        """The itemWeight (or R4 ordinalValue) found on any of `holders`; 0 when none."""
        raw_values = [
            ext.get("valueDecimal", ext.get("valueInteger"))
            for holder in holders
            for url in (ITEM_WEIGHT, ORDINAL_VALUE)
            for ext in _extensions(holder, url)
        ]
        values = [self.whole(value, label) for value in raw_values]
        if any(value is None for value in values):
            return 0
        distinct = sorted({value for value in values if value is not None})
        if len(distinct) > 1:
            self.problems.append(f"{label} has conflicting weights {distinct}")
        return distinct[0] if distinct else 0

    def whole(self, value: object, label: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problems.append(f"{label} has weight {value!r}, not a number; {_WEIGHT_RULE}")
            return None
        if value < 0:
            self.problems.append(
                f"{label} has negative weight {value}; {_WEIGHT_RULE} "
                "(a negative weight would let skipping a question raise the score)"
            )
            return None
        if value > MAX_WEIGHT:
            # Also keeps a huge integer away from float() below, and every score within the
            # database's integer column.
            self.problems.append(
                f"{label} has weight {str(value)[:20]}, more than {MAX_WEIGHT}; {_WEIGHT_RULE}"
            )
            return None
        if not float(value).is_integer():
            self.problems.append(f"{label} has weight {value}, not a whole number; {_WEIGHT_RULE}")
            return None
        return int(value)

    def calculation(self, raw: dict[str, Any], where: str, type_: str) -> tuple[bool, str]:
        found = _extensions(raw, CALCULATED_EXPRESSION)
        if not found:
            return False, ""
        expression = found[0].get("valueExpression")
        if not isinstance(expression, dict) or not _string(expression.get("expression")):
            self.add(where, "calculatedExpression needs a valueExpression with an expression")
            return True, ""
        if expression.get("language") != "text/fhirpath":
            self.add(where, "calculatedExpression must be FHIRPath (language text/fhirpath)")
        if type_ not in ("integer", "decimal"):
            self.add(where, f"a calculated total must be integer or decimal, not '{type_}'")
        return True, _string(expression.get("expression"))

    # enableWhen

    def conditions(
        self, raw: dict[str, Any], link_id: str, where: str
    ) -> tuple[tuple[Condition, ...], str]:
        entries = raw.get("enableWhen", [])
        if not isinstance(entries, list):
            self.add(where, "enableWhen must be a list")
            return (), "all"
        parsed = [self.condition(entry, link_id, where) for entry in entries]
        conditions = tuple(condition for condition in parsed if condition is not None)
        return conditions, self.behavior(raw, where, len(entries))

    def behavior(self, raw: dict[str, Any], where: str, count: int) -> str:
        behavior = raw.get("enableBehavior")
        if behavior is not None and behavior not in ("all", "any"):
            self.add(where, f"enableBehavior {behavior!r} is unknown (use all or any)")
            return "all"
        if count > 1 and behavior is None:
            self.add(where, "enableBehavior (all or any) is required with more than one enableWhen")
        # With one condition any and all mean the same; one spelling keeps round trips equal.
        return behavior if count > 1 and isinstance(behavior, str) else "all"

    def condition(self, raw: object, owner: str, where: str) -> Condition | None:
        if not isinstance(raw, dict):
            self.add(where, "an enableWhen is not a JSON object")
            return None
        question, operator = raw.get("question"), raw.get("operator")
        ok = True
        if not isinstance(question, str) or not question:
            self.add(where, "an enableWhen names no question")
            ok = False
        if operator not in OPERATORS:
            self.add(
                where, f"enableWhen operator {operator!r} is unknown (use {', '.join(OPERATORS)})"
            )
            ok = False
        keys = [key for key in raw if key.startswith("answer")]
        if len(keys) != 1:
            self.add(where, f"an enableWhen on {question!r} needs exactly one answer[x]")
            return None
        value = self.condition_value(keys[0], raw[keys[0]], operator, where)
        if (
            not ok
            or value is None
            or not isinstance(question, str)
            or not isinstance(operator, str)
        ):
            return None
        condition = Condition(question, operator, None if operator == "exists" else value)
        self.pending.append(_PendingCondition(owner, where, condition, keys[0]))
        return condition

    def condition_value(
        self, key: str, value: object, operator: object, where: str
    ) -> bool | str | int | None:
        if operator == "exists":
            return self.exists_value(key, value, where)
        converted = _answer_value(key, value)
        if key in _OTHER_ANSWER_KEYS:
            self.add(where, f"enableWhen {key} is not supported")
        elif key not in ANSWER_KEYS.values():
            self.add(where, f"enableWhen {key} is not a FHIR answer type")
        elif converted is None:
            self.add(where, f"enableWhen {key} value {value!r} is not valid")
        return converted

    def exists_value(self, key: str, value: object, where: str) -> bool | None:
        if key != "answerBoolean" or not isinstance(value, bool):
            self.add(where, "enableWhen with operator 'exists' needs answerBoolean true")
            return None
        if value is False:
            self.add(
                where,
                "enableWhen 'exists: false' is not allowed: a question shown only when another "
                "is unanswered would let skipping a question raise the score",
            )
            return None
        return True


class _ScoringReader:
    """The screening-scoring extension: method, bands, key items."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader

    def add(self, message: str) -> None:
        self.reader.add("scoring", message)

    def read(self, doc: dict[str, Any]) -> Scoring | None:
        found = _extensions(doc, SCORING)
        if not found:
            self.add(f"scoring rules are missing (extension {SCORING})")
            return None
        parts = found[0].get("extension", [])
        method = _sub_value(parts, "method", "valueCode")
        if method not in METHODS:
            self.add(f"method {method!r} is unknown (use {' or '.join(METHODS)})")
        bands = [self.band(part, i) for i, part in enumerate(_subs(parts, "band"))]
        keys = [self.key_item(part, i) for i, part in enumerate(_subs(parts, "keyItem"))]
        if not bands:
            self.add("there are no bands")
        return Scoring(
            method=method if method in METHODS else "sum",
            bands=tuple(band for band in bands if band is not None),
            key_items=tuple(key for key in keys if key is not None),
        )

    def band(self, part: dict[str, Any], index: int) -> Band | None:
        sub = part.get("extension", [])
        low, high = _sub_value(sub, "min", "valueInteger"), _sub_value(sub, "max", "valueInteger")
        level = _sub_value(sub, "level", "valueCoding")
        code = level.get("code") if isinstance(level, dict) else None
        if not _is_int(low) or (high is not None and not _is_int(high)):
            self.add(f"band {index + 1} needs whole-number min (and max, unless it is the last)")
            return None
        if not isinstance(code, str) or not code:
            self.add(f"band {index + 1} needs a level (valueCoding with a code)")
            return None
        assert isinstance(level, dict)
        return Band(low, high, code, _string(level.get("display")) or code)

    def key_item(self, part: dict[str, Any], index: int) -> KeyItem | None:
        sub = part.get("extension", [])
        link_id = _sub_value(sub, "linkId", "valueString")
        level = _sub_value(sub, "level", "valueCode")
        answer = _sub_value(sub, "answer", "valueBoolean")
        if answer is None:
            coding = _sub_value(sub, "answer", "valueCoding")
            answer = coding.get("code") if isinstance(coding, dict) else None
        if not isinstance(link_id, str) or not isinstance(level, str) or answer is None:
            self.add(f"key item {index + 1} needs linkId, answer and level")
            return None
        if not isinstance(answer, bool | str):
            self.add(f"key item '{link_id}': answer must be valueBoolean or valueCoding")
            return None
        return KeyItem(link_id, answer, level)


class _CrossChecker:
    """Checks that need the whole tree: references, cycles, bands against the maximum."""

    def __init__(self, reader: _Reader, defn: InstrumentDefinition) -> None:
        self.reader = reader
        self.defn = defn
        self.index = {item.link_id: item for item in defn.walk() if item.link_id}
        self.duplicates = {link_id for link_id, paths in reader.paths.items() if len(paths) > 1}

    def add(self, where: str, message: str) -> None:
        self.reader.add(where, message)

    def check(self, has_scoring: bool) -> None:
        self.check_link_ids()
        if self.defn.items and not self.defn.questions():
            self.add("item", "the questionnaire has no questions")
        if sum(item.calculated for item in self.defn.walk()) > 1:
            self.add("item", "more than one calculated item; only a single total is supported")
        for pending in self.reader.pending:
            self.check_condition(pending)
        for cycle in _cycles(_dependencies(self.defn.items)):
            self.reader.problems.append("enableWhen cycle: " + " → ".join(cycle))
        if has_scoring:
            self.check_bands()
            for key in self.defn.scoring.key_items:
                self.check_key_item(key)

    def check_link_ids(self) -> None:
        for link_id, paths in self.reader.paths.items():
            if len(paths) > 1:
                self.add(f"item {link_id}", f"linkId used more than once ({', '.join(paths)})")
        for item in self.defn.walk():
            if item.help and _help_id(item.link_id) in self.index:
                self.add(
                    f"item {_help_id(item.link_id)}",
                    f"this linkId is kept for the 'why we ask' text of {item.link_id}",
                )

    def check_condition(self, pending: _PendingCondition) -> None:
        condition, where = pending.condition, pending.where
        name = condition.question
        target = self.index.get(name)
        if name == pending.owner:
            self.add(where, "enableWhen names the item itself")
        elif target is None:
            self.add(where, f"enableWhen names unknown question '{name}'")
        elif target.type not in SUPPORTED_TYPES or name in self.duplicates:
            return  # already reported: its type, or a linkId that names two items
        elif not is_question(target):
            kind = "the calculated total" if target.calculated else _a(target.type)
            self.add(where, f"enableWhen names '{name}', which is {kind}, not a question")
        elif condition.operator != "exists":
            self.check_condition_answer(pending, target)

    def check_condition_answer(self, pending: _PendingCondition, target: Item) -> None:
        condition, where = pending.condition, pending.where
        expected = ANSWER_KEYS[target.type]
        on = f"enableWhen on '{target.link_id}' ({_a(target.type)} question)"
        if pending.key != expected:
            self.add(where, f"{on} needs {expected}, not {pending.key}")
        elif condition.operator not in ("=", "!=") and target.type not in ORDERED_TYPES:
            self.add(where, f"{on} cannot use operator '{condition.operator}'; use = or !=")
        elif target.type == "choice" and condition.answer not in _codes(target):
            self.add(
                where,
                f"{on}: answer '{condition.answer}' is not among its options "
                f"({', '.join(_codes(target))})",
            )

    def check_bands(self) -> None:
        bands = self.defn.scoring.bands
        if not bands:
            return
        if bands[0].min != 0:
            self.add("scoring", f"bands must start at 0; the first starts at {bands[0].min}")
        for band in bands:
            if band.max is not None and band.max < band.min:
                self.add("scoring", f"band '{band.level}' has max {band.max} below min {band.min}")
        for before, after in pairwise(bands):
            self.check_band_pair(before, after)
        levels = [band.level for band in bands]
        for level in sorted({level for level in levels if levels.count(level) > 1}):
            self.add("scoring", f"level '{level}' is used by more than one band")
        top, highest = bands[-1].max, self.defn.max_score()
        if top is not None and top < highest:
            self.add("scoring", f"bands stop at {top} but the highest possible score is {highest}")

    def check_band_pair(self, before: Band, after: Band) -> None:
        if before.max is None:
            self.add("scoring", f"band '{before.level}' has no max but is not the last band")
        elif after.min <= before.max:
            self.add(
                "scoring",
                f"bands overlap: '{before.level}' ends at {before.max} and "
                f"'{after.level}' starts at {after.min}",
            )
        elif after.min > before.max + 1:
            self.add("scoring", f"bands leave a gap between {before.max} and {after.min}")

    def check_key_item(self, key: KeyItem) -> None:
        where = f"key item {key.link_id}"
        levels = [code for code, _ in self.defn.levels()]
        if levels and key.level not in levels:
            self.add(where, f"level '{key.level}' is not one of the bands' ({', '.join(levels)})")
        target = self.index.get(key.link_id)
        if target is None or not is_question(target):
            self.add(where, "names no question")
        elif target.type not in SCORING_TYPES:
            self.add(
                where, f"is {_a(target.type)} question; only boolean and choice questions count"
            )
        elif target.type == "boolean" and not isinstance(key.answer, bool):
            self.add(where, "a boolean question's key answer needs valueBoolean")
        elif target.type == "choice" and target.options and key.answer not in _codes(target):
            self.add(
                where,
                f"answer {key.answer!r} is not among its options ({', '.join(_codes(target))})",
            )


def _dependencies(items: tuple[Item, ...], parent: str | None = None) -> dict[str, list[str]]:
    """Item → what its enabling depends on: the questions its enableWhen names, and its parent
    (an item is disabled whenever its group is)."""
    graph: dict[str, list[str]] = {}
    for item in items:
        named = [c.question for c in item.enable_when if c.question != item.link_id]
        graph[item.link_id] = ([parent] if parent else []) + named
        graph.update(_dependencies(item.items, item.link_id))
    return graph


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each dependency cycle once, as a closed path; iterative so depth is no limit."""
    done: set[str] = set()
    found: dict[tuple[str, ...], list[str]] = {}
    for start in graph:
        if start in done:
            continue
        path, iterators = [start], [iter(graph[start])]
        while iterators:
            step = next(iterators[-1], None)
            if step is None:
                done.add(path.pop())
                iterators.pop()
            elif step in path:
                cycle = path[path.index(step) :]
                turn = cycle.index(min(cycle))
                found.setdefault(tuple(cycle[turn:] + cycle[:turn]), [*cycle, step])
            elif step not in done and step in graph:
                path.append(step)
                iterators.append(iter(graph[step]))
    return list(found.values())


def _answer_value(key: str, value: object) -> bool | str | int | None:
    if key == "answerBoolean":
        return value if isinstance(value, bool) else None
    if key == "answerCoding":
        code = value.get("code") if isinstance(value, dict) else None
        return code if isinstance(code, str) and code else None
    if key == "answerInteger":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if key == "answerDecimal":
        return canonical_decimal(value)
    if key == "answerDate":
        return value if isinstance(value, str) and is_iso_date(value) else None
    if key == "answerString":
        return value if isinstance(value, str) and value else None
    return None


# --- writing -----------------------------------------------------------------------------


def to_questionnaire(defn: InstrumentDefinition) -> dict[str, Any]:
    index = {item.link_id: item for item in defn.walk()}
    doc: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "extension": [
            {"url": VALIDATED, "valueBoolean": defn.validated},
            _scoring_json(defn.scoring),
        ],
        "url": defn.url,
        "version": defn.version,
        "name": defn.name,
        "title": defn.title,
        "status": "active",
    }
    for key, value in (
        ("publisher", defn.publisher),
        ("description", defn.description),
        ("copyright", defn.licence),
    ):
        if value:
            doc[key] = value
    doc["item"] = [_item_json(item, index) for item in defn.items]
    return doc


def _item_json(item: Item, index: dict[str, Item]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    extensions = _item_extensions(item)
    if extensions:
        out["extension"] = extensions
    out["linkId"] = item.link_id
    if item.prefix:
        out["prefix"] = item.prefix
    if item.text:
        out["text"] = item.text
    out["type"] = item.type
    if item.enable_when:
        out["enableWhen"] = [_condition_json(c, index[c.question]) for c in item.enable_when]
    if len(item.enable_when) > 1:
        out["enableBehavior"] = item.enable_behavior
    if item.calculated:
        out["readOnly"] = True
    if item.options:
        out["answerOption"] = [_option_json(option) for option in item.options]
    children = ([_help_json(item)] if item.help else []) + [
        _item_json(child, index) for child in item.items
    ]
    if children:
        out["item"] = children
    return out


def _item_extensions(item: Item) -> list[dict[str, Any]]:
    if item.calculated:
        expression = {"language": "text/fhirpath", "expression": item.expression}
        return [{"url": CALCULATED_EXPRESSION, "valueExpression": expression}]
    if item.type == "boolean" and item.weight:
        return [{"url": ITEM_WEIGHT, "valueDecimal": item.weight}]
    return []


def _help_json(item: Item) -> dict[str, Any]:
    coding = {"system": ITEM_CONTROL_SYSTEM, "code": "help", "display": "Help-Button"}
    control = {"coding": [coding], "text": "Help-Button"}
    return {
        "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": control}],
        "linkId": _help_id(item.link_id),
        "text": item.help,
        "type": "display",
    }


def _option_json(option: Option) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": option.system} if option.system else {}
    coding |= {"code": option.code, "display": option.display}
    # itemWeight belongs on answerOption (the FHIR extensions pack says so for questionnaires).
    return {
        "extension": [{"url": ITEM_WEIGHT, "valueDecimal": option.weight}],
        "valueCoding": coding,
    }


def _condition_json(condition: Condition, target: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"question": condition.question, "operator": condition.operator}
    if condition.operator == "exists":
        return out | {"answerBoolean": True}
    key = ANSWER_KEYS[target.type]
    value: Any = condition.answer
    if key == "answerCoding":
        option = next(o for o in target.options if o.code == condition.answer)
        value = _option_json(option)["valueCoding"]
    elif key == "answerDecimal":
        value = decimal_json(str(condition.answer))
    return out | {key: value}


def _scoring_json(scoring: Scoring) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"url": "method", "valueCode": scoring.method}]
    for band in scoring.bands:
        sub: list[dict[str, Any]] = [{"url": "min", "valueInteger": band.min}]
        if band.max is not None:
            sub.append({"url": "max", "valueInteger": band.max})
        level = {"code": band.level, "display": band.label}
        parts.append({"url": "band", "extension": [*sub, {"url": "level", "valueCoding": level}]})
    for key in scoring.key_items:
        answer = (
            {"url": "answer", "valueBoolean": key.answer}
            if isinstance(key.answer, bool)
            else {"url": "answer", "valueCoding": {"code": key.answer}}
        )
        sub = [{"url": "linkId", "valueString": key.link_id}, answer]
        parts.append(
            {"url": "keyItem", "extension": [*sub, {"url": "level", "valueCode": key.level}]}
        )
    return {"url": SCORING, "extension": parts}


def load_bundled() -> list[InstrumentDefinition]:
    folder = files("continuum.screening").joinpath("bundled")
    documents = sorted(
        (entry for entry in folder.iterdir() if entry.name.endswith(".json")),
        key=lambda entry: entry.name,
    )
    return [
        parse_questionnaire(json.loads(entry.read_text(encoding="utf-8"))) for entry in documents
    ]


# --- small helpers -----------------------------------------------------------------------


def _extensions(node: object, url: str) -> list[dict[str, Any]]:
    entries = node.get("extension", []) if isinstance(node, dict) else []
    if not isinstance(entries, list):
        return []
    return [entry for entry in entries if isinstance(entry, dict) and entry.get("url") == url]


def _subs(parts: object, url: str) -> list[dict[str, Any]]:
    return _extensions({"extension": parts}, url)


def _sub_value(parts: object, url: str, key: str) -> Any:
    found = _subs(parts, url)
    return found[0].get(key) if found else None


def _is_help(entry: object) -> bool:
    if not isinstance(entry, dict) or entry.get("type") != "display":
        return False
    for control in _extensions(entry, ITEM_CONTROL):
        concept = control.get("valueCodeableConcept")
        codings = concept.get("coding", []) if isinstance(concept, dict) else []
        if any(isinstance(c, dict) and c.get("code") == "help" for c in codings):
            return True
    return False


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _help_id(link_id: str) -> str:
    return f"{link_id}-help"


def _codes(item: Item) -> list[str]:
    return [option.code for option in item.options]


def _string(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _derived_name(title: str) -> str:
    """A computable name (FHIR: starts with a capital, letters and digits) from the title."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    name = "".join(word[:1].upper() + word[1:] for word in words)
    return name if name[:1].isalpha() else "Instrument" + name
