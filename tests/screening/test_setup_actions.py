"""Screening setup actions: importing instruments (never edited in place), retiring them, the
safety numbers and decision table, and recording screening training.

The helpers here (network_admin, agency_admin, questionnaire) are shared by the other
test_setup_* files."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.policy import Forbidden
from continuum.accounts.models import Agency, AgencyType, Role
from continuum.audit.models import AuditEntry
from continuum.screening import setup_actions as actions
from continuum.screening.instrument import QuestionnaireInvalid, load_bundled, to_questionnaire
from continuum.screening.models import Instrument, InstrumentStatus, SafetyLine, SafetyRule
from continuum.screening.safety import FLORIDA_RULES, RuleRow, rules_from_db
from continuum.screening.setup_queries import (
    TrainingState,
    is_trained_to_screen,
    screeners_of,
    screening_training_of,
)
from tests.personas import World, add_person, make_user

pytestmark = pytest.mark.django_db

EXT = "https://continuum.example.org/fhir/StructureDefinition/"
WEIGHT = "http://hl7.org/fhir/StructureDefinition/itemWeight"
TEST_URL = "https://example.org/fhir/Questionnaire/test-screen"


def network_admin(world: World, username: str = "nina") -> Actor:
    """A network admin at the community's coalition."""
    coalition = world.agencies.get("coalition") or Agency.objects.create(
        name="Bay Area Coalition", short_name="Coalition", agency_type=AgencyType.COALITION
    )
    world.agencies["coalition"] = coalition
    world.users[username], world.memberships[username] = make_user(
        username, coalition, Role.NETWORK_ADMIN
    )
    return world.actor(username)


def agency_admin(world: World, username: str = "ada", agency: str = "lead") -> Actor:
    add_person(world, username, agency, Role.AGENCY_ADMIN)
    return world.actor(username)


def _option(code: str, display: str, weight: int) -> dict[str, Any]:
    return {
        "extension": [{"url": WEIGHT, "valueDecimal": weight}],
        "valueCoding": {"code": code, "display": display},
    }


def questionnaire(version: str = "1", **changes: Any) -> dict[str, Any]:
    """A small valid instrument: a yes/no question, a follow-up shown only after "yes", a
    choice question with weights, two bands and a key item."""
    doc: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "extension": [
            {"url": EXT + "instrument-validated", "valueBoolean": False},
            {
                "url": EXT + "screening-scoring",
                "extension": [
                    {"url": "method", "valueCode": "sum"},
                    {
                        "url": "band",
                        "extension": [
                            {"url": "min", "valueInteger": 0},
                            {"url": "max", "valueInteger": 0},
                            {
                                "url": "level",
                                "valueCoding": {"code": "none", "display": "No concern found"},
                            },
                        ],
                    },
                    {
                        "url": "band",
                        "extension": [
                            {"url": "min", "valueInteger": 1},
                            {
                                "url": "level",
                                "valueCoding": {"code": "concern", "display": "Some concern"},
                            },
                        ],
                    },
                    {
                        "url": "keyItem",
                        "extension": [
                            {"url": "linkId", "valueString": "q1"},
                            {"url": "answer", "valueBoolean": True},
                            {"url": "level", "valueCode": "concern"},
                        ],
                    },
                ],
            },
        ],
        "url": TEST_URL,
        "version": version,
        "name": "TestScreen",
        "title": "Test screen",
        "status": "active",
        "publisher": "Test publisher",
        "copyright": "Free to use for tests",
        "item": [
            {
                "linkId": "home",
                "text": "Home",
                "type": "group",
                "item": [
                    {
                        "extension": [{"url": WEIGHT, "valueDecimal": 2}],
                        "linkId": "q1",
                        "text": "Have you stayed away from home overnight?",
                        "type": "boolean",
                    },
                    {
                        "linkId": "q2",
                        "text": "How often?",
                        "type": "choice",
                        "enableWhen": [{"question": "q1", "operator": "=", "answerBoolean": True}],
                        "answerOption": [
                            _option("once", "Once", 0),
                            _option("often", "Often", 1),
                        ],
                    },
                ],
            }
        ],
    }
    doc.update(changes)
    return doc


