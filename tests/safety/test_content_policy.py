"""The partner content policy, enforced over every partner and coach line in data/."""
from __future__ import annotations

import pytest
import yaml

from bot.paths import DATA_DIR
from bot.safety.content_policy import check_line, iter_policy_lines, pressure_cues

LINES = list(iter_policy_lines())


def _tactics() -> set[str]:
    path = DATA_DIR / "partner" / "pressure_tactics.yml"
    if not path.exists():
        return set()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {t["id"] for t in data.get("tactics") or []}


def test_there_are_lines_to_check():
    assert LINES, "no partner or coach lines found; the policy test would check nothing"


def test_every_line_follows_the_policy():
    problems = []
    for path, text, tactic, pressure_checked in LINES:
        violations = check_line(text, tactic) if pressure_checked else [
            v for v in check_line(text, "n/a") if not v.startswith("undeclared_pressure")]
        if violations:
            problems.append(f"{path}: {text!r}: {violations}")
    assert not problems, "\n".join(problems)


def test_every_declared_tactic_exists():
    tactics = _tactics()
    unknown = [f"{p}: {t!r} -> {tac}" for p, t, tac, _ in LINES if tac and tac not in tactics]
    assert not unknown, "\n".join(unknown)


@pytest.mark.parametrize("line, kind", [
    ("Don't be such a prude, it's just once.", "insult"),
    ("You're being stupid about this.", "insult"),
    ("If you won't, I'll find someone else who will.", "ultimatum"),
    ("Fine. Then we're done.", "ultimatum"),
    ("Do it or else.", "threat"),
    ("You'd better say yes.", "threat"),
    ("If you really loved me you'd try it.", "guilt_about_love"),
    ("You owe me after last weekend.", "scorekeeping"),
    ("Everyone does this, honestly.", "comparison"),
    ("You have to let me.", "demand"),
    ("Relax, it's no big deal.", "minimizing"),
    ("I want your naked body.", "explicit"),
])
def test_the_check_catches_bad_lines(line, kind):
    violations = check_line(line, tactic="asks_again")
    assert any(v.startswith(kind) for v in violations), violations


def test_pressure_needs_a_declared_tactic():
    line = "Why not? Could we try it just once?"
    assert pressure_cues(line)
    assert any(v.startswith("undeclared_pressure") for v in check_line(line))
    assert check_line(line, tactic="why_not") == []


@pytest.mark.parametrize("line", [
    "That's okay. I'd much rather hear a real no than a half yes.",
    "You don't have to decide anything today.",
    "I'd never want you to feel you have to.",
    "Understood. I'll leave it.",
    "Thanks for telling me. How are you feeling?",
])
def test_kind_lines_pass(line):
    assert check_line(line) == []


def test_the_suite_fails_on_a_bad_partner_file(tmp_path):
    bad = tmp_path / "data" / "partner" / "lines"
    bad.mkdir(parents=True)
    (bad / "x.yml").write_text(yaml.safe_dump({"moves": {"re_ask": {"any": {"any": [
        "Ugh, you're such a prude.", {"text": "Why not?"}]}}}}), encoding="utf-8")
    found = {(t, tuple(check_line(t, tac))) for _, t, tac, checked in iter_policy_lines(tmp_path) if checked}
    assert any(v for _, v in found) and len(found) == 2


def test_non_text_is_reported_not_raised():
    assert check_line(None) == ["not_text: NoneType"]  # type: ignore[arg-type]
