"""The slow reference the matcher's shortcut tests compare against."""
from __future__ import annotations

from bot.safety import matcher


def brute_force(patterns: matcher.PatternSet, toks, lo: int, hi: int) -> dict:
    """Every pattern at every start, no candidate filter and no branch pruning."""
    out: dict[str, dict[int, int]] = {}
    for key, seq, *_ in patterns._patterns:
        for start in range(lo, hi):
            ends = matcher.match_ends(seq, toks, start, hi)
            ends.discard(start)
            if ends:
                spans = out.setdefault(key, {})
                spans[start] = max(spans.get(start, -1), max(ends))
    return {key: sorted(spans.items()) for key, spans in out.items()}
