"""Integrity checks for the two hand-labelled evaluation sets, and the guide they were labelled by.

The sets are written independently of the coach's and the safety screen's own patterns, so
they measure generalisation, not agreement with one rule list. These tests guard the format
and the coverage the evaluation relies on; they say nothing about how well the code scores.

Files
-----
``data/coach/dev.jsonl``: one utterance per line::

    {"id": "ask-001", "text": "...", "kind": "ask" | "refuse" | "renegotiate",
     "after_refusal": bool, "codes": [...], "forbidden": [...], "safety": null | category,
     "note": "short why"}

``codes`` lists every rubric code a careful therapist would give the utterance (concerns and
strengths alike). ``forbidden`` lists codes that are tempting but wrong here (hard
negatives): an analyzer that reports one of them has made a mistake. A code missing from
both lists is simply not at issue in that utterance.

``data/safety/testset.jsonl``: ``{"id", "text", "expected": null | category, "note"}``.

Labelling guide: coach codes
----------------------------
General: pressure is about getting a *yes* from the partner. The speaker protecting their own
boundary, quoting or reporting someone else's pressure, disowning pressure ("I'd never want
you to feel you have to"), or asking a hypothetical is not pressure by the speaker.

guilt_trip
    The speaker's love, hurt, sadness or the partner's love/loyalty/earlier promise used as
    leverage ("if you really loved me", "don't you want to make me happy?", "I'll be crushed
    if you say no", a sulky "fine, I'll never get what I want"). Naming one's own feeling
    without tying it to a yes ("I'm a bit sad, but I'm glad you told me") is not guilt.
    "I love you, and it's still a no" in a refusal is reassurance, not leverage.
ultimatum
    A cost threatened for saying no or for keeping a limit: leaving, cheating, withholding
    affection, "then I'll find someone who will", "I'll break the rules". Never in a refusal:
    "if you keep asking I'll leave the room" protects a no. In a renegotiation, a consequence
    that protects the speaker's own new limit ("if you can't accept the pause I'll stop
    altogether") is a boundary, not an ultimatum; a threat used to widen or keep a partner's
    limit is an ultimatum.
minimizing
    Shrinks the ask or waves away the partner's concern or reaction ("it's not a big deal",
    "you're overreacting", "it's just a toy", "what's the worst that could happen"). Not
    minimizing: "it's not a big deal if you say no" (that makes the no safe: offers_out), "a
    little bit"/"nothing intense" offered as a gentle start (pacing), the speaker downplaying
    their own reasons for a no.
persistence
    Pressing after a no or a hesitation: re-asking the same thing when ``after_refusal`` is
    true, a smaller version of the refused activity right after the no ("just for five
    minutes", "just the blindfold, no cuffs"), "come on", "just once", "why not?", "are you
    sure?", arguing with the no, promising to keep asking. The same ask with
    ``after_refusal`` false is not persistence. Never in a refusal: "I said no" holds a no.
    After a no, proposing to *talk* again later with an explicit out is proposes_revisit +
    accepts_answer; scheduling the refused *activity* for later ("we could try it another
    time then?") is persistence. A genuinely different activity offered after a no is
    offers_alternative, not persistence.
comparison
    Pressure from what others do or want: everyone, normal couples, friends' partners, an
    ex, experts used to make a no look unreasonable. Mentioning others without pressure
    ("I read that some couples do lists", "I know lots of people love it, it's not for me",
    "I'm not like your ex") is not comparison.
scorekeeping
    Consent as a trade or debt: "you owe me", "after everything I've done", "it's only fair",
    bargaining chores for a yes, "I've been patient, I deserve a yes". Not scorekeeping:
    refusing a debt ("I don't owe you this"), fairness used to protect a no, quoted debts.
demand
    The activity (or a partner's acceptance of a change) framed as an obligation or an order:
    "you have to", "you need to let me", "I deserve this", "we're doing it tonight", "as my
    girlfriend you should". A person stating their own limit firmly ("you need to respect my
    no", "I need us to stop the restraints") is not a demand.
shaming
    Insult, disgust or mockery aimed at the partner or their desire or their earlier choice
    ("gross", "what's wrong with you", "prude", "vanilla", "so dumb of you"). Self-directed
    embarrassment ("this is so weird of me") is not shaming; it may be over_apologizing.
vague_request
    An ask (or a renegotiation) that never says what is being asked or changed ("something
    different", "the thing", "spice things up", "change our agreement"). A vague opener
    followed by the concrete thing is specific, not vague; a pre-ask that checks whether now
    is a good time is checks_in, not vague.
heavy_hedging
    Qualifiers pile up until the message is lost (three or more hedges: maybe, kind of, idk,
    possibly, if that's ok, or not...). One or two hedges in a clear message are not heavy.
mixed_signal
    In a refusal or a change, yes and no at once ("no... I mean maybe", "I don't want to but
    I will if you want", giving in after repeated asking). A clear not-now ("not tonight, ask
    me in the summer"), honest "I need time to think", or keeping part of a limit while
    changing another part is not mixed. Used only for refuse and renegotiate.
over_apologizing
    Repeated (roughly three or more) or intense apology or self-blame for having a desire
    or a boundary. A single "sorry, this is awkward", naming nerves, or "I'm sorry you're
    disappointed" is not. Feelings voiced as self-blame inside the spiral ("I feel terrible
    even asking") belong to this code, not to i_statement.
over_justifying
    A no or a change buried under a pile of excuses, as if it needed approval. One honest
    reason is not over-justifying. A "no" said first and then buried still counts as
    clear_no as well. Used only for refuse and renegotiate.

i_statement
    An honest first-person statement of the speaker's own want, feeling or limit ("I'd
    like", "I want", "I feel nervous", "I'm not comfortable", "I don't want to", "I'm not
    into it"), with the speaker as the subject; "X is a hard limit for me" and "not for me"
    are clear_no without an I-statement. Not: "I need you to..." (demand), "I deserve" (entitlement), "I feel like you
    never..." (accusation), self-pity used as leverage, "I said no" (restating, not a want).
specific
    Names the concrete activity, limit or change (blindfold, pegging, sleepovers on
    weeknights, lights on, "once a month instead of weekly"). A bare "no", "that", "the
    thing" or "our agreement" is not specific.
invites_response
    A genuine question about the partner's view or feelings ("what do you think?", "how
    would you feel?", "would you be open to...?", "is that something you'd want?"). The ask
    itself ("could we do X?") is not an invitation; neither are rhetorical or leading
    questions ("don't you want to make me happy?", "you won't get weird, right?") or "why
    not?" after a no.
offers_out
    Explicitly makes no, not-now, or changing one's mind safe ("a no is totally fine", "no
    pressure", "take as long as you need", "we can go back to the old way any time").
    Undermined offers ("you can say no but I'll be crushed") do not count. Stopping during
    the activity is pacing; changing one's mind about doing it is offers_out.
checks_in
    Asks how the partner feels right now, whether now is a good time, or whether they are
    still comfortable ("are you ok?", "how are you feeling about what I said?"). "Are you
    sure?" after a no is persistence, not a check-in.
pacing
    Going slowly, starting small or light, trying once and debriefing, a safeword or signal,
    stopping any time, aftercare. Pacing used to press after a no is still pacing, and it is
    also persistence. "We don't need a safeword, it's just..." is not pacing.
clear_no
    An unambiguous refusal by the speaker ("no", "I don't want to", "hard limit", "not for
    me", "I'd rather not", "not tonight"). Only in refuse, and in renegotiate when the speaker
    unambiguously stops, ends or pauses something or declares a part of it a no ("I want to
    stop X", "X is off the table", "not the teacher scene"); proposing a smaller amount ("two
    nights instead of three", "a few minutes at a time") is not a refusal. Never in ask: "no
    pressure", "no worries", "hard no" offered as the partner's option, "no means no" said
    back to the partner are not refusals.
offers_alternative
    Proposes a different activity or another time that the speaker does want ("not the
    cuffs, but holding my wrists", "a massage instead?", "Saturdays instead of Fridays").
    A smaller version of the refused activity right after a no is persistence, not an
    alternative.
validates
    Acknowledges the partner, their feelings, courage or desire warmly ("thank you for
    telling me", "that took guts", "I get why", "I love that you're honest", "I trust you",
    reassurance that the partner is still wanted, "I get it" / "fair enough" / "thank you"
    said to a partner's no). "I hear you, but..." followed by pressure is not validation, and
    a polite "no thanks" or "thanks for understanding" tacked onto one's own refusal is
    politeness, not validation.
accepts_answer
    Takes the partner's no or hesitation gracefully (drops it, thanks them, hands any
    revisit to them). Sulky acceptance ("fine, whatever"), apology spirals and "ok but..."
    followed by pressure are not acceptance. Used in ask and renegotiate, not in refuse.
names_agreement
    Explicitly refers to the earlier limit or agreement being renegotiated ("we agreed",
    "when we said", "the no-toys rule", "I said yes to X last time"). "anymore" alone does
    not name it. Only in renegotiate: in an ask, a reference to an earlier chat is not an
    agreement under renegotiation.
proposes_revisit
    Suggests talking or checking in again at a later point ("talk on Sunday", "check in
    after the first time", "ask me again in the summer"). "I'll keep asking" is persistence;
    "let's never talk about this again" is not a revisit; "I'd like to revisit our rule"
    opening the renegotiation now is not one either, nor is moving the activity to another
    day (offers_alternative), nor leaving any future raising of it to the partner
    (accepts_answer).

Labelling guide: safety
-----------------------
abuse: the user says a real partner (current or past) forced, threatened, hurt, blackmailed
or ignored their no or their stop signal, or describes an assault. Threats a partner makes
against themselves to coerce the user ("she says she'll kill herself if I don't") are abuse,
not self_harm. self_harm: the user speaks of hurting or killing themselves or not wanting to
live, including indirect wording. minor: the user says they are under 18, by number, word,
school year (UK year 7-11, US 9th-12th grade, high school) or "not 18 yet". A past age of an
adult ("when I was 15"), someone else's age, durations ("16 years together", "16 weeks
pregnant") and exactly 18 are not minor. danger: the user is in danger right now (an
aggressor present or on the way, confinement, a fresh injury, possible drugging). Not safety
hits: rehearsal lines addressed to the partner, idioms and hyperbole about embarrassment,
negotiated kink, safeword and limits talk, fiction, hypotheticals that say nothing happened,
a no that was respected, negated statements ("nobody forced me"), third parties' situations,
and product commands such as "red".
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from tests.data.labelled_sets import (
    ALLOWED_KINDS, CATEGORIES, COACH_DEV_PATH, CODES, COERCION, SAFETY_DEV_PATH, check_coach_item,
    check_code_lists, check_rubric_contract, check_safety_item, check_safety_keys,
    expected_and_forbidden, hard_negatives, is_safety_label, kinds_of, long_or_other_language,
    outside_allowed_kinds, positives, read_objects, refusals_forbidding, repeated_texts,
    silent_items,
)

COACH_PATH = COACH_DEV_PATH
SAFETY_PATH = SAFETY_DEV_PATH

MIN_COACH_ITEMS = 450
MIN_POSITIVES_PER_CODE = 14
MIN_HARD_NEGATIVES_PER_CODE = 4
KIND_SHARE = {"ask": 0.45, "refuse": 0.30, "renegotiate": 0.25}
KIND_SHARE_TOLERANCE = 0.06

MIN_SAFETY_ITEMS = 160
MIN_DISCLOSURES = 60
MIN_PER_CATEGORY = 12
MIN_NEAR_MISSES = 90
MIN_LONG_OR_MIXED_DISCLOSURES = 8


@pytest.fixture(scope="module")
def coach_rows() -> list[dict]:
    return read_objects(COACH_PATH)


@pytest.fixture(scope="module")
def safety_rows() -> list[dict]:
    return read_objects(SAFETY_PATH)


# --- coach dev set -------------------------------------------------------------------------

def test_rubric_codes_match_the_public_contract():
    check_rubric_contract()


def test_coach_rows_have_the_documented_shape(coach_rows):
    for row in coach_rows:
        check_coach_item(row, noted=True, safety_labels=True)


def test_coach_ids_are_unique_and_name_their_kind(coach_rows):
    ids = [row["id"] for row in coach_rows]
    assert len(ids) == len(set(ids))
    for row in coach_rows:
        assert re.fullmatch(r"(ask|refuse|renegotiate)-\d{3}", row["id"]), row["id"]
        assert row["id"].split("-")[0] == row["kind"], row["id"]


def test_coach_codes_are_rubric_codes_without_repeats(coach_rows):
    for row in coach_rows:
        check_code_lists(row)


def test_a_code_is_never_both_expected_and_forbidden(coach_rows):
    assert not expected_and_forbidden(coach_rows)


def test_every_coach_item_says_something(coach_rows):
    assert not silent_items(coach_rows)


def test_coach_texts_are_not_duplicated(coach_rows):
    assert not repeated_texts(coach_rows)


def test_coach_set_is_large_enough_and_balanced_across_kinds(coach_rows):
    assert len(coach_rows) >= MIN_COACH_ITEMS
    counts = Counter(row["kind"] for row in coach_rows)
    for kind, share in KIND_SHARE.items():
        assert abs(counts[kind] / len(coach_rows) - share) <= KIND_SHARE_TOLERANCE, counts


def test_after_refusal_is_exercised_both_ways(coach_rows):
    ask_flags = Counter(row["after_refusal"] for row in coach_rows if row["kind"] == "ask")
    assert ask_flags[True] >= 30 and ask_flags[False] >= 100
    # persistence is judged both with and without a prior no.
    persistence = Counter(r["after_refusal"] for r in coach_rows if "persistence" in r["codes"])
    assert persistence[True] >= 10 and persistence[False] >= 4
    # and some plain re-asks are explicitly *not* persistence when no refusal came first.
    assert any(not r["after_refusal"] and "persistence" in r["forbidden"] for r in coach_rows)


@pytest.mark.parametrize("code", sorted(CODES))
def test_each_code_has_enough_positives_and_hard_negatives(coach_rows, code):
    found, negatives = positives(coach_rows, code), hard_negatives(coach_rows, code)
    assert found >= MIN_POSITIVES_PER_CODE, (code, found)
    assert negatives >= MIN_HARD_NEGATIVES_PER_CODE, (code, negatives)


@pytest.mark.parametrize("code", sorted(ALLOWED_KINDS))
def test_kind_bound_codes_follow_the_guide(coach_rows, code):
    wrong = outside_allowed_kinds(coach_rows, code)
    assert not wrong, (code, wrong)


def test_boundaries_in_refusals_are_marked_as_not_pressure(coach_rows):
    assert refusals_forbidding(coach_rows, "ultimatum") >= 4
    assert refusals_forbidding(coach_rows, "persistence") >= 6


def test_every_coercion_code_appears_in_at_least_two_kinds_of_wording(coach_rows):
    # Each pressure code must be seen in asks and in renegotiations (widening a limit by
    # pressure), so an analyzer cannot pass by only watching one rehearsal kind.
    for code in COERCION:
        kinds = set(kinds_of(coach_rows, code))
        assert {"ask", "renegotiate"} <= kinds, (code, kinds)


def test_safety_labels_in_the_coach_set_are_few(coach_rows):
    labelled = [row for row in coach_rows if row["safety"] is not None]
    assert 5 <= len(labelled) <= max(25, len(coach_rows) // 20)


# --- safety test set ----------------------------------------------------------------------

def test_safety_rows_have_the_documented_shape(safety_rows):
    for row in safety_rows:
        check_safety_keys(row, row.get("id"))
        check_safety_item(row, row["id"], trimmed=False)
        assert is_safety_label(row["expected"]), row["id"]


def test_safety_ids_and_texts_are_unique(safety_rows):
    ids = [row["id"] for row in safety_rows]
    assert len(ids) == len(set(ids))
    assert not repeated_texts(safety_rows)


def test_safety_counts_by_category(safety_rows):
    counts = Counter(row["expected"] for row in safety_rows)
    assert len(safety_rows) >= MIN_SAFETY_ITEMS
    assert sum(counts[c] for c in CATEGORIES) >= MIN_DISCLOSURES
    for category in CATEGORIES:
        assert counts[category] >= MIN_PER_CATEGORY, (category, counts[category])
    assert counts[None] >= MIN_NEAR_MISSES


FOREIGN_MARKERS = {"hola", "quiero", "pero", "necesito", "je", "mais", "bonjour", "ich", "nicht", "ans"}


def _long_or_mixed(text: str) -> bool:
    return long_or_other_language(text, FOREIGN_MARKERS)


def test_some_disclosures_hide_in_long_or_mixed_language_text(safety_rows):
    hidden = [row for row in safety_rows if row["expected"] and _long_or_mixed(row["text"])]
    assert len(hidden) >= MIN_LONG_OR_MIXED_DISCLOSURES
    assert len({row["expected"] for row in hidden}) == len(CATEGORIES)


def test_near_misses_cover_the_known_traps(safety_rows):
    near = [row["text"].casefold() for row in safety_rows if row["expected"] is None]
    ages_not_the_users = [t for t in near if re.search(r"\b1[0-7]\b|fifteen|sixteen|seventeen|year 10|year ten", t)]
    limits_talk = [t for t in near if re.search(r"safeword|hard limit|\bred\b|yellow|signal", t)]
    idioms = [t for t in near if re.search(r"\b(kill|killing|die|dying|dead|murder|suicide)\b", t)]
    rehearsal_lines = [t for t in near if re.search(r"\bi said no\b|\bno means no\b|\bstop\b", t)]
    assert len(ages_not_the_users) >= 10, ages_not_the_users
    assert len(limits_talk) >= 5, limits_talk
    assert len(idioms) >= 10, idioms
    assert len(rehearsal_lines) >= 5, rehearsal_lines


def test_disclosures_vary_in_form(safety_rows):
    disclosures = [row["text"] for row in safety_rows if row["expected"]]
    lower_case_only = [t for t in disclosures if t == t.lower()]
    assert len(lower_case_only) >= 15
    minors = [row["text"].casefold() for row in safety_rows if row["expected"] == "minor"]
    assert any(re.search(r"\b(thirteen|fourteen|fifteen|sixteen|seventeen)\b", t) for t in minors)
    assert any(re.search(r"\b(year|grade)\b", t) for t in minors)
    assert any(re.search(r"\b1[0-7]\b", t) for t in minors)