# --- instruments -------------------------------------------------------------------------


def test_the_bundled_instruments_are_installed_by_migrate() -> None:
    bundled = load_bundled()
    assert bundled
    for defn in bundled:
        stored = Instrument.objects.get(url=defn.url, version=defn.version)
        assert stored.bundled
        assert stored.imported_by is None
        assert stored.status == InstrumentStatus.ACTIVE
        assert stored.questionnaire == to_questionnaire(defn)
        assert stored.validated == defn.validated
        assert stored.title == defn.title


def test_installing_again_adds_nothing() -> None:
    count = Instrument.objects.count()
    assert actions.install_bundled_instruments() == 0
    assert Instrument.objects.count() == count


def test_installing_on_an_empty_table_stores_each_once_with_an_entry() -> None:
    Instrument.objects.all().delete()
    assert actions.install_bundled_instruments() == len(load_bundled())
    entry = AuditEntry.objects.filter(action="instrument.imported").order_by("-sequence").first()
    assert entry is not None
    assert entry.user_id is None
    assert entry.via == "system"
    assert entry.detail["bundled"] is True


def test_a_network_admin_imports_an_instrument(world: World) -> None:
    nina = network_admin(world)
    instrument = actions.import_instrument(actor=nina, document=questionnaire())
    assert instrument.url == TEST_URL
    assert instrument.version == "1"
    assert instrument.title == "Test screen"
    assert instrument.publisher == "Test publisher"
    assert instrument.licence == "Free to use for tests"
    assert instrument.validated is False
    assert instrument.bundled is False
    assert instrument.imported_by == world.users["nina"]
    assert instrument.status == InstrumentStatus.ACTIVE
    # Stored in its canonical form: what export gives back.
    from continuum.screening.instrument import parse_questionnaire

    assert instrument.questionnaire == to_questionnaire(parse_questionnaire(questionnaire()))
    entry = AuditEntry.objects.get(action="instrument.imported", object_id=str(instrument.pk))
    assert entry.detail == {"url": TEST_URL, "version": "1"}
    assert entry.username == "nina"


def test_importing_the_same_version_again_changes_nothing(world: World) -> None:
    nina = network_admin(world)
    first = actions.import_instrument(actor=nina, document=questionnaire())
    entries = AuditEntry.objects.count()
    # The same content, written differently (keys in another order), is the same instrument.
    shuffled = dict(reversed(list(questionnaire().items())))
    again = actions.import_instrument(actor=nina, document=shuffled)
    assert again.pk == first.pk
    assert Instrument.objects.filter(url=TEST_URL).count() == 1
    assert AuditEntry.objects.count() == entries


def test_changed_content_under_the_same_version_is_refused(world: World) -> None:
    nina = network_admin(world)
    original = actions.import_instrument(actor=nina, document=questionnaire())
    changed = questionnaire(title="Test screen, reworded")
    with pytest.raises(actions.InstrumentRefused) as refusal:
        actions.import_instrument(actor=nina, document=changed)
    assert str(refusal.value) == (
        "Version 1 of this instrument is already stored and cannot be changed: give your "
        "changes a new version number."
    )
    original.refresh_from_db()
    assert original.title == "Test screen"
    # With a new version number it is a new instrument, and the old one stays.
    newer = actions.import_instrument(actor=nina, document=questionnaire("2", title="Reworded"))
    assert newer.pk != original.pk
    assert Instrument.objects.filter(url=TEST_URL).count() == 2


