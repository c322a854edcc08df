"""How many utterances per second the coach analyzes on one core.

Runs ``bot.coach.analyze`` over a few thousand utterances (the dev set when it exists, plus
generated ones built from the rubric's shapes) and prints a small table.
Run: .venv/bin/python bench/bench_analyze.py [--n 3000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

sys.modules.setdefault("tensorflow", None)  # type: ignore[arg-type]
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OPENERS = ["I'd like to try", "can we maybe try", "if you really loved me you'd try", "no, I don't want to do",
           "I know we agreed on", "everyone does", "you owe me", "I'm so sorry, but I want to try", "um maybe kind of"]
THINGS = ["pegging", "a blindfold", "the rope stuff", "spanking", "something different", "role play", "sleepovers"]
TAILS = ["", ", what do you think?", ". No pressure at all.", " tonight, or I'm leaving.", ". Let's check in next week.",
         " and we can stop any time", ", it's not a big deal"]


def utterances(n: int) -> list[tuple[str, str, bool]]:
    rng = random.Random(7)
    items: list[tuple[str, str, bool]] = []
    dev = Path(__file__).resolve().parent.parent / "data" / "coach" / "dev.jsonl"
    if dev.exists():
        for line in dev.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                items.append((d["text"], d.get("kind", "ask"), bool(d.get("after_refusal", False))))
    while len(items) < n:
        text = f"{rng.choice(OPENERS)} {rng.choice(THINGS)}{rng.choice(TAILS)}"
        items.append((text, rng.choice(["ask", "refuse", "renegotiate"]), rng.random() < 0.3))
    return items[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    t0 = time.perf_counter()
    from bot.coach import analyze
    from bot.coach.analyzer import default_analyzer
    default_analyzer().analyze("warm up", "ask", safety=False)
    try:
        analyze("warm up", "ask")
        safety_error = None
    except Exception as exc:  # noqa: BLE001 - bot.safety belongs to another module; report it
        safety_error = f"{type(exc).__name__}: {exc}"
    load = time.perf_counter() - t0
    items = utterances(args.n)
    from bot.coach.analyzer import default_analyzer, safety_available
    analyzer = default_analyzer()
    runs = [("coach only, no safety", lambda t, k, ar: analyzer.analyze(t, k, ar, safety=False))]
    if safety_error is None:
        runs.append(("analyze() (coach + safety)", lambda t, k, ar: analyze(t, k, ar)))
    rows = []
    # `rehearse analyze` itself: JSON lines in batches of 256 (spaCy pipe, one classifier call per batch)
    from bot.coach.cli import BATCH, analyze_lines
    lines = [json.dumps({"text": t, "kind": k, "after_refusal": a}) for t, k, a in items]
    analyze_lines(lines[:BATCH])  # warm caches
    t, c = time.perf_counter(), time.process_time()
    out = [r for i in range(0, len(lines), BATCH) for r in analyze_lines(lines[i:i + BATCH])]
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    batch_row = ("rehearse analyze (batches)", len(lines), dt, len(lines) / dt, len(lines) / cpu,
                 sum(any(f["polarity"] == "concern" for f in r.get("findings", [])) for r in out))
    for label, fn in runs:
        for t_, k_, a_ in items[:200]:
            fn(t_, k_, a_)  # warm caches
        t, c = time.perf_counter(), time.process_time()
        with_concern = 0
        for text, kind, ar in items:
            with_concern += bool(fn(text, kind, ar).concerns)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        rows.append((label, len(items), dt, len(items) / dt, len(items) / cpu, with_concern))
    # the coach's own share of a batch: the same requests, without the safety screen
    from bot.coach.cli import parse_request
    requests = [parse_request(line) for line in lines]
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(requests), BATCH):
        analyzer.analyze_batch(requests[i:i + BATCH], safety=False)
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    rows.append(("coach only, batches", len(lines), dt, len(lines) / dt, len(lines) / cpu, batch_row[5]))
    rows.append(batch_row)
    # A baseline measured in the same run, so numbers compare across machines: the least any
    # spaCy-based line scorer does (parse the JSON line, tokenise with blank English, write JSON).
    import spacy
    blank = spacy.blank("en")
    t, c = time.perf_counter(), time.process_time()
    for line in lines:
        request = json.loads(line)
        json.dumps({"tokens": len(blank(request["text"]))})
    base_cpu = time.process_time() - c
    base_rate = len(lines) / base_cpu
    print(f"bot.safety available: {safety_available()}" + (f" but failing ({safety_error})" if safety_error else ""))
    print(f"load (import + build): {load:.2f} s")
    print("utt/s (wall) suffers when other processes share the core; utt/s (cpu) is per core-second.")
    print(f"{'run':<28}{'utterances':>11}{'seconds':>9}{'utt/s (wall)':>14}{'utt/s (cpu)':>13}{'w/ concern':>12}")
    for label, n, dt, rate, cpu_rate, wc in rows:
        print(f"{label:<28}{n:>11}{dt:>9.2f}{rate:>14.0f}{cpu_rate:>13.0f}{wc:>12}")
    print(f"baseline (JSON + spaCy blank tokeniser): {base_rate:.0f} utt/s (cpu); "
          f"rehearse analyze costs {base_rate / batch_row[4]:.1f}x the baseline per line")
    return 0


if __name__ == "__main__":
    sys.exit(main())
