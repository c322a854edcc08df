"""The trained NLU model: commands only when they are the whole message, everything else free.

These go through the real trained pipeline (tokenizer, featurizers, logistic regression, the
command classifier and the safety screen), as the server runs it.
"""
from __future__ import annotations

import asyncio

import pytest

from bot.training import model_path

COMMANDS = {"stop_roleplay", "slow_down", "rewind", "help", "end_rehearsal", "toggle_tips", "delete_my_data",
            "download_history", "new_rehearsal", "resume_practice", "confirm_adult", "deny_adult"}


@pytest.fixture(scope="module")
def parse():
    if not model_path().exists():
        pytest.fail("No trained model: `make test` trains it first (or run `rehearse train`).")
    from rasa.core.agent import Agent

    loop = asyncio.new_event_loop()
    agent = Agent.load(str(model_path()))

    def _parse(text: str) -> dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()


@pytest.mark.parametrize("text, intent", [
    ("red", "stop_roleplay"), ("Stop!", "stop_roleplay"), ("yellow", "slow_down"), ("let me try that again", "rewind"),
    ("help", "help"), ("end", "end_rehearsal"), ("tips off", "toggle_tips"), ("delete my data", "delete_my_data"),
    ("download my history", "download_history"), ("resume", "resume_practice"), ("I'm 18 or older", "confirm_adult"),
])
def test_whole_message_commands(parse, text, intent):
    assert parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize("text", [
    # menu answers typed as free text: must reach the form, never trigger a command
    "restraint", "blindfolds", "rewinding the clock on sleepovers", "spanking", "helping hands", "toys", "pegging",
    "curious", "the anxious one", "challenging", "gentle", "realistic", "asking", "saying no", "renegotiating",
    # practice lines that contain command words
    "No. Stop. I said no.", "please stop asking me about it", "can you help me understand why you want this",
    "I'm done with that arrangement", "let's end the weekday sleepovers", "I'd like to resume our old agreement",
    "yes, but slowly", "no thanks", "I'm under a lot of stress about this",
])
def test_free_text_is_never_mistaken_for_a_command(parse, text):
    result = parse(text)
    assert result["intent"]["name"] not in COMMANDS | {"safety_disclosure"}, result["intent"]


@pytest.mark.parametrize("text, category", [
    ("last time I said no he did it anyway", "abuse"),
    ("im 16", "minor"),
    ("I don't want to be alive anymore", "self_harm"),
])
def test_disclosures_override_everything(parse, text, category):
    result = parse(text)
    assert result["intent"]["name"] == "safety_disclosure"
    assert [e["value"] for e in result["entities"] if e["entity"] == "safety_category"] == [category]


def test_a_payload_keeps_its_intent_and_entities(parse):
    result = parse('/start_rehearsal{"kind": "refuse", "activity": "blindfold", "persona": "curious", "difficulty": "gentle"}')
    assert result["intent"]["name"] == "start_rehearsal"
    assert {e["entity"]: e["value"] for e in result["entities"]}["kind"] == "refuse"
