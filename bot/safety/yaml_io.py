"""YAML reading for the safety data: libyaml's parser when PyYAML was built with it.

``safe_load`` here has exactly the semantics of ``yaml.safe_load`` (the same safe
constructors and resolvers); only the parser is the C one when it is available, which
reads the rule files several times faster. Mirrors ``bot/coach/knowledge.py``.
"""
from __future__ import annotations

import yaml

SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(stream):
    """Like ``yaml.safe_load`` (a str, bytes or open file), parsed by libyaml when present."""
    return yaml.load(stream, Loader=SafeLoader)  # noqa: S506 - CSafeLoader is the safe loader


__all__ = ["SafeLoader", "safe_load"]
