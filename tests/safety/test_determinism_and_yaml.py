"""The reported hit must not depend on PYTHONHASHSEED (rule ties are broken by rule order
in the data files), and the safety YAML is read by libyaml with safe_load's semantics."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from bot.safety import yaml_io
from bot.safety.detector import _screen, detect

ROOT = Path(__file__).resolve().parents[2]

# Texts where two or more rules report the same category, start and length: which rule
# id came out depended on set iteration before ties went to rule order.
TIE_TEXTS = [
    "my partnr presures me and grabbed my wrist when i said no. but he's sweet most of the time",
    "my boyfriend pressures me and grabbed my arm when i said no",
    "i said stop and he kept going",
    "he held me down even though i said no",
    "my ex threatened to post my pics if i don't sleep with him",
    "im 15 and my bf hits me",
    "I'd like to ask you about trying a blindfold next week",
]

_CHILD = """
import json, sys
sys.modules.setdefault("tensorflow", None)
from bot.safety.detector import screen
out = []
for text in json.loads(sys.argv[1]):
    s = screen(text)
    out.append([s.hit.to_dict() if s.hit else None, list(s.referral_flags)])
print(json.dumps(out))
"""


def _run(seed: str) -> list:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    result = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(TIE_TEXTS)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_hits_do_not_depend_on_the_hash_seed():
    first, second = _run("1"), _run("2")
    assert first == second
    assert first[0][0] is not None and first[0][0]["category"] == "abuse"


def test_ties_go_to_the_rule_that_comes_first_in_the_data():
    screen = _screen()
    hit = detect(TIE_TEXTS[0])
    assert hit is not None
    candidates, _ = screen._scan(TIE_TEXTS[0], 0)
    best = min((c for c in candidates if c[0] == hit.category),
               key=lambda c: (c[2], -(c[3] - c[2]), screen.rule_order[(c[0], c[1])]))
    assert hit.rule == best[1]
    tied = [c for c in candidates if c[0] == best[0] and c[2:] == best[2:]]
    assert len(tied) >= 2, "this text should hold a tie, or the test proves nothing"


def test_safety_yaml_is_read_by_libyaml_with_safe_load_semantics():
    if hasattr(yaml, "CSafeLoader"):
        assert yaml_io.SafeLoader is yaml.CSafeLoader
    for path in sorted((ROOT / "data" / "safety").rglob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert yaml_io.safe_load(text) == yaml.safe_load(text), path.name
    # Same resolvers as safe_load: bare yes/no are booleans, tags are refused.
    assert yaml_io.safe_load("a: yes\nb: 1.5\nc: 2024-01-02") == yaml.safe_load("a: yes\nb: 1.5\nc: 2024-01-02")
    try:
        yaml_io.safe_load("!!python/object/apply:os.system ['true']")
    except yaml.YAMLError:
        pass
    else:  # pragma: no cover
        raise AssertionError("safe_load must refuse python tags")
