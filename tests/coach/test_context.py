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
]


@pytest.mark.parametrize("kind,text,code", NOT_PRESSURE)
def test_not_the_speakers_pressure(kind, text, code):
    assert code not in analyze(text, kind, after_refusal=kind == "refuse").codes


def test_the_same_pressure_said_directly_is_caught():
    assert "scorekeeping" in analyze("you owe me").codes
    assert "demand" in analyze("you have to").codes or "demand" in analyze("you have to do it").codes
    assert "ultimatum" in analyze("if you say no, I'm leaving you").codes


def test_a_message_that_is_all_quote_is_the_users_own_line():
    assert "scorekeeping" in analyze('"you owe me"').codes
