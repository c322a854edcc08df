"""Choosing what the partner says: a line for a move, never one already used.

Lines are looked up from the most specific cell to the most general one: this kind and this
persona, then any persona, then the lines every kind shares (lines/common.yml); the state
band must match or the line must be written for any band. Persona-specific lines are twice
as likely, to keep each partner's flavour. When a move has no unused line left, the scene's
fallback moves are tried (scenes.yml).
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Collection

from bot.partner.content import ANY, Content, Line


@dataclass
class Dice:
    """Deterministic randomness that serialises as two integers.

    Each draw seeds a fresh generator from ``(seed, draws)``, so restoring ``draws`` restores
    the exact future of the rehearsal; a full ``random.Random`` state would be 625 numbers.
    """

    seed: int
    draws: int = 0

    def random(self) -> float:
        value = random.Random(f"{self.seed}:{self.draws}").random()
        self.draws += 1
        return value

    def chance(self, probability: float) -> bool:
        if probability <= 0:
            return False
        if probability >= 1:
            return True
        return self.random() < probability

    def weighted(self, items: list, weights: list[float]):
        total = sum(weights)
        point = self.random() * total
        for item, weight in zip(items, weights):
            point -= weight
            if point < 0:
                return item
        return items[-1]


def candidates(content: Content, kind: str, move: str, persona: str, band: str,
               used: Collection[str], tactic: str | None = None) -> list[tuple[Line, float]]:
    """Unused lines for a move, with their weights; empty when the move is used up."""
    for line_kind in (kind, ANY):
        found: list[tuple[Line, float]] = []
        for p, weight in ((persona, 2.0), (ANY, 1.0)):
            for b in (band, ANY):
                for line in content.lines.cells.get((line_kind, move, p, b), ()):
                    if line.id in used or (tactic is not None and line.tactic != tactic):
                        continue
                    found.append((line, weight))
        if found:
            return found
    return []


def has_line(content: Content, kind: str, move: str, persona: str, band: str,
             used: Collection[str], tactic: str | None = None) -> bool:
    return bool(candidates(content, kind, move, persona, band, used, tactic))


def pick_line(content: Content, dice: Dice, kind: str, move: str, persona: str, band: str,
              used: Collection[str], tactic: str | None = None) -> tuple[str, Line] | None:
    """Pick an unused line for ``move`` or, failing that, for its fallbacks.

    Returns ``(move actually used, line)``, or None when the move and all its fallbacks are
    used up. A line with a tactic is only ever chosen when that tactic was asked for.
    """
    queue, seen = [move], set()
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        found = candidates(content, kind, current, persona, band, used, tactic)
        if tactic is None:
            found = [(line, w) for line, w in found if line.tactic is None]
        if found:
            lines, weights = zip(*found)
            return current, dice.weighted(list(lines), list(weights))
        if tactic is None:
            queue.extend(content.scenes.fallbacks.get(current, ()))
    return None


_SENTENCE_START = re.compile(r"(^|[.!?]\s+)\{activity\}")


def render(line: Line, activity_label: str) -> str:
    """Fill the line's placeholders. Plain replacement: braces in a user's words stay inert.

    A label that starts a sentence gets a capital letter ("Using a blindfold. Hm.").
    """
    capitalised = activity_label[:1].upper() + activity_label[1:]
    text = _SENTENCE_START.sub(lambda m: m.group(1) + "\0", line.text)
    return text.replace("\0", capitalised).replace("{activity}", activity_label)
