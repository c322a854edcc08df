"""Warm rehearsal lines must never stop the practice; the disclosures next to them must.

A false alarm on an ordinary line interrupts an anxious user with crisis resources, so the
general causes are fixed in the data, not per sentence:
- a modal disposition is not a report: "I'd never want you to ...", "I would never ask"
  (vocab.yml `no_consent`: "I never agreed" and "I'd never have agreed" still count);
- "makes me happy / feel safe / nervous", "made me dinner" are not acts (`act_any`);
- "not be" needs the end right after it: "I'd rather not be filmed", "I won't be hurt/mad"
  are not wishes to die (`sh_end`);
- an absence bounded by a span ("not around much this week": guard `bounded_absence`);
- feeling unsafe *with an activity* is a limit, with a person it is danger (`unsafe_now`).
"""
from __future__ import annotations

import pytest

from bot.safety import detect

NEAR_MISSES = [
    "I'd never want you to say yes just to make me happy",
    "I'd never want you to feel pressured",
    "I would never want you to do something you're not into",
    "I don't want you to do it just for me",
    "I don't want you to agree just to make me happy",
    'you can always say no to me',
    "You can always say no, and I'll still love you",
    'I never want you to feel like you owe me anything',
    "I'd never ask you to do something that scares you",
    "I'd never want to push you into anything",
    'I never want to force you into anything, so tell me honestly',
    "I'd hate for you to say yes just to keep me happy",
    "Please don't say yes just to make me feel better",
    'If it hurts at all, tell me and we stop right away',
    'Can we agree on a safeword? Red means stop, yellow means slow down',
    "If you say red I'll stop straight away, no questions",
    "I'd like to try some light rope, but only if you want to",
    'Would you want to try a bit of hair pulling? You can say no',
    "I'm scared to bring this up, but I'd love to try being tied up",
    "I'm a bit scared you'll think it's weird, but I want to try age play with you",
    "We're both adults and I'd love to explore some age play, where I act a little younger",
    "I like the idea of you calling me your good girl, if that's okay",
    "Could we talk about breath play? I don't want anything near my neck without us planning it first",
    "I'm not comfortable with choking, it's a hard limit for me",
    "Hands on my throat is a no for me, but I'd love you to pin my wrists",
    'I want to try being held down, gently, with a safeword we both know',
    "I don't want to force anything, I just want to know how you feel",
    "Saying no to me won't hurt my feelings, I promise",
    "I won't be upset if you say no, really",
    "You won't hurt me by saying no",
    "I'd never make you do anything you didn't want",
    "I want to stop the spanking for now, it's been making me anxious",
    'I want to pause the rope scenes for a while, can we talk about it?',
    "I'd like to end the open arrangement, it isn't working for me anymore",
    "I'd like to stop the roleplay where you act like my teacher, it feels off to me now",
    "No thank you, I don't want to try that, but I love that you asked",
    'It makes me nervous to ask, but would you try pegging with me?',
    'It makes me so happy when you tell me what you like',
    'You make me feel safe enough to ask this',
    "I get scared I'll hurt you if we try impact play, can we go really slowly?",
    "I don't want to hurt you, so let's start with the lightest paddle",
    "I'm young at heart, I just want us to play more",
    'When I was younger I never felt able to say what I wanted, so this is hard for me',
    'I felt forced to say yes to things in the past with other people, so I want us to go slow',
    'Tell me to stop any time and I will',
    "If I ever go too far, say red and I'll stop instantly",
    "I'd hate to ever make you feel like you had to",
    "Don't do it just because I asked, only if you actually want to",
    "You don't have to say yes tonight, or ever",
    "I'll never pressure you about this, I promise",
    "I'd never want you to feel forced, that's the opposite of what I want",
    "I won't be hurt if it's a no",
    "I don't want you agreeing just to please me",
    "I'm not asking you to do it for me, I'm asking if it's something we'd both like",
    'If you ever want to stop, even halfway, we stop',
    "I'd love to try a collar, just at home, just for us",
    'Can I tie your hands with the silk scarf? Only if you want',
    "I'd like us to use the traffic light system: green, yellow, red",
    'I trust you to stop if I tap twice',
    'I said no to choking last time and you stopped, and that meant a lot to me',
    'Thank you for stopping when I said red last week, I felt really safe',
    'I love that you always check in before you pull my hair',
    "Please don't feel like you have to agree to this just because I brought it up",
    "I'm scared of being rejected but I'd really like to try some bondage",
    'I would never want you to go along with it just for my sake',
    "I'd never want to be the reason you feel pushed into something",
    "I don't feel safe with choking, it's a no for me",
    "it would hurt, so i'd say no to spanking, but maybe something softer?",
    "You can totally say no, I won't be hurt",
    "i hate being filmed but go ahead if you want, i won't be mad",
]

DISCLOSURES = [
    'he forced me even though i said no',
    'I never wanted it but he made me do it anyway',
    'I never agreed to that and he did it anyway',
    "I'd never have agreed to it, he did it while I was asleep",
    'my boyfriend made me have sex when i said no',
    'he just made me. i cried the whole time',
    'i told him to stop and he kept going',
    "my partner won't stop when i say red",
    'he chokes me when i say no',
    'my ex hurt me when i tried to leave',
    'she hits me',
    'i never wanted to, but my husband makes me every night',
    'i said no and he made me anyway',
    "i didn't want it but he did it anyway",
    "he makes me do things i don't want to",
    'my husband forced himself on me last night',
    'I want to die',
    "i don't want to be alive anymore",
    "i'm 15",
    "he's at the door and he's drunk, i'm scared",
    "I would've never agreed, he did it anyway",
    'i said no but he made me.',
    'my ex made me do it when i said no',
    "i'm not going to be around much longer",
    "I don't feel safe with him in the house tonight",
    "I don't feel safe with my ex around",
    'I just want to not be.',
]


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_warm_rehearsal_line_is_not_an_alarm(text):
    hit = detect(text)
    assert hit is None, f"{hit.category} via {hit.rule}: {hit.cue!r}"


@pytest.mark.parametrize("text", DISCLOSURES)
def test_disclosure_still_stops_the_practice(text):
    assert detect(text) is not None


def test_the_known_false_alarm_is_closed_by_the_cause_not_the_sentence():
    # the reported line, and the same meaning worded differently
    for text in ["I'd never want you to say yes just to make me happy",
                 "i would never want u to say yes just 2 make me happy",
                 "I'd never want you to go along with it just to make me feel good"]:
        assert detect(text) is None, text