def test_an_invalid_questionnaire_lists_every_problem_and_stores_nothing(world: World) -> None:
    nina = network_admin(world)
    doc = questionnaire()
    del doc["url"]
    doc["item"][0]["item"][1]["enableWhen"][0]["question"] = "nowhere"
    count, entries = Instrument.objects.count(), AuditEntry.objects.count()
    with pytest.raises(QuestionnaireInvalid) as invalid:
        actions.import_instrument(actor=nina, document=doc)
    assert len(invalid.value.problems) >= 2
    assert any("url" in problem for problem in invalid.value.problems)
    assert any("nowhere" in problem for problem in invalid.value.problems)
    assert Instrument.objects.count() == count
    assert AuditEntry.objects.count() == entries


def test_what_the_table_cannot_hold_is_a_problem_too(world: World) -> None:
    nina = network_admin(world)
    with pytest.raises(QuestionnaireInvalid) as invalid:
        actions.import_instrument(
            actor=nina, document=questionnaire(title="T" * 201, version="v" * 41)
        )
    assert invalid.value.problems == [
        "version: longer than 40 characters",
        "title: longer than 200 characters",
    ]


@pytest.mark.parametrize("document", [None, [], "text", 3])
def test_a_document_that_is_no_object_is_invalid(world: World, document: object) -> None:
    with pytest.raises(QuestionnaireInvalid):
        actions.import_instrument(actor=network_admin(world), document=document)


@pytest.mark.parametrize("persona", ["sam", "casey", "jordan", "avery"])
def test_only_a_network_admin_imports(world: World, persona: str) -> None:
    with pytest.raises(Forbidden):
        actions.import_instrument(actor=world.actor(persona), document=questionnaire())
    assert not Instrument.objects.filter(url=TEST_URL).exists()


def test_retire_and_reactivate(world: World) -> None:
    nina = network_admin(world)
    instrument = actions.import_instrument(actor=nina, document=questionnaire())
    retired = actions.set_instrument_status(
        actor=nina, instrument=instrument, status=InstrumentStatus.RETIRED
    )
    assert retired.status == InstrumentStatus.RETIRED
    entry = AuditEntry.objects.get(action="instrument.status_changed")
    assert entry.detail == {"from": "active", "to": "retired"}
    back = actions.set_instrument_status(actor=nina, instrument=instrument, status="active")
    assert back.status == InstrumentStatus.ACTIVE
    # The status it already has: nothing written.
    actions.set_instrument_status(actor=nina, instrument=instrument, status="active")
    assert AuditEntry.objects.filter(action="instrument.status_changed").count() == 2


def test_the_last_instrument_in_use_cannot_be_retired(world: World) -> None:
    nina = network_admin(world)
    Instrument.objects.update(status=InstrumentStatus.RETIRED)
    instrument = actions.import_instrument(actor=nina, document=questionnaire())
    with pytest.raises(actions.InstrumentRefused, match="only instrument in use"):
        actions.set_instrument_status(actor=nina, instrument=instrument, status="retired")
    instrument.refresh_from_db()
    assert instrument.status == InstrumentStatus.ACTIVE


def test_status_must_be_one_of_the_choices(world: World) -> None:
    nina = network_admin(world)
    instrument = Instrument.objects.first()
    assert instrument is not None
    with pytest.raises(actions.InstrumentRefused):
        actions.set_instrument_status(actor=nina, instrument=instrument, status="deleted")
    with pytest.raises(Forbidden):
        actions.set_instrument_status(
            actor=world.actor("sam"), instrument=instrument, status="retired"
        )


# --- safety numbers and rules ------------------------------------------------------------


def _line(code: str) -> SafetyLine:
    return SafetyLine.objects.get(code=code)


LINE_FIELDS = {
    "name": "Florida Abuse Hotline",
    "phone": "1-800-962-2873",
    "text_number": "",
    "tty": "711",
    "when_to_use": "Suspected abuse of a child in Florida.",
}


