"""Rasa custom actions. Each module is one concern; each action only translates between the
tracker and ``bot/`` (setup, rehearsal turns, controls, safety, privacy)."""
