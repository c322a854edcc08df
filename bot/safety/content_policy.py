"""The partner's content policy as a check: never explicit, insulting, threatening,
or pressuring beyond the bounded list refusal practice allows.

``check_line`` is run by ``tests/safety/test_content_policy.py`` over every partner and
coach line in ``data/``, so the policy is enforced by the suite, not by good intentions.
Plain regular expressions are enough here: the lines are short, written by us, and
checked at test time, not per user turn.
"""
from __future__ import annotations

import re
from functools import lru_cache

from bot.safety.rules import SAFETY_DIR
from bot.safety.yaml_io import safe_load

POLICY_FILE = SAFETY_DIR / "content_policy.yml"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def _phrase_regex(phrase: str) -> re.Pattern:
    words = [r"[\w']+" if w == "*" else re.escape(w) for w in phrase.lower().split()]
    return re.compile(r"(?<![\w'])" + r"\s+".join(words) + r"(?![\w])")


@lru_cache(maxsize=1)
def _policy() -> tuple[dict[str, list[tuple[str, re.Pattern]]], list[tuple[str, re.Pattern]], list[re.Pattern]]:
    with POLICY_FILE.open(encoding="utf-8") as handle:
        data = safe_load(handle) or {}
    never = {kind: [(p, _phrase_regex(str(p))) for p in phrases or []]
             for kind, phrases in (data.get("never") or {}).items()}
    pressure = [(p, _phrase_regex(str(p))) for p in data.get("pressure") or []]
    allowed = [_phrase_regex(str(p)) for p in data.get("allowed") or []]
    return never, pressure, allowed


def _clean(text: str) -> str:
    text = str(text).translate(_APOSTROPHES).lower()
    for regex in _policy()[2]:
        text = regex.sub(lambda m: " " * len(m.group(0)), text)
    return text


def pressure_cues(text: str) -> list[str]:
    """The pressure phrases in a line (allowed only with a declared tactic)."""
    clean = _clean(text)
    return [phrase for phrase, regex in _policy()[1] if regex.search(clean)]


def check_line(text: str, tactic: str | None = None) -> list[str]:
    """Return the policy violations in one line, as ``"<kind>: <phrase>"`` strings.

    Explicit words, insults, threats, ultimatums, guilt, score-keeping, comparison,
    demands and minimizing are never allowed. Pressure cues are allowed only when the
    line declares a ``tactic`` (whether that tactic exists is checked by the caller,
    which knows the tactic list).
    """
    if not isinstance(text, str):
        return [f"not_text: {type(text).__name__}"]
    clean = _clean(text)
    violations = [f"{kind}: {phrase}" for kind, phrases in _policy()[0].items()
                  for phrase, regex in phrases if regex.search(clean)]
    if not tactic:
        violations += [f"undeclared_pressure: {cue}" for cue in pressure_cues(text)]
    return violations


def _matches(path: str, globs) -> bool:
    from fnmatch import fnmatch
    return any(fnmatch(path, g) or fnmatch(path, g.replace("/**/", "/")) for g in globs)


def _strings(node, skip_keys: set[str], tactic=None):
    """Yield (text, tactic) for every string in a YAML tree; {text, tactic} dicts are lines."""
    if isinstance(node, str):
        yield node, tactic
    elif isinstance(node, dict):
        if isinstance(node.get("text"), str):
            yield node["text"], node.get("tactic")
            node = {k: v for k, v in node.items() if k not in ("text", "tactic")}
        for key, value in node.items():
            if str(key) not in skip_keys:
                yield from _strings(value, skip_keys)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, skip_keys)


def iter_policy_lines(root=None):
    """Yield (relative path, text, tactic, pressure_checked) for every line the policy covers.

    Which files and keys count as lines is set in ``content_policy.yml`` (``scan``).
    """
    from pathlib import Path

    from bot.paths import PROJECT_ROOT

    root = Path(root) if root is not None else PROJECT_ROOT
    with POLICY_FILE.open(encoding="utf-8") as handle:
        scan = (safe_load(handle) or {}).get("scan") or {}
    skip = set(scan.get("skip_keys") or ())
    seen = set()
    for pattern in scan.get("include") or ():
        for path in sorted(root.glob(pattern)):
            rel = path.relative_to(root).as_posix()
            if rel in seen or _matches(rel, scan.get("exclude") or ()):
                continue
            seen.add(rel)
            with path.open(encoding="utf-8") as handle:
                data = safe_load(handle)
            checked = _matches(rel, scan.get("pressure_checked") or ())
            for text, tactic in _strings(data, skip):
                yield rel, text, tactic, checked
    domain = scan.get("domain_responses")
    if domain and (root / domain).exists():
        with (root / domain).open(encoding="utf-8") as handle:
            data = safe_load(handle) or {}
        for text, tactic in _strings(data.get("responses") or {}, skip):
            yield domain, text, tactic, False
