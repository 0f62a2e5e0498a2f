"""The record never uses blaming language, and every free-text field says what belongs there.

Victim-centred and trauma-informed by construction: a child who was sold for sex was
exploited; the words the system puts in front of staff (labels, choices, hints, defaults,
messages, the screening instruments) shape how they write about her. Two checks:

1. No blaming or stigmatising word in any template under continuum/, any TextChoices label,
   any model's verbose_name, help_text, choices or text default, any form field's label,
   help_text or choices (every Form in continuum/*/forms*.py), any translatable string in
   the code, or any screening instrument that comes with Continuum (its questions, answers
   and descriptions). A use in the right, trauma-informed sense (an explanatory sentence)
   is allowed only through ALLOWED, with the reason.
2. Every free-text field (a CharField with a Textarea) of every such form has a hint that
   says what belongs there.

The word list, and what was decided about the debatable ones:

- "consent" itself stays: it is the word of releases and of 42 CFR Part 2 consents.
  "consented" and "consensual" describe the young person's part in what was done to them
  and are refused (a release is "signed", never "consented to").
- "runaway" is refused as a word for a person ("a runaway", "chronic runaway"): it names the
  child by what they did rather than what they left, and services treat them as the
  problem. "ran away", "left home", "missing from care" describe what happened and stay.
  The statute's name for a screening factor ("runaway risk", s. 409.1754 F.S.) is allowed
  in the instrument's description, where it cites the law.
- "john" is refused in lowercase (the buyer's slang: it makes buying a child sound casual;
  say "buyer"); "John" with a capital is a person's name and is not matched.
- "pimp" is refused: it is the exploiter's own word and glamorises the crime; say
  "trafficker" or "exploiter". A screening question that needs the young person's own
  words would be allowed here with its reason (none does today).
- "delinquent" (a child labelled by a charge) is refused; "delinquency" as the name of a
  court proceeding is not a label for a person and is not matched.
"""

from __future__ import annotations

import ast
import contextlib
import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.apps import apps
from django.db import models

import continuum

ROOT = Path(continuum.__file__).resolve().parent
INSTRUMENT_DIRS = (ROOT / "screening" / "bundled", ROOT / "demo" / "data")


@dataclass(frozen=True)
class Term:
    pattern: str
    why: str
    instead: str
    case_sensitive: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.pattern, 0 if self.case_sensitive else re.IGNORECASE)


TERMS = (
    Term(
        r"\bprostitut\w*",
        "a child cannot consent to being sold: they are exploited",
        "exploited; commercial sexual exploitation",
    ),
    Term(r"\bwhores?\b", "a slur", "the young person"),
    Term(r"\bhookers?\b", "a slur", "the young person"),
    Term(
        r"\bsex[ -]?work(er|ers|ing)?\b",
        "names exploitation as work the young person chose",
        "exploitation; what was done to them",
    ),
    Term(r"\bpromiscu\w*", "blames their sexuality for what was done to them", "(leave it out)"),
    Term(
        r"\bwilling(ly)?\s+participants?\b|\bwillingly\b",
        "says the young person chose their exploitation",
        "what happened to them",
    ),
    Term(
        r"\bconsented\b|\bconsensual\b",
        "a child cannot consent to exploitation",
        "what happened to them; a release is signed",
    ),
    Term(
        r"\bnon[- ]?complian(t|ce)\b",
        "makes a survivor's choice a failure",
        "chose not to; not ready for",
    ),
    Term(
        r"\brefus(ed|es|ing)\s+(services|treatment|help|care|to\s+cooperate)\b",
        "their no is a choice, and services never depend on it",
        "said no to; chose not to; not ready for",
    ),
    Term(r"\b(un|non-?)cooperative\b", "blames the survivor for the system's fit", "not ready"),
    Term(r"\bdelinquents?\b", "labels a child by a charge", "the young person"),
    Term(
        r"\brunaways?\b",
        "names the child by what they did, not by what they left",
        "ran away; left home; missing from care",
    ),
    Term(r"\bjohns?\b", "the buyer's slang makes buying a child sound casual", "buyer", True),
    Term(r"\bpimp(s|ed|ing)?\b", "the exploiter's own word glamorises the crime", "trafficker"),
    Term(r"\bchild porn\w*", "it is abuse, not pornography", "child sexual abuse material"),
    Term(r"\blifestyle\b", "makes exploitation a way of life they chose", "what happened"),
    Term(r"\bmanipulative\b", "blames a survival strategy", "what they did to stay safe"),
    Term(r"\battention[- ]seeking\b", "dismisses a call for help", "asked for help"),
    Term(r"\balleged\s+victims?\b", "doubts them before anyone asked", "the young person"),
    Term(r"\b(seductive|provocative(ly)?)\b", "blames the child for the abuse", "(leave it out)"),
)

