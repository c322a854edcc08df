"""The Rehearsal object: determinism, no repeated lines, exact rewind, JSON round trip, bad input."""
from __future__ import annotations

import copy
import json

import pytest

from bot.partner import PartnerTurn, Rehearsal, RehearsalEnded, Scenario
from bot.partner.rehearsal import MAX_SNAPSHOTS

from .conftest import CONTENT, DIFFICULTIES, KINDS, PERSONAS, make

# a long conversation that never reaches the scene's goal: no specific ask, no clear no,
# a little pressure now and then (never enough to withdraw)
LONG_CYCLE = [set(), {"validates"}, {"vague_request"}, {"i_statement"}, {"heavy_hedging"}, {"checks_in"},
              {"mixed_signal"}, {"invites_response"}, {"over_apologizing"}, {"minimizing"}, {"pacing"},
              {"offers_out"}]


def _drive_long(r: Rehearsal, turns: int) -> list[PartnerTurn]:
    out = []
    for i in range(turns):
        t = r.respond(f"turn {i}", LONG_CYCLE[i % len(LONG_CYCLE)])
        out.append(t)
        if t.ended:
            break
    return out


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_a_forty_turn_rehearsal_never_repeats_a_line(kind, persona, difficulty):
    r = Rehearsal.start(Scenario(kind, "blindfold", "using a blindfold", persona, difficulty), seed=11)
    said = list(r.opening().lines)
    turns = _drive_long(r, 40)
    for t in turns:
        said.extend(t.lines)
    assert len(said) == len(set(said)), [s for s in said if said.count(s) > 1]
    assert len(turns) == 40
    assert turns[-1].ended and r.outcome == "talked_out" and turns[-1].move == "close_talked_out"
    assert all(not t.ended for t in turns[:-1])


def test_the_same_seed_gives_the_same_rehearsal_and_seeds_differ():
    def run(seed):
        r = make("refuse", "playful", "challenging", seed)
        lines = [r.opening().lines[0]]
        for codes in ({"heavy_hedging"}, {"validates"}, {"clear_no"}, {"clear_no"}):
            if r.ended:
                break
            lines += r.respond("...", codes).lines
        return lines

    assert run(5) == run(5)
    assert len({tuple(run(s)) for s in range(8)}) > 1


def test_opening_is_stable_when_asked_twice():
    r = make("refuse", "curious", "gentle")
    assert r.opening() == r.opening()


def test_turn_carries_the_persona():
    t = make("ask", "guarded", "gentle").opening()
    p = CONTENT.personas["guarded"]
    assert t.persona == {"id": "guarded", "name": p.name, "avatar": p.avatar}


def test_rewind_restores_exactly_step_by_step():
    r = make("refuse", "curious", "challenging", seed=4)
    snapshots = [r.to_dict()]
    for codes in ({"heavy_hedging"}, {"validates"}, {"clear_no"}, {"guilt_trip"}, {"clear_no"}):
        if r.ended:
            break
        r.respond("...", codes)
        snapshots.append(r.to_dict())
    r2 = make("refuse", "curious", "challenging", seed=4)
    before_yellow = r2.to_dict()
    r2.slow_down()
    while snapshots[:-1]:
        assert r.rewind() is True
        snapshots.pop()
        assert r.to_dict() == snapshots[-1]
    assert r.rewind() is False
    assert r2.rewind() is True and r2.to_dict() == before_yellow


def test_rewind_then_the_same_turn_gives_the_same_reply():
    r = make("ask", "anxious", "realistic", seed=9)
    r.respond("hi", {"validates"})
    first = r.respond("I'd like to try a blindfold", {"specific", "i_statement"})
    assert r.rewind()
    again = r.respond("I'd like to try a blindfold", {"specific", "i_statement"})
    assert again == first


def test_rewind_undoes_an_ending_so_the_user_can_try_again():
    r = make("ask", "curious", "realistic", seed=2)
    r.respond("...", {"guilt_trip"})
    before = r.to_dict()
    t = r.respond("...", {"ultimatum", "persistence"})
    while not t.ended:
        t = r.respond("...", {"demand"})
    assert r.ended and r.outcome == "partner_withdrew"
    with pytest.raises(RehearsalEnded):
        r.respond("sorry", {"validates"})
    while r.to_dict()["state"]["turns"] > before["state"]["turns"]:
        assert r.rewind()
    assert r.to_dict() == before and not r.ended
    assert not r.respond("I'm sorry. I'd like to ask differently.", {"i_statement", "validates"}).ended


def test_rewind_keeps_at_most_the_last_snapshots():
    r = make("renegotiate", "curious", "gentle")
    _drive_long(r, MAX_SNAPSHOTS + 8)
    assert len(r.to_dict()["history"]) == MAX_SNAPSHOTS
    undone = 0
    while r.rewind():
        undone += 1
    assert undone == MAX_SNAPSHOTS


