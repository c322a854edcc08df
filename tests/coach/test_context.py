"""Quoting, reporting, disowning, negation and boundaries are not the speaker's pressure."""
from __future__ import annotations

import pytest

from bot.coach import analyze

NOT_PRESSURE = [
    ("ask", "I'd never say you owe me", "scorekeeping"),
    ("ask", "my friend's boyfriend always says 'you owe me'", "scorekeeping"),
    ("ask", "I'd never want you to feel you have to", "demand"),
    ("ask", "I don't want it to sound like 'if you loved me you would'", "guilt_trip"),
    ("ask", "my ex used to tell me everyone does it, and I hated that", "comparison"),
    ("ask", "I know not everyone is into this", "comparison"),
    ("refuse", "if you keep asking, I'm going to leave the room", "ultimatum"),
    ("refuse", "I said no", "persistence"),
    ("renegotiate", "if you can't respect that, I'll need to end this conversation", "ultimatum"),
    ("ask", "I'm not saying it's not a big deal for you", "minimizing"),
    # leverage disowned: reassurance that mentions love or happiness to rule a guilty yes out
    ("ask", "I would never want you to agree to it only to keep me happy", "guilt_trip"),
    ("ask", "honestly I don't need you to try anything just for my sake", "guilt_trip"),
    ("ask", "u never need to prove u love me by doing stuff in bed", "guilt_trip"),
    ("ask", "please don't think you have to do this because you love me", "guilt_trip"),
    ("ask", "I'd hate for you to go along with something out of guilt", "guilt_trip"),
    # a way out offered, not an order: "say" + anything but yes
    ("ask", "you just have to say the word and we stop", "demand"),
    ("ask", "all you have to do is say the word", "demand"),
    ("ask", "I don't want you to feel like you have to say yes", "demand"),
    ("ask", "never think you owe me a yes", "demand"),
]


@pytest.mark.parametrize("kind,text,code", NOT_PRESSURE)
def test_not_the_speakers_pressure(kind, text, code):
    assert code not in analyze(text, kind, after_refusal=kind == "refuse").codes


@pytest.mark.parametrize("text", [
    "you'd agree to it if you really wanted to keep me happy",
    "if you loved me you'd prove it and try this",
    "do it for me, I'm asking you because you love me",
    "I don't want you to argue, do it for me",
    "you don't need to think, just prove you love me",
])
def test_leverage_that_is_not_disowned_is_still_a_guilt_trip(text):
    assert "guilt_trip" in analyze(text).codes


@pytest.mark.parametrize("text", ["you have to say yes", "you need to say yes to this", "you just have to say ok",
                                  "All you have to do is say yes.", "You have to say you'll do it tonight."])
def test_being_told_to_say_yes_is_a_demand(text):
    assert "demand" in analyze(text).codes


def test_the_same_pressure_said_directly_is_caught():
    assert "scorekeeping" in analyze("you owe me").codes
    assert "demand" in analyze("you have to").codes or "demand" in analyze("you have to do it").codes
    assert "ultimatum" in analyze("if you say no, I'm leaving you").codes


def test_a_message_that_is_all_quote_is_the_users_own_line():
    assert "scorekeeping" in analyze('"you owe me"').codes
