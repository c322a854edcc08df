"""Live tips put pressure first; the debrief scores 0..100 and compares with the last attempt."""
from __future__ import annotations

from bot.coach import analyze
from bot.coach.debrief import build_debrief, skill_weights
from bot.coach.feedback import live_tip


def _turn(text, kind="ask", after_refusal=False):
    return {"text": text, "findings": [f.to_json() for f in analyze(text, kind, after_refusal).findings]}


def test_live_tip_puts_coercion_first_and_quotes_a_strength():
    text = "um maybe, kind of, I don't know, if you really loved me you'd try a blindfold"
    tip = live_tip(analyze(text), text)
    assert tip["focus"]["code"] == "guilt_trip"
    assert tip["user_text"] == text
    assert tip["strength"] is None or tip["strength"]["polarity"] == "strength"
    assert tip["focus"]["suggestion"] in tip["text"]
    assert {f["code"] for f in tip["findings"]} >= {"guilt_trip", "heavy_hedging"}


def test_live_tip_without_concern_praises():
    text = "I'd love to try a blindfold with you. What do you think? No pressure."
    tip = live_tip(analyze(text), text)
    assert tip["focus"] is None and tip["strength"] is not None
    assert tip["text"]


def test_debrief_scores_in_range_with_skills_per_kind_and_comparison():
    for kind in ("ask", "refuse", "renegotiate"):
        d = build_debrief(kind, [_turn("you owe me, everyone does it, you have to", kind)], [], None)
        assert set(d["scores"]) == set(skill_weights()[kind])
        assert all(0 <= v <= 100 for v in d["scores"].values())
        assert d["comparison"] is None
    first = build_debrief("ask", [_turn("if you really loved me you'd try pegging"),
                                  _turn("come on, just once", after_refusal=True)], ["ask_again"], None)
    assert first["concerns"][0]["code"] in {"guilt_trip", "persistence"}
    assert any(c["quote"] == "if you really loved me" for c in first["concerns"])
    assert all(c["suggestion"] for c in first["concerns"])
    assert first["partner_pressure"][0]["id"] == "ask_again"
    second = build_debrief("ask", [_turn("I'd love to try pegging with you. What do you think? No pressure."),
                                   _turn("okay, thanks for being honest", after_refusal=True)], [], first)
    assert second["comparison"]["free_of_pressure"] > 0
    assert set(second["comparison"]) == set(second["scores"])
    assert second["text"]
    other_kind = build_debrief("refuse", [_turn("no", "refuse")], [], first)
    assert other_kind["comparison"] is None


def test_coercive_ask_is_caught_live_and_shows_up_in_the_debrief():
    text = "if you won't try it, I'll find someone who will"
    tip = live_tip(analyze(text), text)
    assert tip["focus"]["code"] == "ultimatum"
    d = build_debrief("ask", [{"text": text, "findings": tip["findings"]}], [], None)
    assert d["concerns"][0]["code"] == "ultimatum"
    assert d["concerns"][0]["quote"] in text
    assert d["scores"]["free_of_pressure"] <= 50


def test_debrief_names_partner_tactics_from_the_partner_data_or_falls_back_to_the_id():
    d = build_debrief("refuse", [_turn("no thanks", "refuse")], ["no_such_tactic"], None)
    assert d["partner_pressure"] == [{"id": "no_such_tactic", "name": "no_such_tactic", "description": ""}]