@pytest.mark.parametrize("kind", KINDS)
def test_to_dict_round_trips_exactly_through_json(kind):
    r = make(kind, "playful", "challenging", seed=3)
    for codes in ({"heavy_hedging"}, {"validates", "specific", "names_agreement"}, {"pacing"}):
        if r.ended:
            break
        r.respond("...", codes)
    d = r.to_dict()
    wire = json.loads(json.dumps(d))
    r2 = Rehearsal.from_dict(wire)
    assert r2.to_dict() == d
    # and it behaves the same from here on, rewind included
    if not r.ended:
        assert r.respond("x", {"clear_no"}) == r2.respond("x", {"clear_no"})
    assert r.rewind() == r2.rewind()
    assert r.to_dict() == r2.to_dict()


def test_the_stored_form_stays_small():
    r = make("ask", "curious", "realistic")
    _drive_long(r, 40)
    assert len(json.dumps(r.to_dict())) < 16_000


def _mutations():
    def setter(path, value):
        def apply(d):
            target = d
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        return apply

    def delete(key):
        return lambda d: d.pop(key)

    return [
        ("not a mapping", lambda d: None),
        ("missing key", delete("state")),
        ("extra key", setter(["hacked"], 1)),
        ("version", setter(["version"], 99)),
        ("kind", setter(["scenario", "kind"], "seduce")),
        ("persona", setter(["scenario", "persona"], "nobody")),
        ("difficulty", setter(["scenario", "difficulty"], "brutal")),
        ("label", setter(["scenario", "activity_label"], "   ")),
        ("seed type", setter(["seed"], "7")),
        ("comfort range", setter(["state", "comfort"], 11)),
        ("comfort type", setter(["state", "comfort"], "high")),
        ("counter", setter(["state", "turns"], -1)),
        ("progress field", setter(["progress", "decision"], "maybe")),
        ("progress bool", setter(["progress", "slowed"], "yes")),
        ("used lines", setter(["used_lines"], [1, 2])),
        ("tactic", setter(["pressure_used"], ["threaten"])),
        ("used count", setter(["used"], 999)),
        ("ended without outcome", setter(["ended"], True)),
        ("unknown outcome", setter(["outcome"], "married")),
        ("history type", setter(["history"], "lots")),
        ("history too long", lambda d: d.__setitem__("history", d["history"] * 30)),
        ("snapshot", lambda d: d["history"][0].pop("dice")),
        ("opening", setter(["opening"], "nope")),
    ]


@pytest.mark.parametrize("name, mutate", _mutations(), ids=[m[0] for m in _mutations()])
def test_from_dict_refuses_malformed_input(name, mutate):
    r = make("refuse", "curious", "realistic")
    r.respond("...", {"heavy_hedging"})
    d = copy.deepcopy(r.to_dict())
    if name == "not a mapping":
        bad = ["not", "a", "dict"]
    else:
        mutate(d)
        bad = d
    with pytest.raises(ValueError):
        Rehearsal.from_dict(bad)


@pytest.mark.parametrize("field, value", [("kind", "flirt"), ("persona", "villain"), ("difficulty", "extreme"),
                                          ("kind", None), ("activity_label", ""), ("activity_label", 42)])
def test_unknown_or_bad_scenario_fields_raise_value_error(field, value):
    args = {"kind": "ask", "activity_id": "x", "activity_label": "x", "persona": "curious", "difficulty": "gentle"}
    args[field] = value
    with pytest.raises(ValueError):
        Scenario(**args)


def test_long_or_junk_labels_are_cleaned():
    sc = Scenario("refuse", "", "  a\x00 very\n\n long " + "word " * 100, "curious", "gentle")
    assert sc.activity_id == "custom" and "\x00" not in sc.activity_label and len(sc.activity_label) <= 80
    r = Rehearsal.start(Scenario("refuse", "custom", "{activity} {0} %s", "curious", "gentle"), seed=1)
    assert "{activity} {0} %s" in r.opening().lines[0]


def test_codes_are_tolerant_of_junk_but_not_of_non_iterables():
    r = make("ask", "curious", "gentle")
    assert r.respond(None, None).move == "respond_neutral"
    assert r.respond(12345, "validates").move == "respond_warm"
    assert r.respond("x" * 10_000, ["validates", 3, None, ""]).move in ("respond_warm", "respond_neutral")
    with pytest.raises(TypeError):
        r.respond("x", 42)
    with pytest.raises(ValueError):
        r.respond("x", [f"code{i}" for i in range(500)])


def test_seed_must_be_an_integer_and_scenario_a_scenario():
    with pytest.raises(ValueError):
        Rehearsal.start(Scenario("ask", "x", "x", "curious", "gentle"), seed="abc")
    with pytest.raises(TypeError):
        Rehearsal.start({"kind": "ask"})
    assert isinstance(Rehearsal.start(Scenario("ask", "x", "x", "curious", "gentle")).to_dict()["seed"], int)


def test_responding_or_slowing_down_after_the_end_raises():
    r = make("refuse", "curious", "gentle")
    r.respond("No.", {"clear_no"})
    assert r.ended
    with pytest.raises(RehearsalEnded):
        r.respond("hello?", set())
    with pytest.raises(RehearsalEnded):
        r.slow_down()


def test_state_property_is_a_copy():
    r = make("ask", "curious", "gentle")
    s = r.state
    s.comfort = 1
    assert r.state.comfort != 1
