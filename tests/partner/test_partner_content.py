"""The partner's data files: complete, consistent, and within the content rules."""
from __future__ import annotations

import re
import shutil

import pytest

from bot.partner import ContentError, load_content
from bot.partner.content import ANY, PARTNER_DIR

from .conftest import CONTENT, KINDS, PERSONAS

# phrases that would make a line pressure; only lines declaring a tactic may use them
PRESSURE_CUES = re.compile(
    r"\b(come on|just once|one time|why not|are you sure|you owe|everyone|my ex|if you (really )?loved|"
    r"you have to|you need to|no big deal|not a big deal|overreact|relax|it's nothing|only fair|"
    r"disappoint|reconsider|think it over|one more time|at least consider|nothing to worry|ask again|"
    r"are you certain|firm no|not even a|is that final|a shame|hopes up|crushed|the reason|tiny bit|"
    r"make it a yes|change things|think about it a bit more)\b",
    re.IGNORECASE,
)
INSULTS_OR_THREATS = re.compile(
    r"\b(stupid|idiot|pathetic|gross|disgusting|freak|weirdo|or else|leave you|break up|find someone else|cheat)\b",
    re.IGNORECASE,
)


def test_at_least_four_personas_with_display_name_and_avatar():
    assert len(CONTENT.personas) >= 4
    names = set()
    for p in CONTENT.personas.values():
        assert p.name and p.avatar and len(p.initials) == 2
        assert set(p.start) == {"comfort", "trust", "openness"}
        assert all(1 <= v <= 10 for v in p.start.values())
        names.add(p.name)
    assert len(names) == len(CONTENT.personas)


def test_three_difficulties_with_growing_pressure_budgets():
    d = CONTENT.difficulties
    assert [d[k].max_re_asks for k in ("gentle", "realistic", "challenging")] == [0, 1, 2]
    assert d["gentle"].max_tactics == 0 and d["realistic"].max_tactics == 0 and d["challenging"].max_tactics == 1


def test_no_tactic_is_allowed_at_gentle_and_asks_again_is_plain():
    assert not any(CONTENT.tactic_allowed(t, "gentle") for t in CONTENT.tactics)
    assert CONTENT.tactics["asks_again"].plain
    assert [t for t in CONTENT.tactics if CONTENT.tactic_allowed(t, "realistic")] == ["asks_again"]
    assert len([t for t in CONTENT.tactics if CONTENT.tactic_allowed(t, "challenging")]) >= 4


def test_only_re_ask_lines_declare_tactics_and_every_tactic_has_lines():
    lines = CONTENT.lines.all_lines()
    for line in lines:
        assert (line.tactic is not None) == (line.move == "re_ask"), line
        if line.tactic:
            assert line.kind == "refuse"
    for tactic in CONTENT.tactics:
        assert sum(1 for line in lines if line.tactic == tactic) >= 3, tactic


def test_lines_without_a_tactic_carry_no_pressure_cues():
    offenders = [line.text for line in CONTENT.lines.all_lines()
                 if line.tactic is None and PRESSURE_CUES.search(line.text)]
    assert offenders == []


def test_tactic_lines_do_use_pressure_cues_or_re_ask_wording():
    # sanity check of the cue list itself: most tactic lines trip it
    tactic_lines = [line for line in CONTENT.lines.all_lines() if line.tactic]
    flagged = [line for line in tactic_lines if PRESSURE_CUES.search(line.text)]
    assert len(flagged) >= len(tactic_lines) // 2


def test_no_line_insults_or_threatens():
    assert [line.text for line in CONTENT.lines.all_lines() if INSULTS_OR_THREATS.search(line.text)] == []


def test_refuse_openings_name_the_activity():
    openings = [line for line in CONTENT.lines.all_lines() if line.kind == "refuse" and line.move == "opening"]
    assert len(openings) >= 10
    assert all("{activity}" in line.text for line in openings)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("move", ["respond_neutral", "respond_warm", "clarify", "respond_pressure"])
def test_common_cells_have_at_least_six_variants_for_each_band(kind, persona, move):
    for band in ("low", "mid", "high"):
        count = sum(len(CONTENT.lines.cells.get((kind, move, p, b), ()))
                    for p in (persona, ANY) for b in (band, ANY))
        assert count >= 6, (kind, persona, move, band, count)


@pytest.mark.parametrize("kind", KINDS)
def test_every_move_of_every_kind_has_lines(kind):
    available = CONTENT.lines.moves_for(kind) | CONTENT.lines.moves_for(ANY)
    assert set(CONTENT.scenes.kinds[kind].moves) <= available


def test_the_refusal_rule_cannot_be_loosened_in_data():
    assert CONTENT.scenes.kinds["refuse"].options["accept_no_by"] <= 2


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "partner"
    shutil.copytree(PARTNER_DIR, target)
    return target


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copy_of_the_data_loads(data_copy):
    assert len(load_content(data_copy).lines.by_id) == len(CONTENT.lines.by_id)


@pytest.mark.parametrize("file, old, new, message", [
    ("lines/refuse.yml", ", tactic: asks_again}", "}", "must declare its tactic"),
    ("lines/refuse.yml", "tactic: why_not}", "tactic: threaten}", "unknown tactic"),
    ("lines/ask.yml", "Oh, {activity}? Tell me more", "Oh, {partner_name}? Tell me more", "unknown placeholder"),
    ("lines/ask.yml", "    curious:\n", "    nobody:\n", "unknown persona"),
    ("pressure_tactics.yml", "min_difficulty: realistic", "min_difficulty: gentle", "gentlest difficulty"),
    ("scenes.yml", "accept_no_by: 2", "accept_no_by: 3", "accept_no_by"),
    ("personas.yml", "start: {comfort: 6, trust: 6, openness: 7}", "start: {comfort: 16, trust: 6, openness: 7}",
     "outside"),
    ("signals.yml", "guilt_trip:   {group: pressure, comfort: -1.4", "guilt_trip:   {group: pressure, comfort: x",
     "expected a number"),
])
def test_malformed_data_is_refused_with_the_file_named(data_copy, file, old, new, message):
    _edit(data_copy / file, old, new)
    with pytest.raises(ContentError, match=message):
        load_content(data_copy)
