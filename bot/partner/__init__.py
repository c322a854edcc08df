"""The simulated partner the user rehearses with.

An explicit inner state (comfort, trust, openness on 1-10) moves with *how* the user phrased
each turn (the rubric codes the coach found), a scene goal per rehearsal kind decides what
the partner does next, and lines written in data/partner are chosen so that none repeats.
Nothing here imports Rasa; ``actions/`` keeps ``Rehearsal.to_dict()`` in a slot.

    from bot.partner import Rehearsal, Scenario
    r = Rehearsal.start(Scenario("refuse", "blindfold", "using a blindfold", "curious", "realistic"), seed=1)
    r.opening().lines
    r.respond("No, that's not for me.", {"clear_no", "i_statement"})
"""
from bot.partner.content import ContentError, describe_tactic, load_content
from bot.partner.rehearsal import PartnerTurn, Rehearsal, RehearsalEnded, Scenario
from bot.partner.state import PartnerState

__all__ = [
    "ContentError",
    "describe_tactic",
    "PartnerState",
    "PartnerTurn",
    "Rehearsal",
    "RehearsalEnded",
    "Scenario",
    "load_content",
]
