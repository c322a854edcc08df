"""Ask and renegotiate scenes reach their goal with good phrasing, and the partner withdraws
under repeated pressure, for every persona and difficulty."""
from __future__ import annotations

import pytest

from .conftest import DIFFICULTIES, KINDS, PERSONAS, make

GOOD_ASK = {"i_statement", "specific", "invites_response", "offers_out", "pacing"}
GOOD_FOLLOW_UP = {"validates", "pacing", "checks_in", "offers_out"}
GOOD_CHANGE = {"names_agreement", "specific", "i_statement", "invites_response"}


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("seed", range(4))
def test_ask_reaches_an_answer_with_good_phrasing(persona, difficulty, seed):
    r = make("ask", persona, difficulty, seed)
    t = r.respond("I'd love to try a blindfold with you. No pressure, what do you think?", GOOD_ASK)
    moves = [t.move]
    for _ in range(6):
        if t.ended or t.move in ("not_now", "decline"):
            break
        t = r.respond("We can go slowly and stop whenever you like.", GOOD_FOLLOW_UP)
        moves.append(t.move)
    assert t.move in ("agree", "not_now", "decline"), moves
    assert moves[:-1] == ["consider"] * (len(moves) - 1)
    if t.move == "agree":
        assert t.ended and r.outcome == "agreed" and not r.after_refusal
    else:
        assert not t.ended and r.after_refusal
        closing = r.respond("Thank you for telling me. That's completely okay.", {"accepts_answer", "validates"})
        assert closing.ended and r.outcome == {"not_now": "not_now", "decline": "declined"}[t.move]


def test_gentle_curious_partner_says_yes_to_a_good_ask():
    r = make("ask", "curious", "gentle")
    t = r.respond("I'd like to try a blindfold with you. How would you feel about it?", GOOD_ASK)
    assert t.ended and t.move == "agree" and r.outcome == "agreed"


def test_a_vague_ask_gets_a_clarifying_question_not_an_answer():
    r = make("ask", "curious", "gentle")
    t = r.respond("Can we, you know, do something different?", {"vague_request"})
    assert t.move == "clarify" and not t.ended


def test_pressure_prevents_a_decision_in_that_turn():
    r = make("ask", "curious", "gentle")
    t = r.respond("You have to try a blindfold, everyone does it.", {"specific", "demand", "comparison"})
    assert t.move == "respond_pressure" and not t.ended


def test_a_cold_partner_declines_and_the_no_is_to_be_accepted():
    r = make("ask", "guarded", "challenging", seed=3)
    r.respond("Ugh, fine, whatever.", {"minimizing"})
    t = r.respond("I'd like to try a blindfold.", {"specific"})
    while not t.ended and t.move == "consider":
        t = r.respond("ok", set())
    assert t.move in ("decline", "not_now")
    assert r.after_refusal


@pytest.mark.parametrize("persona", PERSONAS)
def test_pressing_after_a_no_is_held_and_then_the_partner_withdraws(persona):
    r = make("ask", persona, "challenging", seed=1)
    r.respond("meh", {"minimizing"})
    t = r.respond("I want to try a blindfold.", {"specific"})
    while t.move == "consider":
        t = r.respond("ok", set())
    assert t.move in ("decline", "not_now")
    t = r.respond("Come on, just once.", {"persistence"})
    assert t.move in ("hold_answer", "withdraw")
    if not t.ended:
        t = r.respond("You owe me.", {"scorekeeping", "persistence"})
    assert t.ended and r.outcome == "partner_withdrew" and t.move == "withdraw"


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_repeated_pressure_makes_the_partner_withdraw(kind, persona, difficulty):
    r = make(kind, persona, difficulty)
    pressure = [{"guilt_trip"}, {"persistence", "minimizing"}, {"ultimatum"}, {"demand"}, {"shaming"},
                {"guilt_trip", "comparison"}]
    t = None
    for codes in pressure:
        t = r.respond("...", codes)
        if t.ended:
            break
    assert t.ended and r.outcome == "partner_withdrew" and t.move == "withdraw"
    assert r.turn_count >= 2  # one pressured turn alone never ends it


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_renegotiation_settles_with_a_named_agreement_change_and_check_in(persona, difficulty):
    r = make("renegotiate", persona, difficulty, seed=2)
    t = r.respond("We agreed on blindfolds last spring. I'd like to pause that for now. How do you feel?",
                  GOOD_CHANGE)
    assert t.move == "react"
    moves = [t.move]
    for _ in range(5):
        t = r.respond("Thank you for hearing me. Could we check in about it next month?",
                      {"validates", "proposes_revisit", "i_statement"})
        moves.append(t.move)
        if t.ended:
            break
    assert t.ended and r.outcome == "agreement_updated", moves
    assert "ask_revisit" not in moves  # the user already proposed the check-in


def test_renegotiation_without_a_check_in_plan_gets_asked_about_one():
    r = make("renegotiate", "curious", "gentle")
    r.respond("We agreed on blindfolds; I'd like to stop that from now on.", GOOD_CHANGE)
    t = r.respond("Thanks for understanding.", {"validates"})
    assert t.move == "ask_revisit" and not t.ended
    t = r.respond("Maybe in a month?", {"proposes_revisit"})
    assert t.ended and r.outcome == "agreement_updated"


def test_renegotiation_asks_which_agreement_when_none_was_named():
    r = make("renegotiate", "guarded", "gentle")
    r.respond("I don't want blindfolds anymore.", {"specific", "i_statement"})
    t = r.respond("It's just how I feel.", {"i_statement"})
    assert t.move == "ask_agreement"


def test_the_react_line_is_hurt_when_the_partner_is_low():
    r = make("renegotiate", "guarded", "challenging")
    r.respond("...", {"minimizing"})
    t = r.respond("We agreed on it, I want to stop.", {"specific", "names_agreement"})
    assert t.move == "react" and r.after_refusal  # a low-band reaction counts as hesitation