# (where the text is, the words allowed there, why they are right there)
ALLOWED: tuple[tuple[str, str, str], ...] = (
    (
        "screening/bundled/continuum-indicators.json",
        "runaway risk",
        "the instrument's description cites the factors Florida law (s. 409.1754, F.S.) asks "
        "screening instruments to consider, in the statute's words; no question uses it",
    ),
)


@dataclass(frozen=True)
class Text:
    where: str
    text: str


# --- where the words are ------------------------------------------------------------------


def _relative(path: str | Path | None) -> str:
    if path is None:
        return "?"
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(ROOT.parent))
    except ValueError:
        return str(resolved)


def _templates() -> Iterator[Text]:
    for path in sorted(ROOT.rglob("*")):
        if path.is_file() and "templates" in path.relative_to(ROOT).parts:
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                yield Text(f"{_relative(path)}:{number}", line)


def _import_everything() -> None:
    """Every module of the project (not migrations), so that every TextChoices is defined."""
    for module in pkgutil.walk_packages(continuum.__path__, "continuum."):
        if ".migrations" in module.name or module.name in ("continuum.wsgi",):
            continue
        importlib.import_module(module.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _choices() -> Iterator[Text]:
    _import_everything()
    for cls in set(_subclasses(models.Choices)):
        if not cls.__module__.startswith("continuum"):
            continue
        for member in cls:  # type: ignore[attr-defined]
            where = f"{_relative(inspect.getsourcefile(cls))}: {cls.__name__}.{member.name}"
            yield Text(where, str(member.label))


def _models() -> Iterator[Text]:
    for model in apps.get_models():
        if not model.__module__.startswith("continuum"):
            continue
        source = _relative(inspect.getsourcefile(model))
        meta = model._meta
        yield Text(f"{source}: {model.__name__} verbose_name", str(meta.verbose_name))
        yield Text(f"{source}: {model.__name__} verbose_name", str(meta.verbose_name_plural))
        for field in meta.get_fields(include_hidden=False):
            if not isinstance(field, models.Field):
                continue  # a reverse relation: the other model says it
            where = f"{source}: {model.__name__}.{field.name}"
            yield Text(f"{where} verbose_name", str(field.verbose_name))
            yield Text(f"{where} help_text", str(field.help_text))
            for _value, label in field.flatchoices or ():
                yield Text(f"{where} choice", str(label))
            if isinstance(field.default, str):
                yield Text(f"{where} default", field.default)


def forms_modules() -> list[str]:
    """Every continuum/<package>/forms*.py, found afresh each run: new packages' forms are
    checked without anyone listing them here."""
    return [
        f"continuum.{path.parent.name}.{path.stem}" for path in sorted(ROOT.glob("*/forms*.py"))
    ]


def form_classes() -> list[type[forms.BaseForm]]:
    found = []
    for name in forms_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


def form_fields(cls: type[forms.BaseForm]) -> dict[str, forms.Field]:
    """The fields declared on the class, and those its __init__ adds when it can be made
    without arguments. (Fields built from a screening instrument are its questions: the
    question is the label and its "why we ask" the hint; the instruments are checked below.)"""
    fields = dict(cls.base_fields)  # type: ignore[attr-defined]
    # A form that needs arguments (a case, an agency): its declared fields only.
    with contextlib.suppress(Exception):
        fields.update(cls().fields)  # type: ignore[attr-defined]
    return fields


def _form_texts() -> Iterator[Text]:
    for cls in form_classes():
        source = _relative(inspect.getsourcefile(cls))
        for name, field in form_fields(cls).items():
            where = f"{source}: {cls.__name__}.{name}"
            yield Text(f"{where} label", str(field.label or ""))
            yield Text(f"{where} help_text", str(field.help_text or ""))
            if not isinstance(field, forms.ModelChoiceField):  # those are rows, not words
                for _value, label in getattr(field, "choices", None) or ():
                    if isinstance(label, list | tuple):  # a group
                        for _v, inner in label:
                            yield Text(f"{where} choice", str(inner))
                    else:
                        yield Text(f"{where} choice", str(label))
            placeholder = field.widget.attrs.get("placeholder")
            if placeholder:
                yield Text(f"{where} placeholder", str(placeholder))


_GETTEXT = frozenset(
    {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
)


def _translatable() -> Iterator[Text]:
    """Every string marked for translation in the code: what the application says."""
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in _GETTEXT:
                continue
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield Text(f"{_relative(path)}:{node.lineno}", arg.value)


def _strings(value: Any, at: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield at, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{at}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _strings(inner, f"{at}[{index}]")


def _instruments() -> Iterator[Text]:
    for folder in INSTRUMENT_DIRS:
        for path in sorted(folder.glob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            for at, text in _strings(document, "$"):
                yield Text(f"{_relative(path)}: {at}", text)


# --- the check -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    where: str
    term: Term
    found: str
    text: str

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.found!r} ({self.term.why}; say: {self.term.instead}) "
            f"in {self.text.strip()[:200]!r}"
        )


def _allowed(where: str, text: str, start: int, end: int) -> tuple[str, str, str] | None:
    for place, words, _reason in ALLOWED:
        if place not in where:
            continue
        for match in re.finditer(re.escape(words), text, re.IGNORECASE):
            if match.start() <= start and end <= match.end():
                return place, words, _reason
    return None


def blaming_words(texts: list[Text]) -> tuple[list[Finding], set[tuple[str, str, str]]]:
    """What is refused, and which ALLOWED entries were needed."""
    findings: list[Finding] = []
    used: set[tuple[str, str, str]] = set()
    for item in texts:
        for term in TERMS:
            for match in term.regex.finditer(item.text):
                allowance = _allowed(item.where, item.text, match.start(), match.end())
                if allowance:
                    used.add(allowance)
                else:
                    findings.append(Finding(item.where, term, match.group(0), item.text))
    return findings, used


SOURCES = {
    "templates": _templates,
    "choices": _choices,
    "models": _models,
    "forms": _form_texts,
    "translatable strings": _translatable,
    "screening instruments": _instruments,
}


@pytest.mark.django_db
def test_no_blaming_or_stigmatising_words() -> None:
    texts = {name: list(source()) for name, source in SOURCES.items()}
    # Guard the guard: each source found something to read.
    assert all(len(found) > 10 for found in texts.values()), {
        name: len(found) for name, found in texts.items()
    }
    findings, used = blaming_words([text for found in texts.values() for text in found])
    assert not findings, "blaming or stigmatising words:\n" + "\n".join(map(str, findings))
    # An allowance no longer needed is taken away, so it cannot hide a new use.
    assert used == set(ALLOWED), f"ALLOWED entries no longer needed: {set(ALLOWED) - used}"


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Known to engage in prostitution", True),
        ("a child sex worker", True),
        ("Client is non-compliant with the plan", True),
        ("She refused services", True),
        ("History: chronic runaway", True),
        ("Met a john at the motel", True),
        ("Her pimp took the money", True),
        ("It was consensual", True),
        ("Ran away from the group home in May", False),
        ("John Delgado, case manager", False),
        ("A substance use consent (42 CFR Part 2)", False),
        ("Refused by the supervisor", False),
        ("What happened to you is not your fault", False),
    ],
)
def test_the_list_finds_what_it_should(text: str, refused: bool) -> None:
    findings, _used = blaming_words([Text("example", text)])
    assert bool(findings) is refused, findings


