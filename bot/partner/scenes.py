"""Scene logic: given how the user's turn landed, what does the partner do next?

One function per rehearsal kind turns the coach's codes, the partner's state and the scene's
progress into a *beat*: the move to make (which lines to draw from), whether the scene ends
and how, and the pressure tactic used, if any. Thresholds and budgets come from
data/partner (scenes.yml, difficulties.yml, pressure_tactics.yml); this module only decides.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Mapping

from bot.partner.content import Content, Difficulty, KindRules, Persona
from bot.partner.lines import Dice
from bot.partner.state import PartnerState

# the ask partner's decision -> (move that closes the scene after it, outcome)
_DECISION_CLOSE = {"not_now": ("close_not_now", "not_now"), "decline": ("close_decline", "declined")}


@dataclass
class SceneProgress:
    """What has happened in the scene so far, beyond the partner's feelings."""

    asked: bool = False              # ask: the user has made a specific ask
    questions: int = 0               # questions the partner has asked before deciding/settling
    decision: str | None = None      # ask: "agree" | "not_now" | "decline"
    pressure_after_answer: int = 0   # ask: pressure turns after the partner's answer
    named_agreement: bool = False    # renegotiate: the earlier agreement was named
    named_change: bool = False       # renegotiate: the change was named
    reacted: bool = False            # renegotiate: the partner has reacted to the change
    asked_agreement: bool = False    # renegotiate: the partner asked which agreement is meant
    asked_revisit: bool = False      # renegotiate: the partner asked about checking in later
    revisit_planned: bool = False    # renegotiate: the user proposed a check-in
    yes_checked: bool = False        # refuse: the partner checked that a yes was a real yes
    partner_refused: bool = False    # the partner said no / not now / hesitated (after_refusal)
    slowed: bool = False             # the user said "yellow": no more pressure this rehearsal
    last_move: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "SceneProgress":
        expected = {f.name: f for f in fields(cls)}
        if not isinstance(data, Mapping) or set(data) != set(expected):
            raise ValueError("scene progress must have exactly the fields " + ", ".join(expected))
        for name in ("questions", "pressure_after_answer"):
            v = data[name]
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 10_000:
                raise ValueError(f"scene progress {name} must be a small non-negative integer")
        for name in ("decision", "last_move"):
            v = data[name]
            if v is not None and (not isinstance(v, str) or len(v) > 40):
                raise ValueError(f"scene progress {name} must be null or a short string")
        if data["decision"] not in (None, "agree", "not_now", "decline"):
            raise ValueError("scene progress decision must be agree, not_now, decline or null")
        for name, f in expected.items():
            if f.type in ("bool", bool) and not isinstance(data[name], bool):
                raise ValueError(f"scene progress {name} must be true or false")
        return cls(**dict(data))


@dataclass(frozen=True)
class Beat:
    move: str
    outcome: str | None = None
    tactic: str | None = None


@dataclass
class SceneContext:
    content: Content
    rules: KindRules
    persona: Persona
    difficulty: Difficulty
    state: PartnerState
    progress: SceneProgress
    dice: Dice
    codes: frozenset[str]
    text: str
    available: Callable[[str, str | None], bool]  # (move, tactic) -> an unused line exists

    def has(self, group: str) -> bool:
        return bool(self.codes & self.content.signals.codes_in(group))

    @property
    def pressure(self) -> bool:
        return self.has("pressure")

    @property
    def unclear(self) -> bool:
        return self.has("unclear")

    @property
    def warm(self) -> bool:
        return self.has("warmth") or self.has("clarity")


def should_withdraw(ctx: SceneContext) -> bool:
    """The state has bottomed out under repeated pressure: the partner needs a break."""
    rules = ctx.content.scenes
    return (ctx.state.mean() <= rules.withdraw_mean
            and ctx.state.pressure_turns >= rules.withdraw_min_pressure_turns)


def step(ctx: SceneContext) -> Beat:
    """The partner's next beat for one user turn (state already moved by the codes)."""
    return _STEPS[ctx.rules.id](ctx)


# ---------------------------------------------------------------------------------------------
# ask: the user asks; the partner considers, then answers; a no or "not now" is to be taken well


def _step_ask(ctx: SceneContext) -> Beat:
    progress = ctx.progress
    if progress.decision is not None:
        if ctx.pressure:
            progress.pressure_after_answer += 1
            limit = ctx.rules.options["max_pressure_after_answer"]
            if progress.pressure_after_answer >= limit or should_withdraw(ctx):
                return Beat("withdraw", "partner_withdrew")
            return Beat("hold_answer")
        move, outcome = _DECISION_CLOSE[progress.decision]
        return Beat(move, outcome)
    if should_withdraw(ctx):
        return Beat("withdraw", "partner_withdrew")
    if ctx.pressure:
        return Beat("respond_pressure")
    if "specific" in ctx.codes:
        progress.asked = True
    if ctx.unclear:
        return Beat("clarify")
    if progress.asked:
        if progress.questions < ctx.difficulty.questions:
            progress.questions += 1
            return Beat("consider")
        return _decide(ctx)
    return Beat("respond_warm" if ctx.warm else "respond_neutral")


