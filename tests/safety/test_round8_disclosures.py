"""Round 8: real disclosures that slipped through, by family, with the near misses beside them.

- A "no" said as *not saying yes* and someone going on, across two short sentences, lower
  case, no punctuation ("I never said yes. he just kept going"). Cause: a `~` list in the
  pattern language cannot hold phrases (`~agree|say+yes` never matched "say yes"); the
  data now writes `say+yes|~agree` (test below keeps it that way), and the `negation`
  guard reads "never said" only as a denial ("I never said he hit me"), not before "yes".
- Farewells and passive ideation said as settled facts: gone by a date, peace made,
  belongings given away, "this is goodbye", two quieter signs together
  (`wide_self_harm.yml` round 8).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.safety import detect

DATA = Path(__file__).resolve().parents[2] / "data" / "safety"

NOT_SAYING_YES_THEN_GOING_ON = [
    "I never said yes. he just kept going",
    "i never said yes and he kept going anyway",
    "I never said yes, she just carried on",
    "i never said ok. he just did it",
    "i didnt agree. he did it anyway",
    "i didn't agree to any of it, he did it anyway",
    "I said stop and she didn't",
    "i said stop and she didnt",
    "i said stop he didnt",
    "I told him to stop. he didn't",
    "i kept saying no he kept going",
    "i never agreed, he went ahead anyway",
    "I never consented. he did it regardless",
    "I didn't say yes. she kept going",
    "i never gave consent. he just carried on",
    "I never said yes. My boyfriend just kept going.",
    "i said stop. my ex didnt",
    "i never said yes, he forced me",
    "I never said yes but he had sex with me",
]

FAREWELLS = [
    "I won't be here by next week, I've made my peace",
    "i wont be around by friday",
    "I won't still be alive by Christmas",
    "honestly i won't be here by the weekend",
    "won't be around by next month. it's fine",
    "I've made my peace",
    "ive made my peace. tell my sister i love her",
    "I've made my peace with dying",
    "made peace with it all, I'm ready",
    "i've made my peace with not being here",
    "I'm giving my things away",
    "been giving away all my stuff to friends this week",
    "giving away my books and plants, I won't need them",
    "this is goodbye",
    "so this is goodbye everyone",
    "goodbye everyone. I love you all",
    "this is goodbye for good",
    "i've said my goodbyes",
    "I've said my goodbyes to everyone",
    "I won't be here next week. I've made my peace with it",
    "i wrote letters to my mum and dad, they'll understand when i'm gone",
    "said my goodbyes to my brother, and I've sorted out my will",
    "I've been giving my stuff away, it won't matter soon anyway",
    "everyone would be better off without me",
    "i've written letters to everyone",
    "I won't be around much longer",
]

NEAR_MISSES = [
    # absence with a reason, or a boundary to the partner
    "I won't be here next weekend, I'm away for work",
    "I won't be around by Friday, flying to my sister's wedding",
    "I won't be here by the time you get back from the shop",
    "if you keep pushing me on this, I won't be here by next week",
    "I won't be on here by tomorrow, my phone's dying",
    "I'll be here by next week, ready to talk again",
    # peace with a person's answer, oneself, the past
    "I've made my peace with her saying no to the threesome",
    "I've made my peace with it, we're just not into the same things",
    "honestly i've made my peace with my kinks, took me years",
    "I made my peace with my ex a long time ago",
    "made my peace with the fact that he doesn't like rope",
    # ordinary giving away
    "i'm giving my old toys away, we don't use them anymore",
    "giving my old clothes away to charity this weekend",
    "I gave my books away when I moved flats",
    "we're decluttering and giving away all my stuff from uni",
    # goodbyes to a scene, the chat, a person who left
    "this is goodbye to the boss and secretary scenes for me",
    "ok this is goodbye for today, thanks for the practice",
    "if you do that again, this is goodbye",
    "goodbye everyone, see you tomorrow",
    "goodbye to the old rules, hello to new ones",
    "so this is goodbye to vanilla sex lol",
    "I said my goodbyes at grandma's funeral",
    "I said goodbye to my ex and it felt good",
    "let's say our goodbyes and end the scene properly",
    # letters about kinks, other people's letters
    "I wrote a letter to my partner about my kinks",
    "I've written notes for everyone for our play party",
    "she wrote letters to everyone before she moved abroad",
    # a denial, a limit, a respected no
    "I never said he forced me, he didn't",
    "i never said yes to anal, so we didn't",
    "I never said yes to pegging and he never brought it up again",
]


@pytest.mark.parametrize("text", NOT_SAYING_YES_THEN_GOING_ON)
def test_no_then_going_on_is_abuse(text):
    hit = detect(text)
    assert hit is not None and hit.category == "abuse", (text, hit)


@pytest.mark.parametrize("text", FAREWELLS)
def test_farewell_is_self_harm(text):
    hit = detect(text)
    assert hit is not None and hit.category == "self_harm", (text, hit)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_miss_does_not_stop_the_practice(text):
    assert detect(text) is None, (text, detect(text))


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)


def test_no_phrase_inside_a_lemma_list():
    """`~a|b+c` reads `b+c` as one lemma that never occurs: write `b+c|~a` instead."""
    bad = []
    for path in sorted(DATA.glob("*.yml")) + sorted((DATA / "rules").glob("*.yml")):
        for line in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            bad += [(path.name, el) for el in line.split() if el.startswith("~") and "+" in el]
    assert not bad, bad
