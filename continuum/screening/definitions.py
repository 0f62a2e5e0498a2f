"""From stored rows to the engine's terms: an instrument version's parsed definition, and a
screening's sealed answers read against it."""

from __future__ import annotations

import json

from continuum.screening.answers import Answer, answers_from_json
from continuum.screening.instrument import InstrumentDefinition, parse_questionnaire
from continuum.screening.models import Instrument, Screening


def definition_of(instrument: Instrument) -> InstrumentDefinition:
    """The parsed instrument. Stored questionnaires were validated on import, so a failure
    here is a bug or tampering, and is allowed to surface."""
    return parse_questionnaire(instrument.questionnaire)


def answers_of(screening: Screening, definition: InstrumentDefinition) -> dict[str, Answer]:
    return answers_from_json(definition, json.loads(screening.answers or "{}"))
