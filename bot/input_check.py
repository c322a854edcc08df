"""Is this message something the partner and the coach can work with?

Bad input (empty, huge, emoji only, another language, a stale button payload) gets a short,
friendly answer from the guide and leaves the rehearsal exactly as it was.
"""
from __future__ import annotations

import re
import unicodedata

from spacy.lang.en.stop_words import STOP_WORDS

MAX_LINE_CHARS = 1500

_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_PAYLOAD = re.compile(r"^\s*/[a-z_]+(\{.*\})?\s*$", re.DOTALL)
_STOP_WORDS = {w.lower() for w in STOP_WORDS} | {"i", "im", "i'm", "ok", "okay", "yes", "no"}


def problem_with_line(text: object) -> str | None:
    """Return the guide text key that explains what is wrong, or None if the line is usable."""
    if not isinstance(text, str) or not text.strip():
        return "input_empty"
    if _PAYLOAD.match(text):
        return "input_payload"
    if len(text) > MAX_LINE_CHARS:
        return "input_too_long"
    letters = [ch for ch in text if unicodedata.category(ch).startswith("L")]
    if not letters:
        return "input_no_words"
    latin = sum(1 for ch in letters if ch.isascii())
    if latin / len(letters) < 0.5:
        return "input_not_english"
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if len(words) >= 4 and not any(w in _STOP_WORDS for w in words):
        return "input_not_english"
    return None
