"""Routes every rehearsal line to the partner, whatever words it uses.

During a rehearsal the user's text is free: "hi", "no", "yes, but slowly" are all lines for the
partner, not menu answers. Rules cannot express "any intent except the commands", so this small
policy does: while the ``in_rehearsal`` slot is true, no form is active, and the intent is not a
command or a disclosure, it predicts the turn action and then listening (also after the
rehearsal's own controls, e.g. after a rewind reverted the tracker to an earlier turn).
Otherwise it abstains and the RulePolicy decides (controls, safety, menus).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class RehearsalPolicy(Policy):
    """While a rehearsal runs: user line -> turn action -> listen."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "priority": 7,
            "rehearsal_slot": "in_rehearsal",
            "turn_action": "action_rehearsal_turn",
            "non_rehearsal_intents": [],
            "listen_after": [],
        }

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA

    def train(
        self,
        training_trackers: List[TrackerWithCachedStates],
        domain: Domain,
        **kwargs: Any,
    ) -> Resource:
        """Nothing to learn: the routing is the configuration."""
        if self.config["turn_action"] not in domain.action_names_or_texts:
            raise ValueError(
                f"RehearsalPolicy: turn_action {self.config['turn_action']!r} "
                "is not an action in domain.yml"
            )
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[Text, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self._next_action(tracker)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)

    def _next_action(self, tracker: DialogueStateTracker) -> Optional[Text]:
        turn_action = self.config["turn_action"]
        if tracker.latest_action_name in {turn_action, *self.config["listen_after"]}:
            # Also when that action just ended the rehearsal: the next word is the user's.
            return ACTION_LISTEN_NAME
        if tracker.get_slot(self.config["rehearsal_slot"]) is not True:
            return None
        if tracker.active_loop_name:
            return None
        if tracker.latest_action_name != ACTION_LISTEN_NAME:
            return None
        intent = tracker.latest_message.intent.get("name") if tracker.latest_message else None
        if intent in set(self.config["non_rehearsal_intents"]):
            return None
        return turn_action
