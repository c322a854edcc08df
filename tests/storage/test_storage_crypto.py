"""AES-GCM wrapper: round trips any text, binds to its context, detects tampering."""
from __future__ import annotations

import os

import pytest
from hypothesis import given, settings, strategies as st

from bot.storage.crypto import Cipher, is_ciphertext
from bot.storage.errors import DecryptionError

KEY = bytes(range(32))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=2000))
def test_round_trip_any_text(text):
    c = Cipher(KEY)
    token = c.encrypt(text, "session-1")
    assert is_ciphertext(token)
    assert c.decrypt(token, "session-1") == text


def test_ciphertext_hides_text_and_is_randomised():
    c = Cipher(KEY)
    a, b = c.encrypt("I'd like to try something new", "s"), c.encrypt("I'd like to try something new", "s")
    assert a != b and "try something" not in a


def test_wrong_context_wrong_key_and_tampering_fail():
    c = Cipher(KEY)
    token = c.encrypt("hello", "session-a")
    with pytest.raises(DecryptionError):
        c.decrypt(token, "session-b")
    with pytest.raises(DecryptionError, match="REHEARSE_KEY"):
        Cipher(os.urandom(32)).decrypt(token, "session-a")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(DecryptionError):
        c.decrypt(flipped, "session-a")
    for junk in ["", "plain text", "g1:!!!", None, 42]:
        with pytest.raises(DecryptionError):
            c.decrypt(junk, "session-a")


@pytest.mark.parametrize("bad", [b"short", "a string", None, bytes(31)])
def test_bad_keys_and_inputs(bad):
    with pytest.raises(ValueError):
        Cipher(bad)


def test_only_text_is_encrypted():
    with pytest.raises(ValueError):
        Cipher(KEY).encrypt(b"bytes", "s")