def test_an_allowance_covers_only_its_words_in_its_place() -> None:
    described = "Factors the law names: runaway risk, trauma."
    assert blaming_words([Text("screening/bundled/continuum-indicators.json", described)])[1]
    assert blaming_words([Text("screening/bundled/continuum-indicators.json", "a runaway")])[0]
    assert blaming_words([Text("survivors/templates/x.html", described)])[0]


# --- free text says what belongs there -----------------------------------------------------

MIN_HINT = 20  # characters: "Optional." is not a hint; "For example: …" is


def free_text(cls: type[forms.BaseForm]) -> dict[str, forms.Field]:
    return {
        name: field
        for name, field in form_fields(cls).items()
        if isinstance(field, forms.CharField) and isinstance(field.widget, forms.Textarea)
    }


def without_a_hint(cls: type[forms.BaseForm]) -> list[str]:
    where = f"{_relative(inspect.getsourcefile(cls))}: {cls.__name__}"
    return [
        f"{where}.{name} ({field.label}): {field.help_text!r}"
        for name, field in free_text(cls).items()
        if len(str(field.help_text or "").strip()) < MIN_HINT
    ]


@pytest.mark.django_db
def test_every_free_text_field_says_what_belongs_there() -> None:
    classes = form_classes()
    missing = [problem for cls in classes for problem in without_a_hint(cls)]
    assert not missing, "free-text fields without a hint saying what belongs there:\n" + (
        "\n".join(missing)
    )
    # Guard the guard: the walk found the free-text fields of several packages.
    packages = {cls.__module__.split(".")[1] for cls in classes if free_text(cls)}
    assert {"survivors", "cases", "exports", "access"} <= packages, packages


def test_a_free_text_field_without_a_hint_is_found() -> None:
    class Example(forms.Form):
        story = forms.CharField(widget=forms.Textarea, help_text="Optional.")
        said = forms.CharField(widget=forms.Textarea, help_text="What they said, as they said it.")
        name = forms.CharField()  # one line: not free text

    assert [problem.split(": ", 1)[1] for problem in without_a_hint(Example)] == [
        "Example.story (None): 'Optional.'"
    ]


def test_forms_modules_are_found_without_a_list() -> None:
    names = forms_modules()
    assert "continuum.survivors.forms" in names
    assert "continuum.screening.forms_setup" in names