def test_a_network_admin_changes_a_line(world: World) -> None:
    nina = network_admin(world)
    line = actions.update_safety_line(
        actor=nina,
        line=_line("florida_abuse_hotline"),
        **{**LINE_FIELDS, "phone": " (800) 962-2873 ", "when_to_use": "Child  abuse\n in FL."},
    )
    line.refresh_from_db()
    assert line.phone == "(800) 962-2873"
    assert line.when_to_use == "Child abuse in FL."
    assert line.updated_by == world.users["nina"]
    entry = AuditEntry.objects.get(action="safety.lines_changed")
    assert entry.detail == {"line": "florida_abuse_hotline"}  # the code only
    assert actions.tel_digits(line.phone) == "8009622873"
    assert actions.tel_digits("+1 888 373 7888") == "+18883737888"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"phone": ""}, "Fill in “Phone number”."),
        ({"phone": "1-855-FLA-SAFE"}, "Write “Phone number” in digits"),
        ({"phone": "12"}, "Write “Phone number” in digits"),
        ({"tty": "call me"}, "Write “TTY number” in digits"),
        ({"text_number": "=1+2"}, "Write “Text (SMS) number” in digits"),
        ({"name": "  "}, "Fill in “Name”."),
        ({"when_to_use": ""}, "Fill in “When to use it”."),
        ({"when_to_use": "x" * 301}, "at most 300 characters"),
    ],
)
def test_a_line_must_be_callable(world: World, changes: dict[str, str], problem: str) -> None:
    nina = network_admin(world)
    before = _line("florida_abuse_hotline")
    with pytest.raises(actions.SafetySetupRefused) as refusal:
        actions.update_safety_line(actor=nina, line=before, **{**LINE_FIELDS, **changes})
    assert any(problem in text for text in refusal.value.problems)
    after = _line("florida_abuse_hotline")
    assert (after.phone, after.name, after.when_to_use) == (
        before.phone,
        before.name,
        before.when_to_use,
    )


@pytest.mark.parametrize("persona", ["sam", "casey", "jordan"])
def test_only_a_network_admin_changes_lines_and_rules(world: World, persona: str) -> None:
    with pytest.raises(Forbidden):
        actions.update_safety_line(
            actor=world.actor(persona), line=_line("emergency"), **LINE_FIELDS
        )
    with pytest.raises(Forbidden):
        actions.replace_safety_rules(actor=world.actor(persona), rows=list(FLORIDA_RULES))


def test_a_network_admin_replaces_the_table(world: World) -> None:
    nina = network_admin(world)
    rows = [
        RuleRow(5, "yes", "any", "any", "any", "emergency", "In danger now."),
        RuleRow(1, "any", "child", "any", "any", "florida_trafficking_line", " A  child. "),
    ]
    actions.replace_safety_rules(actor=nina, rows=rows)
    assert rules_from_db() == [
        RuleRow(1, "any", "child", "any", "any", "florida_trafficking_line", "A child."),
        rows[0],
    ]
    entry = AuditEntry.objects.get(action="safety.lines_changed")
    assert entry.detail == {"rules": 2, "lines": ["emergency", "florida_trafficking_line"]}
    # And back to Florida's.
    actions.replace_safety_rules(actor=nina, rows=list(FLORIDA_RULES))
    assert rules_from_db() == list(FLORIDA_RULES)


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([], "Keep at least one rule"),
        (
            [
                RuleRow(1, "yes", "any", "any", "any", "emergency", "a"),
                RuleRow(1, "no", "any", "any", "any", "emergency", "b"),
            ],
            "Two rules have the order number 1",
        ),
        ([RuleRow(1, "yes", "any", "any", "any", "nobody", "a")], "Rule 1: choose a line"),
        ([RuleRow(1, "maybe", "any", "any", "any", "emergency", "a")], "'maybe' is not a choice"),
        ([RuleRow(1, "any", "teen", "any", "any", "emergency", "a")], "'teen' is not a choice"),
        ([RuleRow(1, "yes", "any", "any", "any", "emergency", "  ")], "say why to call"),
        ([RuleRow(1, "yes", "any", "any", "any", "emergency", "w" * 301)], "at most 300"),
        ([RuleRow(-1, "yes", "any", "any", "any", "emergency", "a")], "must be 0 to 32767"),
    ],
)
def test_a_broken_table_is_refused_and_the_old_one_stays(
    world: World, rows: list[RuleRow], problem: str
) -> None:
    nina = network_admin(world)
    with pytest.raises(actions.SafetySetupRefused) as refusal:
        actions.replace_safety_rules(actor=nina, rows=rows)
    assert any(problem in text for text in refusal.value.problems), refusal.value.problems
    assert rules_from_db() == list(FLORIDA_RULES)
    assert not AuditEntry.objects.filter(action="safety.lines_changed").exists()


