"""Full-text search (continuum.directory.fulltext) on whichever database the suite runs on:
CI runs it on SQLite (FTS5) and on PostgreSQL (GIN indexes), and the answers must agree."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from continuum.directory import fulltext
from continuum.directory.fulltext import RANK, search_organizations, search_services
from continuum.directory.models import Organization, Service, ServiceAtLocation, ServiceStatus
from tests.directory.factories import (
    make_organization,
    make_service,
    make_service_at_location,
)

pytestmark = pytest.mark.django_db


def names(queryset: Any) -> list[str]:
    return [row.name for row in queryset]


def found(text: str, queryset: Any = None) -> list[str]:
    return names(search_services(queryset or Service.objects.all(), text))


@pytest.fixture
def directory() -> dict[str, Any]:
    harbor = make_organization(name="Harbor Youth Services", description="Runaway youth")
    ayuda = make_organization(name="Centro de Ayuda", alternate_name="Help Center")
    return {
        "harbor": harbor,
        "ayuda": ayuda,
        "shelter": make_service(
            organization=harbor,
            name="Youth Shelter",
            description="Emergency shelter beds for runaway and homeless youth.",
        ),
        "legal": make_service(
            organization=harbor,
            name="Legal Clinic",
            alternate_name="T-visa help",
            description="Immigration relief for survivors of trafficking.",
        ),
        "ninez": make_service(
            organization=ayuda,
            name="Programa Niñez Segura",
            description="Servicios para la niñez y sus familias.",
        ),
        "family": make_service(
            organization=ayuda,
            name="Family counseling",
            description="Counseling for a survivor's family; a shelter referral if needed.",
        ),
    }


# --- what matches ------------------------------------------------------------------------------


def test_a_prefix_finds_the_word(directory: dict[str, Any]) -> None:
    assert found("shelt")[0] == "Youth Shelter"
    assert set(found("shelt")) == {"Youth Shelter", "Family counseling"}
    assert found("counsel") == ["Family counseling"]
    assert found("immig") == ["Legal Clinic"]


def test_case_does_not_matter(directory: dict[str, Any]) -> None:
    assert found("YOUTH SHELTER") == found("youth shelter") == ["Youth Shelter"]


@pytest.mark.parametrize("text", ["Niñez", "ninez", "NIÑEZ", "niñ", "Nin", "Nin\u0303ez"])
def test_accents_do_not_matter(directory: dict[str, Any], text: str) -> None:
    assert found(text) == ["Programa Niñez Segura"]


def test_accents_in_the_text_are_matched_by_plain_letters(directory: dict[str, Any]) -> None:
    make_service(name="Atención psicológica")
    assert found("atencion psicologica") == ["Atención psicológica"]
    assert found("psicológ") == ["Atención psicológica"]


def test_english_endings_do_not_matter(directory: dict[str, Any]) -> None:
    assert "Family counseling" in found("families")
    assert "Youth Shelter" in found("shelters")
    assert found("survivors") == found("survivor")


def test_every_word_must_match(directory: dict[str, Any]) -> None:
    assert found("youth shelter") == ["Youth Shelter"]
    assert found("shelter immigration") == []
    assert found("youth immigration") == ["Legal Clinic"]  # "youth" from Harbor Youth Services


def test_the_organization_name_counts_for_its_services(directory: dict[str, Any]) -> None:
    assert set(found("harbor")) == {"Youth Shelter", "Legal Clinic"}
    # One word in the organization's name, one in the service's.
    assert found("harbor legal") == ["Legal Clinic"]
    # The organization's description does not count for its services.
    assert found("runaway") == ["Youth Shelter"]


def test_the_alternate_name_counts(directory: dict[str, Any]) -> None:
    assert found("visa") == ["Legal Clinic"]


def test_better_matches_come_first(directory: dict[str, Any]) -> None:
    # "shelter" is the name of one and in the description of the other.
    results = list(search_services(Service.objects.all(), "shelter"))
    assert [r.name for r in results] == ["Youth Shelter", "Family counseling"]
    ranks = [getattr(r, RANK) for r in results]
    assert all(isinstance(rank, float) for rank in ranks)
    assert ranks[0] > ranks[1] > 0


def test_services_whose_text_changed_are_found_by_their_new_text(
    directory: dict[str, Any],
) -> None:
    legal = directory["legal"]
    legal.name = "Immigration Law Project"
    legal.save()
    assert found("project") == ["Immigration Law Project"]
    assert found("clinic") == []
    directory["harbor"].name = "Lighthouse Outreach"
    directory["harbor"].save()
    assert set(found("lighthouse")) == {"Youth Shelter", "Immigration Law Project"}
    assert found("harbor") == []
    legal.organization = directory["ayuda"]
    legal.save()
    assert found("lighthouse") == ["Youth Shelter"]
    assert found("ayuda project") == ["Immigration Law Project"]
    directory["shelter"].delete()
    assert found("lighthouse") == []


def test_a_service_saved_before_its_organization_gets_its_name(db: None) -> None:
    # An importer may write a service before the organization it names; the foreign key is
    # only checked at commit.
    organization = Organization(name="Zephyr Outreach", description="Outreach.")
    Service.objects.create(
        organization_id=organization.id, name="Street outreach", status=ServiceStatus.ACTIVE
    )
    organization.save(force_insert=True)
    assert found("zephyr") == ["Street outreach"]


# --- what comes back ------------------------------------------------------------------------


def test_the_result_can_be_filtered_counted_and_reordered(directory: dict[str, Any]) -> None:
    results = search_services(Service.objects.all(), "shelter")
    assert results.filter(organization=directory["ayuda"]).count() == 1
    assert names(results.order_by("name")) == ["Family counseling", "Youth Shelter"]
    assert names(results.filter(Q(name__startswith="Youth"))) == ["Youth Shelter"]
    assert results.order_by(f"-{RANK}").values_list("name", flat=True)[0] == "Youth Shelter"


def test_the_result_works_as_a_subquery(directory: dict[str, Any]) -> None:
    make_service_at_location(service=directory["shelter"])
    make_service_at_location(service=directory["legal"])
    matched = search_services(Service.objects.all(), "youth shelter")
    places = ServiceAtLocation.objects.filter(service__in=matched.values("pk"))
    assert [p.service_id for p in places] == [directory["shelter"].id]
    organizations = Organization.objects.filter(services__in=matched)
    assert list(organizations) == [directory["harbor"]]


def test_the_search_applies_to_the_queryset_given(directory: dict[str, Any]) -> None:
    active = Service.objects.exclude(pk=directory["shelter"].pk)
    assert found("shelter", active) == ["Family counseling"]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "***", '""', "- : ^ ( ) *"])
def test_no_words_leaves_the_queryset_as_it_was(directory: dict[str, Any], text: str) -> None:
    queryset = Service.objects.filter(status=ServiceStatus.ACTIVE)
    assert search_services(queryset, text) is queryset
    assert search_organizations(Organization.objects.all(), text).count() == 2


def test_the_wrong_model_is_refused() -> None:
    with pytest.raises(TypeError):
        search_services(Organization.objects.all(), "x")  # type: ignore[arg-type]


# --- nothing a person types breaks it ----------------------------------------------------------

FULL_WIDTH_SHELTER = "".join(chr(ord(c) + 0xFEE0) for c in "shelter")
HOSTILE = [
    '"',
    "'",
    '"shelter',
    'shelter"',
    "shel'ter",
    "*",
    "shelter*",
    "*shelter",
    "NEAR(shelter youth)",
    "NEAR(shelter youth, 2)",
    "name:shelter",
    "{name description}: shelter",
    "shelter OR youth",
    "shelter AND youth",
    "NOT shelter",
    "shelter NOT youth",
    "-shelter",
    "+shelter",
    "^shelter",
    "(shelter",
    "shelter)",
    "shelter & youth | !legal",
    "shelter <-> youth",
    "shelter:*",
    "shelter:A",
    "'shelter':*",
    "\\",
    "shelter\\",
    "%shelter%",
    "_",
    "shelter_youth",
    "'; DROP TABLE directory_service; --",
    "shelter\x00",
    "\x00",
    "🏠 shelter",
    "shelter\u200b",
    FULL_WIDTH_SHELTER,
    "\ufb01sh",  # "fish" with the fi ligature
    "shelter " * 200,
    "x" * 10_000,
    " ".join(f"w{n}" for n in range(100)),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_query_syntax_in_the_text_is_never_an_error(directory: dict[str, Any], text: str) -> None:
    results = names(search_services(Service.objects.all(), text))
    names(search_organizations(Organization.objects.all(), text))
    words = set(fulltext.search_words(text.lower()))
    if words and words <= {"shelter", "youth"}:
        # The syntax around the words was ignored, not the words.
        assert results[0] == "Youth Shelter"
    elif words & {"near", "or", "not"}:
        # Operators are words like any other, and every word must match.
        assert "Youth Shelter" not in results


def test_full_width_letters_are_ordinary_letters(directory: dict[str, Any]) -> None:
    assert found(FULL_WIDTH_SHELTER)[0] == "Youth Shelter"


def test_words_are_letters_and_digits() -> None:
    assert fulltext.search_words('"shelter" -youth (legal) name:aid ') == [
        "shelter",
        "youth",
        "legal",
        "name",
        "aid",
    ]
    assert fulltext.search_words("Niñez t-visa 24/7") == ["Niñez", "t", "visa", "24", "7"]
    many = fulltext.search_words(" ".join(["word"] * 100))
    assert len(many) == fulltext.MAX_WORDS
    assert fulltext.search_words("y" * 500) == ["y" * fulltext.MAX_WORD_LENGTH]


# --- organizations ------------------------------------------------------------------------------


def test_organizations_by_name_alternate_name_and_description(directory: dict[str, Any]) -> None:
    def orgs(text: str) -> list[str]:
        return names(search_organizations(Organization.objects.all(), text))

    assert orgs("harb") == ["Harbor Youth Services"]
    assert orgs("help") == ["Centro de Ayuda"]
    assert orgs("runaway") == ["Harbor Youth Services"]
    # A service's name is not the organization's.
    assert orgs("clinic") == []
    results = list(search_organizations(Organization.objects.all(), "youth"))
    assert getattr(results[0], RANK) > 0


def test_organization_text_changes_are_followed(directory: dict[str, Any]) -> None:
    ayuda = directory["ayuda"]
    ayuda.description = "Bilingual advocacy"
    ayuda.save()
    assert names(search_organizations(Organization.objects.all(), "advoc")) == ["Centro de Ayuda"]
    ayuda.delete()
    assert names(search_organizations(Organization.objects.all(), "advoc")) == []


# --- how it is kept, per database -------------------------------------------------------------


class _Editor:
    """What install() needs of a schema editor, usable inside the test's transaction."""

    connection = connection

    def execute(self, sql: str, params: Any = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_triggers_are_there_after_every_migration() -> None:
    # A later migration that rebuilds directory_service on SQLite drops its triggers: it
    # must run fulltext.install_forwards again (see fulltext's docstring).
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = set(fulltext.SQLITE_TRIGGERS)
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            expected = set(fulltext.POSTGRES_TRIGGERS)
        present = {row[0] for row in cursor.fetchall()}
    assert expected <= present


def test_installing_again_keeps_what_was_indexed(directory: dict[str, Any]) -> None:
    if connection.vendor == "postgresql":
        # As a migration would: no foreign key checks left pending from the test's writes.
        _Editor().execute("SET CONSTRAINTS ALL IMMEDIATE")
    fulltext.install(_Editor())  # type: ignore[arg-type]
    assert found("shelt")[0] == "Youth Shelter"
    assert found("harbor legal") == ["Legal Clinic"]
    make_service(name="Night shelter")
    assert "Night shelter" in found("night")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
@pytest.mark.parametrize(
    ("search", "index"),
    [
        (
            lambda text: search_services(Service.objects.all(), text),
            "directory_service_search_document",
        ),
        (
            lambda text: search_organizations(Organization.objects.all(), text),
            "directory_organization_search_document",
        ),
    ],
)
def test_postgresql_uses_the_gin_index(directory: dict[str, Any], search: Any, index: str) -> None:
    # A handful of test rows without statistics lets the planner prefer walking the primary
    # key with a filter (seen in CI). With statistics, and with every other way to read the
    # table switched off, the plan must still find the rows through the GIN index: it is
    # there and it serves the query's predicate.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE directory_service_search")
        cursor.execute("ANALYZE directory_organization_search")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = search("youth shelter").explain()
    assert index in plan, plan


@pytest.mark.django_db
def test_a_database_continuum_does_not_run_on_is_a_clear_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr(connection, "vendor", "oracle")
    with pytest.raises(ImproperlyConfigured, match="SQLite or PostgreSQL, not on oracle"):
        search_services(Service.objects.all(), "shelter")
