"""Blind indexes (continuum.core.blind_index): the same person written two ways matches.

Properties over any letters (hypothesis) for the pure functions, concrete names that matter
for the people served, and search through the app (search_survivors) on the database.
"""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from continuum.core.blind_index import date_token, digest, name_tokens, name_words
from continuum.survivors.actions import SurvivorDetails, create_survivor
from continuum.survivors.models import Survivor
from continuum.survivors.queries import search_survivors
from tests.personas import World

examples = hypothesis_settings(
    max_examples=200,
    deadline=None,
    database=None,  # no .hypothesis directory in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Letters the app folds by hand ("ł" → "l"): see blind_index._STROKES.
_STROKE_LETTERS = frozenset("łŁøØđĐðÐßæÆœŒ\u0131ħĦ")
_IOTA_SUBSCRIPT = "\u0345"


def strip_accents(text: str) -> str:
    """What a person typing without accents writes: NFKD, then no combining marks."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _iota_subscript(ch: str) -> bool:
    # Polytonic Greek "ᾳ": its capital is alpha + iota (two letters), while the app drops the
    # subscript as an accent. Modern (monotonic) Greek names do not use it.
    return _IOTA_SUBSCRIPT in unicodedata.normalize("NFKD", ch)


ACCENTED = "áéíóúàèìòùâêîôûäëïöüÿãõñçåøłžšćčđőűșțăğışœæßÁÉÍÓÚÑÇÅØŁŽŠĆČŐŰȘȚĂĞİŞŒÆẞễệơưăđ"
letters = st.one_of(
    st.characters(categories=["L"]),
    st.sampled_from(ACCENTED),
).filter(lambda ch: not _iota_subscript(ch))
words = st.text(letters, min_size=1, max_size=12)
names = st.lists(words, min_size=1, max_size=4)
separators = st.lists(
    st.sampled_from([" ", "  ", "-", "'", "\u2019", " - ", "\t", ". ", "_", "--"]),
    min_size=3,
    max_size=3,
)


def joined(parts: list[str], seps: list[str]) -> str:
    out = parts[0]
    for i, part in enumerate(parts[1:]):
        out += seps[i % len(seps)] + part
    return out


# --- the same person written two ways matches ------------------------------------------------


@examples
@given(names)
def test_case_does_not_matter(parts: list[str]) -> None:
    name = " ".join(parts)
    assert name_tokens(name.upper()) == name_tokens(name)
    assert name_tokens(name.casefold()) == name_tokens(name)
    assert name_tokens(name.lower()) == name_tokens(name)


@examples
@given(names)
def test_composed_or_decomposed_accents_do_not_matter(parts: list[str]) -> None:
    name = " ".join(parts)
    assert name_tokens(unicodedata.normalize("NFD", name)) == name_tokens(name)
    assert name_tokens(unicodedata.normalize("NFC", name)) == name_tokens(name)


@examples
@given(names)
def test_a_name_typed_without_accents_matches(parts: list[str]) -> None:
    name = " ".join(parts)
    assert name_tokens(strip_accents(name)) == name_tokens(name)
    assert name_tokens(strip_accents(name).upper()) == name_tokens(name)


@examples
@given(names, separators)
def test_spaces_hyphens_and_apostrophes_between_words_do_not_matter(
    parts: list[str], seps: list[str]
) -> None:
    name = " ".join(parts)
    assert name_tokens(joined(parts, seps)) == name_tokens(name)
    assert name_tokens(f"  {name}\n") == name_tokens(name)


@examples
@given(words, words)
def test_different_words_do_not_match(first: str, second: str) -> None:
    assume(name_words(first) != name_words(second))
    assert name_tokens(first) != name_tokens(second)


@examples
@given(names)
def test_order_and_repetition_of_words_do_not_matter(parts: list[str]) -> None:
    name = " ".join(parts)
    assert name_tokens(" ".join(reversed(parts))) == name_tokens(name)
    assert name_tokens(f"{name} {name}") == name_tokens(name)
    assert name_tokens(*parts) == name_tokens(name)


@examples
@given(names)
def test_tokens_are_fixed_length_hex_and_never_the_words(parts: list[str]) -> None:
    name = " ".join(parts)
    tokens = name_tokens(name)
    assert len(tokens) == len(name_words(name))
    for token in tokens:
        assert len(token) == 32
        assert set(token) <= set("0123456789abcdef")
        assert token not in name_words(name)


def test_repeated_names_give_one_token() -> None:
    assert name_tokens("Ana Ana") == name_tokens("Ana")
    assert len(name_tokens("Ana Ana")) == 1
    assert name_tokens("") == set()
    assert name_tokens(" - ' ") == set()


# --- dates -----------------------------------------------------------------------------------


@examples
@given(st.dates())
def test_the_same_date_gives_the_same_token(day: date) -> None:
    assert date_token(day) == date_token(date(day.year, day.month, day.day))
    assert len(date_token(day)) == 32


@examples
@given(st.dates(), st.dates())
def test_different_dates_give_different_tokens(first: date, second: date) -> None:
    assume(first != second)
    assert date_token(first) != date_token(second)


@examples
@given(st.dates())
def test_a_name_token_never_equals_a_date_token(day: date) -> None:
    """Purpose separation: the same text as a name and as a date digests differently."""
    text = day.isoformat()
    assert digest("name", text) != digest("date", text) == date_token(day)
    as_names = name_tokens(text, day.strftime("%Y%m%d"), day.strftime("%m/%d/%Y"))
    assert date_token(day) not in as_names


# --- the key ---------------------------------------------------------------------------------


def test_tokens_depend_on_the_blind_index_key(settings: pytest.FixtureRequest) -> None:
    name_before, date_before = name_tokens("María"), date_token(date(2010, 3, 4))
    settings.CONTINUUM_BLIND_INDEX_KEY = "another-blind-index-key-for-tests"  # type: ignore[attr-defined]
    assert name_tokens("María").isdisjoint(name_before)
    assert date_token(date(2010, 3, 4)) != date_before
    assert name_tokens("MARIA") == name_tokens("María")  # still matches under the new key


# --- names that matter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("María José Pérez", "MARIA JOSE PEREZ"),
        ("María-José  PÉREZ", "maria jose perez"),
        ("Nguyễn Thị Minh Khai", "nguyen thi minh khai"),
        ("Алёна", "алена"),  # ё decomposes to Cyrillic ie + diaeresis
        ("АЛЁНА", "Алена"),
        ("محمد", "محمد"),
        ("Łukasz Wałęsa", "lukasz walesa"),
        ("Søren Østergaard", "soren ostergaard"),
        ("Strauß", "STRAUSS"),
        ("François Cœur", "francois coeur"),
        ("Zoë", "Zoe"),
        ("Đặng", "dang"),
        ("İbrahim Y\u0131lmaz", "ibrahim yilmaz"),  # a dotless i
        ("Ỳ", "Y"),
    ],
)
def test_the_same_person_written_two_ways_matches(written: str, typed: str) -> None:
    assert name_tokens(written) == name_tokens(typed)


def test_an_apostrophe_or_hyphen_splits_a_name_so_obrien_does_not_match_o_brien() -> None:
    """Documented: "O'Brien-Łukasz" → {"o", "brien", "lukasz"}. Typed as one word, "obrien"
    is another word and does not match; "o brien" does."""
    assert name_words("Zoë O'Brien-Łukasz") == {"zoe", "o", "brien", "lukasz"}
    assert name_tokens("Zoë O'Brien-Łukasz") == name_tokens("zoe o brien lukasz")
    assert name_tokens("Zoë O'Brien-Łukasz") != name_tokens("zoe obrien lukasz")
    assert name_tokens("obrien").isdisjoint(name_tokens("O'Brien"))


def test_scripts_without_spaces_between_letters_keep_their_words() -> None:
    assert name_words("山田 花子") == {"山田", "花子"}
    assert len(name_tokens("山田 花子")) == 2
    assert name_tokens("山田花子").isdisjoint(name_tokens("山田 花子"))  # one word, not two
    assert name_words("محمد") == {"محمد"}
    assert name_tokens("محمد") != name_tokens("أحمد")


def test_different_people_do_not_match() -> None:
    assert name_tokens("Ana") != name_tokens("Ann")
    assert name_tokens("Alena") != name_tokens("Alina")
    assert name_tokens("José") == name_tokens("Jose") != name_tokens("Josué")


@pytest.mark.parametrize(
    ("written", "typed"), [("Ǿrsted", "Orsted"), ("Ǿrsted", "Ørsted"), ("Ǽsa", "aesa")]
)
def test_letters_with_a_stroke_and_an_accent_match_without_them(written: str, typed: str) -> None:
    assert name_tokens(written) == name_tokens(typed)


# --- search through the app ------------------------------------------------------------------


@pytest.fixture
def people(world: World) -> dict[str, Survivor]:
    casey = world.actor("casey")
    return {
        "majo": create_survivor(
            actor=casey,
            details=SurvivorDetails(
                preferred_name="Majo",
                legal_given_name="María José",
                legal_family_name="Pérez",
                date_of_birth=date(2008, 6, 15),
                aliases=(("La Flaca", "street_name"),),
            ),
        ),
        "lucia": create_survivor(
            actor=casey,
            details=SurvivorDetails(
                legal_given_name="Lucía",
                legal_family_name="Pérez",
                date_of_birth=date(2007, 1, 2),
            ),
        ),
    }


def _found(world: World, **query: object) -> set[Survivor]:
    return set(search_survivors(world.actor("casey"), **query))  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "text", ["perez", "MARIA", "jose perez", "José  PÉREZ", "majo", "flaca", "La Flaca"]
)
def test_search_finds_a_person_by_any_whole_word_of_any_name(
    world: World, people: dict[str, Survivor], text: str
) -> None:
    assert people["majo"] in _found(world, text=text)


@pytest.mark.django_db
def test_search_matches_whole_words_only(world: World, people: dict[str, Survivor]) -> None:
    """Documented: whole words, through blind-index tokens; part of a word finds no one."""
    assert _found(world, text="per") == set()
    assert _found(world, text="Pére") == set()
    assert _found(world, text="flac") == set()
    assert _found(world, text="perez garcia") == set()  # every word must match


@pytest.mark.django_db
def test_search_by_date_of_birth(world: World, people: dict[str, Survivor]) -> None:
    assert _found(world, born_on=date(2008, 6, 15)) == {people["majo"]}
    assert _found(world, born_on=date(2008, 6, 16)) == set()
    assert _found(world, text="perez", born_on=date(2007, 1, 2)) == {people["lucia"]}
    assert _found(world, text="majo", born_on=date(2007, 1, 2)) == set()


@pytest.mark.django_db
def test_a_shared_last_name_finds_both_and_a_first_name_tells_them_apart(
    world: World, people: dict[str, Survivor]
) -> None:
    by_last_name = _found(world, text="Perez")
    assert {people["majo"], people["lucia"]} <= by_last_name
    assert world.survivor in by_last_name  # "Ana María Pérez", from the world
    assert _found(world, text="lucia perez") == {people["lucia"]}
    assert _found(world, text="jose perez") == {people["majo"]}
    # "María" is a word of two people's names: Majo's and the world's Ana María.
    assert _found(world, text="maria perez") == {people["majo"], world.survivor}
