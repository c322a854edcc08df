"""The rehearsal partner's own logic: coach, partner engine, safety, storage.

Nothing in this package imports Rasa, so all of it is tested without a server;
``actions/`` and ``components/`` translate between Rasa and these modules.
"""
