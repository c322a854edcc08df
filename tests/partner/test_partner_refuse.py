"""Refusal practice: the partner proposes, may push within its difficulty, and always accepts
the clear no by the second one."""
from __future__ import annotations

import itertools

import pytest

from .conftest import CONTENT, DIFFICULTIES, PERSONAS, make

SEEDS = range(12)
# what a user might say between no's: hedges, warmth, nothing, a bit of shaming
BETWEEN = [set(), {"heavy_hedging"}, {"mixed_signal"}, {"validates"}, {"over_justifying"}]


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("seed", SEEDS)
def test_the_second_clear_no_always_ends_the_scene_respected(difficulty, persona, seed):
    r = make("refuse", persona, difficulty, seed)
    first = r.respond("No, I don't want to.", {"clear_no", "i_statement"})
    if first.ended:
        assert first.outcome == "no_respected" and first.move in ("accept_no", "accept_alternative")
        return
    assert first.move == "re_ask" and first.pressure_tactic
    second = r.respond("No. I said no.", {"clear_no"})
    assert second.ended and second.outcome == "no_respected"
    assert second.pressure_tactic is None
    assert r.state.refusals_heard == 2


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_clear_no_is_respected_even_after_hedges_and_pressure(difficulty, persona):
    for seed, between in itertools.product(range(6), BETWEEN):
        r = make("refuse", persona, difficulty, seed)
        r.respond("hm", between)
        r.respond("No.", {"clear_no"})
        if not r.ended:
            r.respond("hm", between)
        if not r.ended:
            t = r.respond("No, and that's final.", {"clear_no"})
            assert t.ended
        assert r.outcome in ("no_respected", "partner_withdrew")
        assert r.state.refusals_heard <= 2


@pytest.mark.parametrize("persona", PERSONAS)
def test_gentle_never_uses_a_tactic(persona):
    for seed, between in itertools.product(range(10), BETWEEN):
        r = make("refuse", persona, "gentle", seed)
        for codes in (between, {"heavy_hedging"}, {"mixed_signal"}, {"clear_no"}):
            if r.ended:
                break
            t = r.respond("...", codes)
            assert t.pressure_tactic is None and t.move != "re_ask"
        assert r.pressure_used == []
        assert r.state.re_asks == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_realistic_asks_again_at_most_once_and_only_plainly(persona):
    for seed, between in itertools.product(range(10), BETWEEN):
        r = make("refuse", persona, "realistic", seed)
        for codes in ({"heavy_hedging"}, between, {"clear_no"}, between, {"mixed_signal"}, {"clear_no"}):
            if r.ended:
                break
            r.respond("...", codes)
        assert len(r.pressure_used) <= 1
        assert set(r.pressure_used) <= {"asks_again"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_challenging_stays_within_two_re_asks_and_one_tactic(persona):
    allowed = {t for t in CONTENT.tactics if CONTENT.tactic_allowed(t, "challenging")}
    seen = set()
    for seed, between in itertools.product(range(15), BETWEEN):
        r = make("refuse", persona, "challenging", seed)
        for codes in ({"heavy_hedging"}, between, {"mixed_signal"}, {"clear_no"}, between, {"clear_no"}):
            if r.ended:
                break
            r.respond("...", codes)
        used = r.pressure_used
        seen.update(used)
        assert len(used) <= 2
        assert set(used) <= allowed
        assert sum(1 for t in used if not CONTENT.tactics[t].plain) <= 1
        assert r.ended
    assert len(seen) >= 3  # the challenging partner does vary its pushback


def test_challenging_partner_does_push_back_at_least_sometimes():
    pushes = 0
    for persona, seed in itertools.product(PERSONAS, range(5)):
        r = make("refuse", persona, "challenging", seed)
        pushes += r.respond("No.", {"clear_no"}).move == "re_ask"
    assert pushes >= 10


def test_the_opening_proposes_the_activity():
    for persona in PERSONAS:
        t = make("refuse", persona, "realistic").opening()
        assert "using a blindfold" in t.lines[0] and t.move == "opening" and not t.ended


def test_yellow_ends_all_pressure():
    for seed in range(10):
        r = make("refuse", "playful", "challenging", seed)
        t = r.slow_down()
        assert t.move == "check_in" and not t.ended
        r.respond("hmm", {"heavy_hedging"})
        t = r.respond("No.", {"clear_no"})
        assert t.ended and t.outcome == "no_respected"
        assert r.pressure_used == []


def test_a_no_with_an_alternative_gets_the_alternative_welcomed():
    r = make("refuse", "curious", "gentle")
    t = r.respond("No, but I'd love a massage instead.", {"clear_no", "offers_alternative"})
    assert t.ended and t.move == "accept_alternative" and t.outcome == "no_respected"


def test_hedging_gets_a_clarifying_question_at_gentle():
    r = make("refuse", "anxious", "gentle")
    t = r.respond("I don't know... maybe, kind of, if it's not weird", {"heavy_hedging"})
    assert t.move == "clarify" and not t.ended


def test_a_plain_yes_is_checked_once_before_the_scene_closes():
    r = make("refuse", "curious", "gentle")
    t = r.respond("Yes, I'd love to!", set())
    assert t.move == "check_yes" and not t.ended
    t = r.respond("Yes, really.", set())
    assert t.ended and t.outcome == "user_agreed"


def test_not_sure_is_not_a_yes():
    r = make("refuse", "curious", "gentle")
    assert r.respond("I'm not sure", set()).move != "check_yes"


def test_refusal_practice_never_marks_after_refusal():
    r = make("refuse", "curious", "challenging")
    r.respond("No.", {"clear_no"})
    assert r.after_refusal is False


def test_every_tactic_used_can_be_described_for_the_debrief():
    from bot.partner import describe_tactic

    r = make("refuse", "playful", "challenging", seed=3)
    r.respond("hmm", {"heavy_hedging"})
    if not r.ended:
        r.respond("No.", {"clear_no"})
    assert r.pressure_used
    for tactic in r.pressure_used:
        info = describe_tactic(tactic)
        assert info["id"] == tactic and info["name"] and info["lesson"] and info["rubric_code"]
    assert describe_tactic("threaten") is None and describe_tactic(None) is None
