"""The safety screen: runs on every user message, before any dialogue logic.

It is the last NLU component, so a disclosure (abuse, self-harm, a minor, danger) overrides
whatever intent was classified before it and the dialogue's rules route the turn out of the
role-play, whatever form or rehearsal is active. Referral flags (red flags a therapist would
want to hear about, which do not stop the practice) travel as entities for the actions.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.safety import screen, warm_up

logger = logging.getLogger(__name__)

SAFETY_INTENT = "safety_disclosure"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class SafetyScreen(GraphComponent):
    """Marks disclosures with the ``safety_disclosure`` intent and a category entity."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"intent": SAFETY_INTENT}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.intent = config.get("intent") or SAFETY_INTENT
        warm_up()  # compile the rules when the server starts, not on the first user's turn

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyScreen":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._screen(message)
        return messages

    def _screen(self, message: Message) -> None:
        text = message.get(TEXT)
        if not isinstance(text, str) or not text.strip():
            return
        entities = list(message.get(ENTITIES) or [])
        screening = screen(text)
        for flag in screening.referral_flags:
            entities.append(
                {"entity": "referral_flag", "value": flag, "start": 0, "end": 0,
                 "extractor": self.__class__.__name__}
            )
        hit = screening.hit
        if hit is not None:
            logger.info("Safety screen: %s disclosure; the role-play stops.", hit.category)
            entities.append(
                {"entity": "safety_category", "value": hit.category, "start": hit.start,
                 "end": hit.end, "extractor": self.__class__.__name__}
            )
            intent = {INTENT_NAME_KEY: self.intent, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)
        if entities:
            message.set(ENTITIES, entities, add_to_output=True)