def _decide(ctx: SceneContext) -> Beat:
    thresholds = ctx.rules.options["decide"]
    score = ctx.state.mean() - ctx.difficulty.resistance
    if score >= thresholds["agree_at"]:
        choice = "not_now" if ctx.dice.chance(ctx.difficulty.no_anyway_chance) else "agree"
    elif score >= thresholds["not_now_at"]:
        choice = "not_now"
    else:
        choice = "decline"
    ctx.progress.decision = choice
    if choice == "agree":
        return Beat("agree", "agreed")
    return Beat(choice)


# ---------------------------------------------------------------------------------------------
# refuse: the partner proposes; the user says no; the partner may ask again within its budget
# and always accepts the clear no by the scene's accept_no_by (at most the second)


def _step_refuse(ctx: SceneContext) -> Beat:
    state = ctx.state
    if "clear_no" in ctx.codes:
        state.refusals_heard += 1
        if state.refusals_heard < ctx.rules.options["accept_no_by"]:
            tactic = _choose_tactic(ctx, after_hesitation=False)
            if tactic is not None:
                return Beat("re_ask", tactic=tactic)
        move = "accept_alternative" if "offers_alternative" in ctx.codes else "accept_no"
        return Beat(move, "no_respected")
    if should_withdraw(ctx):
        return Beat("withdraw", "partner_withdrew")
    if ctx.pressure:
        return Beat("respond_pressure")
    if ctx.unclear:
        tactic = _choose_tactic(ctx, after_hesitation=True)
        if tactic is not None:
            return Beat("re_ask", tactic=tactic)
        return Beat("clarify")
    if _is_plain_yes(ctx):
        if ctx.progress.yes_checked:
            return Beat("close_yes", "user_agreed")
        ctx.progress.yes_checked = True
        return Beat("check_yes")
    return Beat("respond_warm" if ctx.warm else "respond_neutral")


def _choose_tactic(ctx: SceneContext, after_hesitation: bool) -> str | None:
    """A pressure tactic the partner may use now, or None. Gentle partners never get one."""
    difficulty, state = ctx.difficulty, ctx.state
    if ctx.progress.slowed or state.re_asks >= difficulty.max_re_asks:
        return None
    if after_hesitation and difficulty.max_tactics == 0:
        return None  # only a challenging partner presses on a hesitation
    options = [
        t.id for t in ctx.content.tactics.values()
        if ctx.content.tactic_allowed(t.id, difficulty.id)
        and (t.plain or state.tactics_used < difficulty.max_tactics)
        and ctx.available("re_ask", t.id)
    ]
    if not options:
        return None
    if not ctx.dice.chance(min(1.0, difficulty.re_ask_chance * ctx.persona.persistence)):
        return None
    return ctx.dice.weighted(options, [1.0] * len(options))


_WORD_RE = re.compile(r"[^\w'\s]+")


def _is_plain_yes(ctx: SceneContext) -> bool:
    text = " " + " ".join(_WORD_RE.sub(" ", ctx.text.lower().replace("\u2019", "'")).split()) + " "
    blockers = ctx.rules.options.get("yes_blockers", ())
    if any(f" {b} " in text or (b.startswith("n'") and b in text) for b in blockers):
        return False
    return any(f" {cue} " in text for cue in ctx.rules.options.get("yes_cues", ()))


# ---------------------------------------------------------------------------------------------
# renegotiate: the user changes an agreed limit; the partner reacts, asks, and settles


def _step_renegotiate(ctx: SceneContext) -> Beat:
    progress, codes = ctx.progress, ctx.codes
    progress.named_agreement |= "names_agreement" in codes
    progress.named_change |= "specific" in codes
    progress.revisit_planned |= "proposes_revisit" in codes
    if should_withdraw(ctx):
        return Beat("withdraw", "partner_withdrew")
    if ctx.pressure:
        return Beat("respond_pressure")
    if progress.named_change and not progress.reacted:
        progress.reacted = True
        progress.questions += 1
        return Beat("react")
    if ctx.unclear:
        return Beat("clarify")
    if progress.asked_agreement and progress.named_change:
        progress.named_agreement = True  # the partner asked which agreement; the answer came
    if progress.named_change and progress.questions < ctx.difficulty.questions:
        progress.questions += 1
        return Beat("consider")
    if progress.named_change and not progress.named_agreement:
        progress.asked_agreement = True
        return Beat("ask_agreement")
    if progress.named_change and progress.named_agreement:
        if progress.revisit_planned or progress.asked_revisit:
            return Beat("agree", "agreement_updated")
        progress.asked_revisit = True
        return Beat("ask_revisit")
    if progress.named_agreement:
        return Beat("clarify")
    return Beat("respond_warm" if ctx.warm else "respond_neutral")


_STEPS: dict[str, Callable[[SceneContext], Beat]] = {
    "ask": _step_ask,
    "refuse": _step_refuse,
    "renegotiate": _step_renegotiate,
}
