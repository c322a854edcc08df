"""Helpers for the partner-engine tests: build rehearsals and drive them with code sets."""
from __future__ import annotations



import pytest

from bot.partner import Rehearsal, Scenario, load_content

CONTENT = load_content()
KINDS = sorted(CONTENT.scenes.kinds)
PERSONAS = sorted(CONTENT.personas)
DIFFICULTIES = sorted(CONTENT.difficulties, key=lambda d: CONTENT.difficulties[d].rank)
PRESSURE = sorted(CONTENT.signals.codes_in("pressure"))
WARMTH = sorted(CONTENT.signals.codes_in("warmth"))


def make(kind="refuse", persona="curious", difficulty="realistic", seed=7,
         activity_id="blindfold", label="using a blindfold") -> Rehearsal:
    r = Rehearsal.start(Scenario(kind, activity_id, label, persona, difficulty), seed=seed)
    r.opening()
    return r


@pytest.fixture
def rehearsal_factory():
    return make
