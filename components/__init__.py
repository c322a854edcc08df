"""Rasa graph components of this assistant, referenced by dotted path from config.yml.

They are adapters: each one calls into ``bot/`` and holds no product knowledge itself.
"""
