"""Free-text menu choices -> ids, and the menus themselves (bot/catalog.py)."""
from __future__ import annotations



import pytest

from bot import catalog
from bot.catalog import Activity, match_activity, normalise_difficulty, normalise_kind, normalise_persona
from bot.partner import Rehearsal, Scenario


@pytest.mark.parametrize("text, expected", [
    ("ask", "ask"), ("Ask", "ask"), ("asking", "ask"), ("I want to ask for something", "ask"),
    ("I'd like to bring something up", "ask"), ("askign", "ask"), ("1", "ask"),
    ("refuse", "refuse"), ("saying no", "refuse"), ("practice refusing", "refuse"), ("Say no!", "refuse"),
    ("I need to practise turning something down", "refuse"), ("refusng", "refuse"),
    ("I want to practise saying no when my partner asks", "refuse"), ("2", "refuse"),
    ("renegotiate", "renegotiate"), ("change a limit", "renegotiate"), ("renegociate", "renegotiate"),
    ("I changed my mind about something we agreed", "renegotiate"), ("3", "renegotiate"),
    ("I want to change a boundary we set", "renegotiate"),
])
def test_normalise_kind(text, expected):
    assert normalise_kind(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "hmm", "pizza", "4", "0", "x" * 10_000, None, 42, ["ask"],
                                  "\x00\x01\x02", "¿qué?", "ask " * 200])
def test_normalise_kind_gives_none_for_junk(text):
    assert normalise_kind(text) is None


@pytest.mark.parametrize("text, expected", [
    ("gentle", "gentle"), ("easy", "gentle"), ("make it easy please", "gentle"), ("Gentle 🙂", "gentle"),
    ("realistic", "realistic"), ("normal", "realistic"), ("medium", "realistic"), ("like real life", "realistic"),
    ("challenging", "challenging"), ("hard", "challenging"), ("make it tough", "challenging"),
    ("chalenging", "challenging"), ("difficult", "challenging"), ("3", "challenging"),
])
def test_normalise_difficulty(text, expected):
    assert normalise_difficulty(text) == expected


@pytest.mark.parametrize("text", ["", "🔥", "banana", "5", "easy or hard", None])
def test_normalise_difficulty_none(text):
    assert normalise_difficulty(text) is None


@pytest.mark.parametrize("text, expected", [
    ("curious", "curious"), ("Sam", "curious"), ("someone curious", "curious"), ("curiuos", "curious"),
    ("anxious", "anxious"), ("nervous", "anxious"), ("the shy one", "anxious"), ("Alex", "anxious"),
    ("playful", "playful"), ("fun", "playful"), ("Jordan 😄", "playful"),
    ("guarded", "guarded"), ("reserved", "guarded"), ("riley", "guarded"), ("4", "guarded"),
])
def test_normalise_persona(text, expected):
    assert normalise_persona(text) == expected


@pytest.mark.parametrize("text", ["", "a dragon", "😐", "curious or nervous", 3.5])
def test_normalise_persona_none(text):
    assert normalise_persona(text) is None


@pytest.mark.parametrize("text, expected_id", [
    ("blindfold", "blindfold"), ("Blindfolds", "blindfold"), ("being blindfolded", "blindfold"),
    ("blindflod", "blindfold"), ("I'd like to try being tied up", "restraint"),
    ("my partner tying me up", "restraint"), ("spankng", "spanking"), ("sex toys", "toys"),
    ("dirty talking", "dirty_talk"), ("pegging", "pegging"), ("a strap-on", "pegging"),
    ("opening up our relationship", "non_monogamy"), ("Massage With Oil 💆‍♀️", "massage"),
])
def test_match_activity_known(text, expected_id):
    activity = match_activity(text)
    assert isinstance(activity, Activity)
    assert activity.id == expected_id and activity.known
    assert activity.label


def test_match_activity_carries_the_referral_flag():
    assert match_activity("choking").referral == "medical_risk"
    assert match_activity("blindfold").referral is None


@pytest.mark.parametrize("text, label", [
    ("cooking dinner naked", "cooking dinner naked"),
    ("masks", "masks"),
    ("I want to try Tantra Breathing", "tantra breathing"),
    ("I want to try Tantra breathing", "tantra breathing"),
    ("Tantra Breathing", "tantra breathing"),
    ("maybe   a weekend away?!", "a weekend away"),
    ("reading poetry\x00 together", "reading poetry together"),
])
def test_match_activity_unknown_uses_the_users_words(text, label):
    activity = match_activity(text)
    assert activity == Activity(id="custom", label=label, known=False, referral=None)


def test_custom_labels_are_capped_at_a_word_boundary():
    activity = match_activity("a really long description of something unusual " * 5)
    assert not activity.known and len(activity.label) <= 60 and not activity.label.endswith(" ")
    assert activity.label.startswith("a really long description")


@pytest.mark.parametrize("text", ["", "    ", "\n\t", "🔥🔥🔥", "👍🏽", "!!!", "x" * 301, "x" * 10_000, None, 5, b"rope"])
def test_match_activity_rejects_empty_emoji_and_huge(text):
    assert match_activity(text) is None


def test_match_activity_output_works_as_a_scenario_label():
    activity = match_activity("{weird} braces and <b>tags</b>")
    r = Rehearsal.start(Scenario("refuse", activity.id, activity.label, "curious", "gentle"), seed=1)
    assert activity.label in r.opening().lines[0]


def test_menus_come_from_data_with_titles_and_descriptions():
    kinds = catalog.kinds()
    assert [k.id for k in kinds] == ["ask", "refuse", "renegotiate"]
    assert all(k.title and k.description for k in kinds)
    personas = catalog.personas()
    assert len(personas) >= 4 and {"curious", "anxious", "playful", "guarded"} <= {p.id for p in personas}
    assert [d.id for d in catalog.difficulties()] == ["gentle", "realistic", "challenging"]


def test_every_menu_title_normalises_back_to_its_id():
    for choice in catalog.kinds():
        assert normalise_kind(choice.id) == choice.id
    for choice in catalog.personas():
        assert normalise_persona(choice.title) == choice.id
    for choice in catalog.difficulties():
        assert normalise_difficulty(choice.title) == choice.id
