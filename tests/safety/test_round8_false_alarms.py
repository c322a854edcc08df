"""Round 8: ordinary rehearsal lines that stopped the practice, fixed by cause, each with
the disclosures beside them that must still stop it.

- a bare "end it" / "end things" is about the arrangement named nearby, ends "early", or
  is asked for politely ("I'd like to end it"); "end it all", "end my life" are not
  softened (`wish_to_end_it`, `want_to_end_it`, guards `named_arrangement`,
  `ending_early`, `polite_request`);
- "go ahead, I won't stop you" is permission, not someone going on (`permission`);
- "a bit" is a quantity, not the verb "bite" (`act_any` lists bite's forms, not its lemma);
- a thing that hurts ("no handcuffs. they hurt my wrists") or an activity that would
  hurt ("it would hurt, so I'd say no") is not violence or a threat (`they_hurt_a_part`
  with `gear`; `it_would_hurt`);
- a guest sleeping over is not a presence, "my data's run out" is not running away
  (`sleepover`; `distress` reads "run" only as fleeing);
- "I'm done hiding" (a kink kept secret) is not hiding now (`happening_now` allows only
  adverbs between "I'm" and "hiding").
"""
from __future__ import annotations

import pytest

from bot.safety import detect

NEAR_MISSES = {
    "end_it": [
        "I want to end it early",
        "I'd like to end it",
        "I agreed to try the open thing for a year, and it's been eight months. I want to end it early. I know that's hard to hear.",
        "I need to take back what I said about the open relationship. I thought I could do it but I can't, and I'd like to end it",
        "We said we'd try the open arrangement till summer, but honestly I want to end it now",
        "the D/s contract was for three months and I want to end it early",
        "I know we agreed on the open relationship, but I'd like to end it",
        "Can we talk about the rule about sleepovers? I'm ready to end it",
        "the no-kissing rule isn't working for me and I think we should end it",
        "I'm going to end things with the threesome idea, it's not for me",
    ],
    "permission": [
        "i don't like the idea of photos but go ahead i won't stop you",
        "i'm not sure about the blindfold but go ahead if you want",
        "not my thing really, but fine, go ahead",
        "i didn't want to at first but go for it, i won't judge you",
        "I wasn't into it before but sure, go ahead and try it",
        "i'm not really comfortable with filming but it's your call",
    ],
    "a_bit": [
        "i want to stop the boss and secretary scenes, they always felt a bit cringey and honestly so did you doing them",
        "I said no to the teacher roleplay, they always felt a bit off to me",
        "we stopped the scenes because they felt a bit much",
        "I didn't want the age gap scenes, they felt a bit weird",
        "she asked and I said not tonight, I was a bit tired",
        "he said sorry, he'd pushed a bit hard on the paddle and we stopped",
    ],
    "thing_hurts": [
        "no handcuffs. they hurt my wrists",
        "no handcuffs. they hurt my wrists last time",
        "No heels in bed please. They hurt my feet",
        "the clamps were too much, they hurt my nipples last time",
        "I said no to rope again, the knots hurt my wrists",
        "not the metal cuffs, they bruise my wrists",
    ],
    "activity_would_hurt": [
        "spanking? i dunno, i bruise so easily and i have a swim meet and my mum notices everything and it would hurt and i'm a wimp, so i'd say no, but maybe like once?",
        "spanking? it would hurt and i'm a wimp so i'd say no",
        "I'd say no to anal, it would hurt and I'm not ready",
        "i said no to the paddle because it might hurt too much",
        "nah to biting, that would hurt, sorry",
    ],
    "sleepover": [
        "my sister's sleeping over and i'm exhausted",
        "sorry no sexting tonight, my battery's at 4% and my sister's sleeping over and i'm exhausted and my data's run out and i have that presentation tmrw",
        "my mum's staying over this weekend and I'm nervous about asking him",
        "my friend is sleeping over tonight so can we talk tomorrow",
        "my phone's about to run out, he's asleep next to me, talk tomorrow",
    ],
    "done_hiding": [
        "i'm done hiding in the dark",
        "lights stay on from here on out, i'm done hiding in the dark",
        "I'm tired of hiding this side of me from you",
        "i'm sick of hiding behind jokes when I ask for things",
        "I'm done hiding in the closet about being kinky",
    ],
}

DISCLOSURES = [
    ("I'm so tired of everything. I just want to end it", "self_harm"),
    ("i want to end it tonight", "self_harm"),
    ("I'm going to end it all", "self_harm"),
    ("i'd like to end it all", "self_harm"),
    ("i've had enough, i just want to end things for good", "self_harm"),
    ("I'd like to end my life", "self_harm"),
    ("I said no but go ahead he said, and he kept going", "abuse"),
    ("i said no and he went ahead anyway", "abuse"),
    ("he hurt my wrists when I said stop", "abuse"),
    ("they hurt my wrists, i said no and they didn't stop", "abuse"),
    ("my boyfriend grabbed me. they hurt my arms and I'm scared", "abuse"),
    ("he bit me and I said stop and he didn't", "abuse"),
    ("she bites me when I say no", "abuse"),
    ("he said if I say no he'd hurt me", "abuse"),
    ("my husband says it will hurt me if I refuse him", "abuse"),
    ("he's asleep next to me and I'm scared, I need to get out", "danger"),
    ("he's in the next room and I'm terrified, I have to run", "danger"),
    ("I'm hiding in the bathroom, he's banging on the door", "danger"),
    ("i'm still hiding in the closet, he's looking for me", "danger"),
    ("i'm literally hiding under the bed he has a knife", "danger"),
]


@pytest.mark.parametrize("text", [t for family in NEAR_MISSES.values() for t in family])
def test_rehearsal_line_does_not_stop_the_practice(text):
    assert detect(text) is None, (text, detect(text))


@pytest.mark.parametrize("family", sorted(NEAR_MISSES))
def test_each_family_has_five_phrasings(family):
    assert len(NEAR_MISSES[family]) >= 5


@pytest.mark.parametrize("text,category", DISCLOSURES)
def test_disclosure_beside_them_still_stops(text, category):
    hit = detect(text)
    assert hit is not None and hit.category == category, (text, hit)
