"""The Rasa graph components, tested without a server (Rasa's LocalModelStorage pattern)."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.command_classifier import CommandClassifier, normalise_command
from components.rehearsal_policy import RehearsalPolicy
from components.safety_screen import SafetyScreen
from bot.paths import PROJECT_ROOT

COMMANDS = ["stop_roleplay", "slow_down", "rewind", "help", "end_rehearsal"]


@pytest.fixture()
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture()
def context():
    return ExecutionContext(GraphSchema({}), "test")


def _message(text: str, intent: str | None = None, ranking: list[tuple[str, float]] | None = None) -> Message:
    message = Message(data={"text": text})
    if intent:
        message.set("intent", {"name": intent, "confidence": 0.8})
    if ranking:
        message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


@pytest.fixture()
def command_classifier(storage, context):
    config = {**CommandClassifier.get_default_config(), "command_intents": COMMANDS}
    classifier = CommandClassifier.create(config, storage, Resource("commands"), context)
    examples = [Message(data={"text": t, "intent": i}) for t, i in
                [("red", "stop_roleplay"), ("stop", "stop_roleplay"), ("yellow", "slow_down"),
                 ("let me try that again", "rewind"), ("help", "help"), ("end", "end_rehearsal"),
                 ("hello", "greet")]]
    classifier.train(TrainingData(training_examples=examples))
    return classifier


@pytest.mark.parametrize("text, intent", [("red", "stop_roleplay"), ("RED!", "stop_roleplay"), ("  Stop. ", "stop_roleplay"),
                                          ("yellow 🙏", "slow_down"), ("Let me try that again!", "rewind"),
                                          ("help?", "help")])
def test_whole_message_commands_are_certain(command_classifier, text, intent):
    message = _message(text, "say", [("say", 0.9)])
    command_classifier.process([message])
    assert message.get("intent") == {"name": intent, "confidence": 1.0}


@pytest.mark.parametrize("text", ["No. Stop. I said no.", "please stop asking me", "I'm seeing red right now",
                                  "can you help me understand why you want this"])
def test_a_command_word_inside_a_sentence_is_a_line(command_classifier, text):
    message = _message(text, "stop_roleplay", [("stop_roleplay", 0.6), ("say", 0.3), ("greet", 0.1)])
    command_classifier.process([message])
    assert message.get("intent")["name"] == "say"
    assert all(entry["name"] not in COMMANDS for entry in message.get("intent_ranking"))


def test_non_command_predictions_are_left_alone(command_classifier):
    message = _message("hello there", "greet", [("greet", 0.9), ("say", 0.1)])
    command_classifier.process([message])
    assert message.get("intent")["name"] == "greet"


def test_phrases_survive_persist_and_load(command_classifier, storage, context):
    config = {**CommandClassifier.get_default_config(), "command_intents": COMMANDS}
    loaded = CommandClassifier.load(config, storage, Resource("commands"), context)
    assert loaded.phrases == command_classifier.phrases and loaded.phrases["red"] == "stop_roleplay"


def test_a_phrase_in_two_command_intents_is_a_training_error(storage, context):
    config = {**CommandClassifier.get_default_config(), "command_intents": COMMANDS}
    classifier = CommandClassifier.create(config, storage, Resource("dup"), context)
    examples = [Message(data={"text": "stop", "intent": "stop_roleplay"}), Message(data={"text": "Stop!", "intent": "slow_down"})]
    with pytest.raises(ValueError, match="stop"):
        classifier.train(TrainingData(training_examples=examples))


def test_normalise_command():
    assert normalise_command("  Let me try THAT again!! ") == "let me try that again"
    assert normalise_command("I’m done") == "i'm done"
    assert normalise_command("") == ""


@pytest.fixture()
def screen(storage, context):
    return SafetyScreen.create(SafetyScreen.get_default_config(), storage, Resource("screen"), context)


def test_the_safety_screen_overrides_any_intent_with_a_disclosure(screen):
    message = _message("last time I said no he did it anyway", "say", [("say", 0.9)])
    screen.process([message])
    assert message.get("intent") == {"name": "safety_disclosure", "confidence": 1.0}
    categories = [e["value"] for e in message.get("entities") if e["entity"] == "safety_category"]
    assert categories == ["abuse"]


@pytest.mark.parametrize("text", ["No. Stop. I said no.", "this conversation is killing me",
                                  "we agreed on a safeword in case it hurts"])
def test_the_safety_screen_leaves_practice_lines_and_idioms_alone(screen, text):
    message = _message(text, "say", [("say", 0.9)])
    screen.process([message])
    assert message.get("intent")["name"] == "say"


@pytest.mark.parametrize("text", ["", "   ", None, "x" * 50_000])
def test_the_safety_screen_never_crashes(screen, text):
    message = Message(data={"text": text} if text is not None else {})
    screen.process([message])


# --- the rehearsal policy -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def domain():
    return Domain.load(PROJECT_ROOT / "domain.yml")


@pytest.fixture()
def policy(storage, context):
    config = {**RehearsalPolicy.get_default_config(), "non_rehearsal_intents": ["stop_roleplay", "safety_disclosure"],
              "listen_after": ["action_rewind"]}
    return RehearsalPolicy.create(config, storage, Resource("policy"), context)


def _tracker(domain, events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("t", events, domain.slots)


def _predicted(policy, tracker, domain) -> str | None:
    prediction = policy.predict_action_probabilities(tracker, domain)
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


def _user(intent: str) -> list:
    return [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("...", {"name": intent, "confidence": 1.0})]


@pytest.mark.parametrize("intent", ["say", "greet", "affirm", "deny", "choose"])
def test_in_a_rehearsal_every_line_goes_to_the_partner(policy, domain, intent):
    tracker = _tracker(domain, [SlotSet("in_rehearsal", True), *_user(intent)])
    assert _predicted(policy, tracker, domain) == "action_rehearsal_turn"


def test_after_a_turn_that_ended_the_scene_the_assistant_still_listens(policy, domain):
    tracker = _tracker(domain, [SlotSet("in_rehearsal", True), *_user("say"), ActionExecuted("action_rehearsal_turn"),
                                SlotSet("in_rehearsal", False)])
    assert _predicted(policy, tracker, domain) == ACTION_LISTEN_NAME


def test_after_the_turn_the_assistant_listens(policy, domain):
    tracker = _tracker(domain, [SlotSet("in_rehearsal", True), *_user("say"), ActionExecuted("action_rehearsal_turn")])
    assert _predicted(policy, tracker, domain) == ACTION_LISTEN_NAME
    tracker = _tracker(domain, [SlotSet("in_rehearsal", True), *_user("rewind"), ActionExecuted("action_rewind")])
    assert _predicted(policy, tracker, domain) == ACTION_LISTEN_NAME


@pytest.mark.parametrize("events", [
    [SlotSet("in_rehearsal", True), *_user("stop_roleplay")],          # a command: the rules decide
    [SlotSet("in_rehearsal", True), *_user("safety_disclosure")],      # a disclosure: the rules decide
    [SlotSet("in_rehearsal", False), *_user("say")],                   # no rehearsal running
    [SlotSet("in_rehearsal", True), ActiveLoop("rehearsal_form"), *_user("say")],  # the form owns the turn
])
def test_otherwise_the_policy_abstains(policy, domain, events):
    assert _predicted(policy, _tracker(domain, events), domain) is None


def test_training_checks_the_turn_action_exists(policy, domain, storage, context):
    policy.train([], domain)
    bad = RehearsalPolicy.create({**RehearsalPolicy.get_default_config(), "turn_action": "action_nope"},
                                 storage, Resource("bad"), context)
    with pytest.raises(ValueError, match="action_nope"):
        bad.train([], domain)
