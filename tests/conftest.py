"""Shared fixtures. ``live_stack`` starts the real servers once per test session."""
from __future__ import annotations

import pytest

from tests.support.live_stack import LiveStack


@pytest.fixture(scope="session")
def live_stack(tmp_path_factory):
    stack = LiveStack(workdir=tmp_path_factory.mktemp("live-stack")).start()
    yield stack
    stack.stop()


def pytest_collection_finish(session):
    """No suite may block TensorFlow for the whole run: the Rasa suites need it."""
    import sys

    if "tensorflow" in sys.modules and sys.modules["tensorflow"] is None:
        raise pytest.UsageError("a test module set sys.modules['tensorflow'] = None; the Rasa tests need it")