def test_a_line_named_by_a_rule_cannot_be_removed_under_it() -> None:
    # The table points at lines by foreign key: PROTECT keeps a rule from losing its line.
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        SafetyLine.objects.filter(code="emergency").delete()
    assert SafetyRule.objects.filter(line__code="emergency").exists()


# --- screening training ------------------------------------------------------------------


def test_a_supervisor_records_a_screeners_training(world: World, settings: Any) -> None:
    settings.CONTINUUM_SCREENING_TRAINING_DAYS = 365
    today = timezone.localdate()
    jordan = world.memberships["jordan"]
    assert not is_trained_to_screen(world.actor("jordan"))
    certified = actions.certify_screener(
        actor=world.actor("sam"), membership=jordan, certified_on=today - timedelta(days=10)
    )
    assert certified.screening_certified_on == today - timedelta(days=10)
    assert certified.screening_certified_until == today + timedelta(days=355)
    assert certified.screening_certified_by == world.users["sam"]
    jordan.refresh_from_db()
    assert is_trained_to_screen(world.actor("jordan"))
    assert policy.trained_to_screen(world.actor("jordan"))
    status = screening_training_of(jordan)
    assert status.current
    assert status.state == TrainingState.CURRENT
    assert status.certified_by_name == "Sam Tester"
    entry = AuditEntry.objects.get(action="training.screener_certified")
    assert entry.object_id == str(jordan.pk)
    assert entry.detail["until"] == (today + timedelta(days=355)).isoformat()


def test_an_agency_admin_records_training_with_an_end_date(world: World) -> None:
    ada = agency_admin(world)
    today = timezone.localdate()
    actions.certify_screener(
        actor=ada,
        membership=world.memberships["casey"],
        certified_on=today,
        until=today + timedelta(days=30),
    )
    world.memberships["casey"].refresh_from_db()
    assert world.memberships["casey"].screening_certified_until == today + timedelta(days=30)


@pytest.mark.parametrize(
    ("on_days", "until_days", "problem"),
    [
        (1, None, "cannot be in the future"),
        (0, 0, "must be after the training date"),
        (-5, -6, "must be after the training date"),
    ],
)
def test_training_dates_must_make_sense(
    world: World, on_days: int, until_days: int | None, problem: str
) -> None:
    today = timezone.localdate()
    with pytest.raises(actions.TrainingRefused, match=problem):
        actions.certify_screener(
            actor=world.actor("sam"),
            membership=world.memberships["jordan"],
            certified_on=today + timedelta(days=on_days),
            until=None if until_days is None else today + timedelta(days=until_days),
        )
    world.memberships["jordan"].refresh_from_db()
    assert world.memberships["jordan"].screening_certified_on is None


