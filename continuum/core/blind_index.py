"""Blind indexes: keyed digests that let the database find exact matches of sealed values.

A digest of a name is still identifying (DOMAIN.md, VAWA), so the key is separate from every
other key (CONTINUUM_BLIND_INDEX_KEY), digests are used only inside Continuum, and they are
never shown or exported. Values are normalised first, so that the same person written two
ways matches: case, accents, spacing and punctuation inside names do not matter
("María-José  PÉREZ" and "maria jose perez" give the same tokens), and a date is a date
whatever format it was typed in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from django.conf import settings

from continuum.core.text import search_form

DIGEST_CHARS = 32  # 128 bits: collisions between different names are not a concern
# Letters, digits and marks make words; anything else (hyphens, apostrophes, dots) splits.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def digest(purpose: str, value: str) -> str:
    """HMAC-SHA256 of `value`, separated by purpose so a name and a date never collide."""
    key = settings.CONTINUUM_BLIND_INDEX_KEY.encode()
    mac = hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return mac.hexdigest()[:DIGEST_CHARS]


def name_words(*names: str) -> set[str]:
    """The normalised words of names: "O'Brien-Łukasz" → {"o", "brien", "lukasz"}."""
    words: set[str] = set()
    for name in names:
        folded = search_form(_strip_stroke_letters(name))
        words.update(_WORD.findall(folded))
    return words


def name_tokens(*names: str) -> set[str]:
    """Blind-index tokens of every word of the names."""
    return {digest("name", word) for word in name_words(*names)}


def date_token(day: date) -> str:
    return digest("date", day.isoformat())


# Letters that Unicode does not decompose into a base letter and a mark, folded by hand so
# that a name typed without them still matches (ł→l, ø→o, đ→d, ß→ss, æ→ae, œ→oe, dotless i→i).
_STROKES = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "\u0131": "i",
        "ħ": "h",
        "Ħ": "H",
    }
)


def _strip_stroke_letters(text: str) -> str:
    # NFKD first, so that a stroke letter carrying an accent (Ǿ = Ø + acute) comes apart.
    return unicodedata.normalize("NFKD", text).translate(_STROKES)
