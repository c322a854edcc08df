"""The partner's state moves the right way with how the user phrased things, per persona."""
from __future__ import annotations

import pytest

from bot.partner.state import PartnerState, apply_codes

from .conftest import CONTENT, DIFFICULTIES, PERSONAS, PRESSURE, WARMTH, make

SIGNALS = CONTENT.signals


def _state(persona):
    return PartnerState.starting(CONTENT.personas[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", PRESSURE)
def test_each_pressure_code_lowers_comfort_and_trust(persona, code):
    s = _state(persona)
    before = s.to_dict()
    apply_codes(s, {code}, CONTENT.personas[persona], CONTENT.difficulties["realistic"], SIGNALS)
    assert s.comfort < before["comfort"] and s.trust < before["trust"]
    assert s.openness <= before["openness"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", WARMTH)
def test_each_warmth_code_raises_comfort_and_trust(persona, code):
    s = _state(persona)
    before = s.to_dict()
    apply_codes(s, {code}, CONTENT.personas[persona], CONTENT.difficulties["realistic"], SIGNALS)
    assert s.comfort > before["comfort"] and s.trust > before["trust"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_good_ask_warms_and_pressure_cools_through_the_rehearsal(persona, difficulty):
    warm = make("ask", persona, difficulty)
    start = warm.state.mean()
    warm.respond("I'd love to try this with you, and no is fine.", {"i_statement", "offers_out", "invites_response"})
    assert warm.state.mean() > start
    cold = make("ask", persona, difficulty)
    cold.respond("If you loved me you'd do it.", {"guilt_trip"})
    assert cold.state.mean() < start
    assert cold.state.pressure_turns == 1 and warm.state.pressure_turns == 0


def test_personas_differ_in_how_much_pressure_hurts():
    drops = {}
    for persona in PERSONAS:
        s = _state(persona)
        before = s.trust
        apply_codes(s, {"guilt_trip"}, CONTENT.personas[persona], CONTENT.difficulties["realistic"], SIGNALS)
        drops[persona] = before - s.trust
    assert drops["guarded"] > drops["curious"]
    anxious, curious = _state("anxious"), _state("curious")
    apply_codes(anxious, {"demand"}, CONTENT.personas["anxious"], CONTENT.difficulties["realistic"], SIGNALS)
    apply_codes(curious, {"demand"}, CONTENT.personas["curious"], CONTENT.difficulties["realistic"], SIGNALS)
    assert (4 - anxious.comfort) > (6 - curious.comfort)


def test_harder_partners_warm_up_more_slowly():
    gains = {}
    for difficulty in DIFFICULTIES:
        s = _state("curious")
        apply_codes(s, {"validates", "offers_out"}, CONTENT.personas["curious"], CONTENT.difficulties[difficulty],
                    SIGNALS)
        gains[difficulty] = s.mean()
    assert gains["gentle"] > gains["realistic"] > gains["challenging"]


def test_pressure_after_a_refusal_weighs_more():
    plain, after = _state("curious"), _state("curious")
    for s, flag in ((plain, False), (after, True)):
        apply_codes(s, {"persistence"}, CONTENT.personas["curious"], CONTENT.difficulties["realistic"], SIGNALS,
                    after_refusal=flag)
    assert after.trust < plain.trust


def test_state_stays_on_the_scale_and_one_turn_moves_at_most_the_cap():
    s = _state("guarded")
    for _ in range(10):
        applied = apply_codes(s, set(PRESSURE), CONTENT.personas["guarded"], CONTENT.difficulties["challenging"],
                              SIGNALS, after_refusal=True)
        assert all(abs(v) <= SIGNALS.max_change_per_turn + 1e-9 for v in applied.values())
    assert (s.comfort, s.trust, s.openness) == (1, 1, 1)
    for _ in range(20):
        apply_codes(s, set(WARMTH) | {"i_statement", "specific"}, CONTENT.personas["guarded"],
                    CONTENT.difficulties["gentle"], SIGNALS)
    assert (s.comfort, s.trust, s.openness) == (10, 10, 10)


def test_unknown_codes_change_nothing():
    s = _state("curious")
    before = s.to_dict()
    apply_codes(s, {"not_a_code", ""}, CONTENT.personas["curious"], CONTENT.difficulties["realistic"], SIGNALS)
    assert s.to_dict() == before


def test_unclear_codes_do_not_raise_the_state():
    s = _state("anxious")
    before = s.mean()
    apply_codes(s, {"vague_request", "heavy_hedging", "mixed_signal"}, CONTENT.personas["anxious"],
                CONTENT.difficulties["realistic"], SIGNALS)
    assert s.mean() < before


def test_bands_follow_the_mean():
    s = PartnerState(comfort=2, trust=2, openness=2)
    assert s.band(SIGNALS) == "low"
    s = PartnerState(comfort=5, trust=5, openness=5)
    assert s.band(SIGNALS) == "mid"
    s = PartnerState(comfort=8, trust=8, openness=8)
    assert s.band(SIGNALS) == "high"
