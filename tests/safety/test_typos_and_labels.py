"""Round 6: one-letter typos in core words (vocab.yml `fuzzy_core`), answer words joined
as list labels (`list_labels`), and after-guards that start inside the cue."""
from __future__ import annotations

import pytest

from bot.safety import detect
from bot.safety.normalize import Normalizer
from bot.safety.patterns import PatternError
from bot.safety.rules import load_rules

_TABLE = {"forks": "fork", "forces": "force", "force": "force", "husband": "husband"}


def _normalizer(**kwargs) -> Normalizer:
    return Normalizer(_TABLE, {}, {}, set(), **kwargs)


@pytest.mark.parametrize("typed, word", [
    ("forcs", "forces"),      # a letter dropped
    ("forcees", "forces"),    # a letter doubled
    ("husbnd", "husband"),
    ("hsuband", "husband"),   # two letters swapped
    ("husbamd", "husband"),   # a wrong letter
])
def test_one_edit_from_a_core_word_is_read_as_it(typed, word):
    norm = _normalizer(fuzzy_words=("force", "forces", "husband"))
    assert norm.norm(typed, typed, "") == word


@pytest.mark.parametrize("typed", ["forks", "fork", "hub", "fxrcxs", "forc3s"])
def test_words_short_tokens_and_far_typos_are_left_alone(typed):
    norm = _normalizer(fuzzy_words=("force", "forces", "husband"))
    assert norm.norm(typed, typed, "") == typed


def test_an_ambiguous_typo_is_left_alone():
    norm = _normalizer(fuzzy_words=("pinned", "pinged"))
    assert norm.norm("pinxed", "pinxed", "") == "pinxed"


def test_fuzzy_core_words_must_be_long(tmp_path):
    from tests.safety.test_masked_spelling import _copy_data
    _copy_data(tmp_path, "fuzzy_core: [hit, forces]\n")
    with pytest.raises(PatternError, match="fuzzy_core"):
        load_rules(directory=tmp_path)


@pytest.mark.parametrize("text", [
    "my husbnd forcs me to do things i don't want",
    "my girlfreind choked me when i said no",
])
def test_typed_disclosures_are_caught(text):
    hit = detect(text)
    assert hit is not None and hit.category == "abuse", (text, hit)


@pytest.mark.parametrize("text", [
    "we filled in a yes/no/maybe sheet and a spanking is on maybe",
    "she spanks me and we made a yes-no-maybe chart together",
])
def test_list_labels_are_not_a_no(text):
    assert detect(text) is None


@pytest.mark.parametrize("text", [
    "he spanked me after i said no, even though it was on the no side of our yes/no list",
    "i said no/stop and he kept going",
])
def test_a_no_next_to_a_list_is_still_a_no(text):
    hit = detect(text)
    assert hit is not None and hit.category == "abuse", (text, hit)


def test_labels_are_marked_in_the_doc():
    from bot.safety.detector import _screen
    screen = _screen()
    norms = screen._tokens("our yes/no/maybe list").norms
    assert "no" not in norms and "label:no" in norms


def test_guard_starting_inside_the_cue_vetoes_it():
    assert detect("he's going to kill me when he sees the new paddle i bought haha") is None
    hit = detect("he's going to kill me when he gets home, he has a knife")
    assert hit is not None and hit.category == "danger"


def test_unquoted_list_labels_are_a_clear_error(tmp_path):
    from tests.safety.test_masked_spelling import _copy_data
    _copy_data(tmp_path, "list_labels:\n  words: [yes, no]\n  joiners: [\"/\"]\n")
    with pytest.raises(PatternError, match="list_labels"):
        load_rules(directory=tmp_path)
