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


def clean_text(text: str) -> str:
    """Normalise what a person typed: NFC, no control characters, no outer whitespace."""
    normalised = unicodedata.normalize("NFC", text)
    kept = "".join(ch for ch in normalised if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return kept.strip()
