"""Whole-message commands (red, yellow, rewind, help, end...) with certainty.

A statistical classifier would happily label "No. Stop. I said no." as the stop command,
which would end a refusal the user is practising. This component learns the command phrases
from the NLU examples of the configured intents and accepts a command only when the whole
message, normalised, is one of them. When the classifier before it guessed a command for any
other text, the guess is replaced by the best non-command intent.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import rasa.shared.utils.io

logger = logging.getLogger(__name__)

_NOT_WORD = re.compile(r"[^\w' ]+")
_SPACES = re.compile(r"\s+")


def normalise_command(text: Text) -> Text:
    """Lower-case, drop punctuation and emoji, collapse spaces: "Red!!" -> "red"."""
    text = (text or "").lower().replace("’", "'")
    text = _NOT_WORD.sub(" ", text)
    return _SPACES.sub(" ", text).strip(" '")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class CommandClassifier(GraphComponent, IntentClassifier):
    """Exact, whole-message command intents learned from the NLU examples."""

    FILE_NAME = "command_phrases.json"

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"command_intents": [], "fallback_intent": "say"}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        phrases: Optional[Dict[Text, Text]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self.command_intents = set(config.get("command_intents") or [])
        self.fallback_intent = config.get("fallback_intent") or "say"
        self.phrases: Dict[Text, Text] = phrases or {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "CommandClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        phrases: Dict[Text, Text] = {}
        for example in training_data.intent_examples:
            intent = example.get(INTENT)
            if intent not in self.command_intents:
                continue
            phrase = normalise_command(example.get(TEXT))
            if phrase in phrases and phrases[phrase] != intent:
                raise ValueError(
                    f"The command phrase {phrase!r} is an example of both "
                    f"{phrases[phrase]!r} and {intent!r}; keep it in one intent."
                )
            phrases[phrase] = intent
        self.phrases = phrases
        self.persist()
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._classify(message)
        return messages

    def _classify(self, message: Message) -> None:
        command = self.phrases.get(normalise_command(message.get(TEXT) or ""))
        if command:
            message.set(
                INTENT,
                {INTENT_NAME_KEY: command, PREDICTED_CONFIDENCE_KEY: 1.0},
                add_to_output=True,
            )
            message.set(
                INTENT_RANKING_KEY,
                [{INTENT_NAME_KEY: command, PREDICTED_CONFIDENCE_KEY: 1.0}],
                add_to_output=True,
            )
            return
        predicted = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        if predicted in self.command_intents or predicted is None:
            self._demote_command_guess(message)

    def _demote_command_guess(self, message: Message) -> None:
        """Replace a guessed command by the best-ranked intent that is not a command."""
        ranking = [
            entry
            for entry in message.get(INTENT_RANKING_KEY) or []
            if entry.get(INTENT_NAME_KEY) not in self.command_intents
        ]
        best = ranking[0] if ranking else {
            INTENT_NAME_KEY: self.fallback_intent,
            PREDICTED_CONFIDENCE_KEY: 1.0,
        }
        message.set(INTENT, dict(best), add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking or [dict(best)], add_to_output=True)

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                model_dir / self.FILE_NAME, self.phrases
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "CommandClassifier":
        try:
            with model_storage.read_from(resource) as model_dir:
                phrases = rasa.shared.utils.io.read_json_file(model_dir / cls.FILE_NAME)
        except (ValueError, FileNotFoundError):
            logger.warning("CommandClassifier found no trained phrases; commands are off.")
            phrases = {}
        return cls(config, model_storage, resource, phrases)
