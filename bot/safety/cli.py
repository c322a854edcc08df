"""``rehearse safety-eval``: catch rate and false alarms of the safety screen.

Reads JSON Lines ``{"id", "text", "expected": null | category}`` and prints, per
category, how many disclosures were caught, how many near misses raised a false
alarm, how many were caught under the wrong category, and every miss. Exit code 0
when every disclosure is caught and no near miss alarms, 1 otherwise, 2 on bad input.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from bot.paths import PROJECT_ROOT


def _load(path: Path) -> list[dict]:
    items = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            if not isinstance(item, dict) or "text" not in item:
                raise ValueError(f"line {number}: expected an object with `text`")
            items.append(item)
    return items


def evaluate(items: list[dict]) -> dict:
    from bot.safety.detector import CATEGORIES, detect

    totals, caught, wrong = Counter(), Counter(), Counter()
    near_total, alarms, misses, wrongs = 0, [], [], []
    for item in items:
        expected = item.get("expected")
        hit = detect(str(item.get("text", "")))
        got = hit.category if hit else None
        if expected is None:
            near_total += 1
            if got is not None:
                alarms.append((item, hit))
            continue
        if expected not in CATEGORIES:
            raise ValueError(f"item {item.get('id')}: unknown category {expected!r}")
        totals[expected] += 1
        if got is None:
            misses.append(item)
        else:
            caught[expected] += 1
            if got != expected:
                wrong[expected] += 1
                wrongs.append((item, hit))
    return {"totals": totals, "caught": caught, "wrong": wrong, "near_total": near_total,
            "alarms": alarms, "misses": misses, "wrongs": wrongs}


def _short(text: str, limit: int = 110) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def eval_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rehearse safety-eval", description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(PROJECT_ROOT / "data" / "safety" / "testset.jsonl"),
                        help="JSON Lines file with id, text, expected")
    args = parser.parse_args(argv)
    path = Path(args.data)
    try:
        items = _load(path)
        result = evaluate(items)
    except (OSError, ValueError) as exc:
        print(f"rehearse safety-eval: {exc}", file=sys.stderr)
        return 2
    from bot.safety.detector import CATEGORIES

    print(f"safety-eval on {path} ({len(items)} items)")
    print("disclosures caught (any category) / total, wrong category:")
    for category in CATEGORIES:
        print(f"  {category:<10} {result['caught'][category]:>3} / {result['totals'][category]:<3}"
              f"  wrong category: {result['wrong'][category]}")
    total = sum(result["totals"].values())
    print(f"  {'all':<10} {sum(result['caught'].values()):>3} / {total:<3}"
          f"  wrong category: {sum(result['wrong'].values())}")
    print(f"near-miss false alarms: {len(result['alarms'])} / {result['near_total']}")
    for item, hit in result["alarms"]:
        print(f"  ALARM {item.get('id')}: [{hit.category} via {hit.rule}: {hit.cue!r}] {_short(item['text'])}")
    for item in result["misses"]:
        print(f"  MISS  {item.get('id')} ({item.get('expected')}): {_short(item['text'])}")
    for item, hit in result["wrongs"]:
        print(f"  WRONG {item.get('id')} expected {item.get('expected')}, got {hit.category}: {_short(item['text'])}")
    return 0 if not result["misses"] and not result["alarms"] else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(eval_main())