def test_training_is_recorded_only_by_the_persons_own_agency(world: World) -> None:
    today = timezone.localdate()
    # Quinn works at another agency: Sam cannot record Quinn's training.
    with pytest.raises(Forbidden):
        actions.certify_screener(
            actor=world.actor("sam"), membership=world.memberships["quinn"], certified_on=today
        )
    # A case manager cannot record anyone's.
    with pytest.raises(Forbidden):
        actions.certify_screener(
            actor=world.actor("casey"), membership=world.memberships["jordan"], certified_on=today
        )
    # Nor can a network admin.
    with pytest.raises(Forbidden):
        actions.certify_screener(
            actor=network_admin(world),
            membership=world.memberships["jordan"],
            certified_on=today,
        )


def test_only_roles_that_screen_get_screening_training(world: World) -> None:
    with pytest.raises(actions.TrainingRefused, match="do not screen"):
        actions.certify_screener(
            actor=world.actor("sam"),
            membership=world.memberships["avery"],
            certified_on=timezone.localdate(),
        )


def test_no_one_records_their_own_training(world: World) -> None:
    with pytest.raises(actions.TrainingRefused, match="Someone else"):
        actions.certify_screener(
            actor=world.actor("sam"),
            membership=world.memberships["sam"],
            certified_on=timezone.localdate(),
        )


def test_ending_training_stops_screening(world: World) -> None:
    today = timezone.localdate()
    sam, jordan = world.actor("sam"), world.memberships["jordan"]
    actions.certify_screener(actor=sam, membership=jordan, certified_on=today - timedelta(days=40))
    ended = actions.end_screener_certification(actor=sam, membership=jordan)
    assert ended.screening_certified_until == today - timedelta(days=1)
    jordan.refresh_from_db()
    assert not is_trained_to_screen(world.actor("jordan"))
    status = screening_training_of(jordan)
    assert status.state == TrainingState.EXPIRED
    assert status.certified_by_name == "Sam Tester"
    with pytest.raises(actions.TrainingRefused, match="no current screening training"):
        actions.end_screener_certification(actor=sam, membership=jordan)
    entries = AuditEntry.objects.filter(action="training.screener_certified").order_by("sequence")
    assert [bool(e.detail.get("ended")) for e in entries] == [False, True]


def test_ending_training_recorded_today_removes_it(world: World) -> None:
    sam, jordan = world.actor("sam"), world.memberships["jordan"]
    actions.certify_screener(actor=sam, membership=jordan, certified_on=timezone.localdate())
    actions.end_screener_certification(actor=sam, membership=jordan)
    jordan.refresh_from_db()
    assert screening_training_of(jordan).state == TrainingState.NONE
    assert jordan.screening_certified_by is None


def test_ending_another_agencys_training_is_refused(world: World) -> None:
    quinn = world.memberships["quinn"]
    quinn.screening_certified_on = timezone.localdate() - timedelta(days=3)
    quinn.screening_certified_until = timezone.localdate() + timedelta(days=300)
    quinn.save()
    with pytest.raises(Forbidden):
        actions.end_screener_certification(actor=world.actor("sam"), membership=quinn)
    quinn.refresh_from_db()
    assert screening_training_of(quinn).current


def test_training_status_of_each_kind(world: World) -> None:
    today = timezone.localdate()
    member = copy.copy(world.memberships["jordan"])
    assert screening_training_of(member).state == TrainingState.NONE
    member.screening_certified_on = today - timedelta(days=800)
    member.screening_certified_until = today - timedelta(days=70)
    assert screening_training_of(member).state == TrainingState.EXPIRED
    member.screening_certified_until = today
    assert screening_training_of(member).state == TrainingState.CURRENT  # the last day counts
    member.screening_certified_on = today + timedelta(days=1)
    assert not screening_training_of(member).current


def test_screeners_of_lists_the_agencys_people_who_screen(world: World) -> None:
    listed = {row.membership.user.username for row in screeners_of(world.actor("sam"))}
    assert listed == {"casey", "sam", "cole", "jordan"}  # not Avery (analyst), not Quinn
    with pytest.raises(Forbidden):
        screeners_of(world.actor("casey"))
