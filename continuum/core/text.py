"""Text helpers shared by every package."""

from __future__ import annotations

import unicodedata


def search_form(text: str) -> str:
    """Fold text for matching: case, accents and spacing do not matter.

    "María José" and "maria  jose" fold to the same string, in every script; letters without a
    decomposition (Cyrillic, Arabic, CJK) are kept as they are, only case-folded.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(without_marks.casefold().split())


# Direction overrides and isolates can make a name display as something else ("Trojan
# Source"); zero-width joiners (U+200C, U+200D) stay: Persian and Indic names need them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
_DROPPED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})


def clean_text(text: str) -> str:
    """Normalise what a person typed: NFC; no control, surrogate, private-use, unassigned or
    bidi-override characters (tabs and newlines stay); no outer whitespace."""
    normalised = unicodedata.normalize("NFC", text)
    kept = "".join(
        ch
        for ch in normalised
        if ch in "\n\t"
        or (unicodedata.category(ch) not in _DROPPED_CATEGORIES and ch not in _BIDI_CONTROLS)
    )
    return kept.strip()


def in_sentence(label: object) -> str:
    """A choice label inside a sentence: "Clinician" → "clinician", but "MDT coordinator"
    stays as it is (an acronym keeps its capitals)."""
    text = str(label)
    if len(text) > 1 and text[:2].isupper():
        return text
    return text[:1].lower() + text[1:]
