"""Property tests: any sequence of coach findings, yellows and rewinds keeps the engine sane."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.partner import Rehearsal, RehearsalEnded, Scenario

from .conftest import CONTENT, DIFFICULTIES, KINDS, PERSONAS

ALL_CODES = sorted(CONTENT.signals.codes) + ["not_a_code"]
SCALE = (CONTENT.signals.scale_min, CONTENT.signals.scale_max)

actions = st.lists(
    st.one_of(
        st.tuples(st.just("respond"), st.frozensets(st.sampled_from(ALL_CODES), max_size=6),
                  st.text(max_size=40)),
        st.tuples(st.just("yellow")),
        st.tuples(st.just("rewind")),
    ),
    max_size=45,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), persona=st.sampled_from(PERSONAS), difficulty=st.sampled_from(DIFFICULTIES),
       seed=st.integers(min_value=0, max_value=2**31), steps=actions)
def test_random_sessions_never_crash_and_keep_every_invariant(kind, persona, difficulty, seed, steps):
    r = Rehearsal.start(Scenario(kind, "blindfold", "using a blindfold", persona, difficulty), seed=seed)
    r.opening()
    for step in steps:
        before = r.to_dict()
        try:
            if step[0] == "respond":
                turn = r.respond(step[2], step[1])
                assert turn.lines and all(isinstance(x, str) and x for x in turn.lines)
                assert turn.ended == r.ended and turn.outcome == r.outcome
            elif step[0] == "yellow":
                turn = r.slow_down()
                assert turn.move in ("check_in", "respond_warm", "respond_neutral", "close_talked_out")
            else:
                if r.rewind():
                    continue
                assert r.to_dict() == before
                continue
        except RehearsalEnded:
            assert before["ended"]
            assert r.to_dict() == before  # a refused call changes nothing
            continue
        state = r.state
        for value in (state.comfort, state.trust, state.openness):
            assert SCALE[0] <= value <= SCALE[1]
        d = r.to_dict()
        assert len(d["used_lines"]) == len(set(d["used_lines"]))  # no line twice
        assert r.outcome is None or r.outcome in CONTENT.scenes.kinds[kind].outcomes
        assert len(d["history"]) <= 20
        if kind == "refuse":
            dif = CONTENT.difficulties[difficulty]
            assert len(r.pressure_used) <= dif.max_re_asks
            assert sum(1 for t in r.pressure_used if not CONTENT.tactics[t].plain) <= dif.max_tactics
            assert all(CONTENT.tactic_allowed(t, difficulty) for t in r.pressure_used)
            # two clear no's in the running scene always end it
            assert state.refusals_heard <= 2
            if state.refusals_heard == 2:
                assert r.ended
        else:
            assert r.pressure_used == []
    d = r.to_dict()
    assert Rehearsal.from_dict(json.loads(json.dumps(d))).to_dict() == d
