"""How many utterances per second the coach analyzes on one core.

Runs ``bot.coach.analyze`` over a few thousand *distinct* utterances (the labelled sentences of
data/coach/dev.jsonl and data/coach/train/, each text once, in a fixed shuffled order) and
prints a small table. Distinct lines matter: the coach remembers per-word and per-clause work,
so a bench that repeats its lines would measure those memories, not the coach. Warm-up runs on
generated lines that are not measured.
Run: .venv/bin/python bench/bench_analyze.py [--n 3000]
"""
from __future__ import annotations

import argparse
import io
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


def _labelled() -> list[tuple[str, str, bool]]:
    """Every distinct labelled sentence of the coach's data sets, in a fixed shuffled order."""
    coach = Path(__file__).resolve().parent.parent / "data" / "coach"
    items: dict[str, tuple[str, str, bool]] = {}
    for path in [coach / "dev.jsonl", *sorted((coach / "train").glob("*.jsonl"))]:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                items.setdefault(d["text"], (d["text"], d.get("kind", "ask"), bool(d.get("after_refusal", False))))
    out = list(items.values())
    random.Random(7).shuffle(out)
    return out


def generated(n: int, seed: int = 7) -> list[tuple[str, str, bool]]:
    """n distinct lines built from the rubric's shapes (fewer when the shapes run out)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    items: list[tuple[str, str, bool]] = []
    for _ in range(20 * n):
        if len(items) >= n:
            break
        text = f"{rng.choice(OPENERS)} {rng.choice(THINGS)}{rng.choice(TAILS)}"
        if text not in seen:
            seen.add(text)
            items.append((text, rng.choice(["ask", "refuse", "renegotiate"]), rng.random() < 0.3))
    return items


def utterances(n: int) -> list[tuple[str, str, bool]]:
    """n distinct lines to measure: labelled sentences first, then generated ones if needed."""
    items = _labelled()[:n]
    known = {t for t, _, _ in items}
    items += [g for g in generated(3 * n, seed=11) if g[0] not in known][:n - len(items)]
    return items


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1300, help="distinct lines per run (each run has its own)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    t0 = time.perf_counter()
    from bot.coach import analyze
    from bot.coach.analyzer import default_analyzer, safety_available
    from bot.coach.cli import BATCH, analyze_lines, analyze_stream, parse_request
    analyzer = default_analyzer()
    analyzer.analyze("warm up", "ask", safety=False)
    try:
        analyze("warm up", "ask")
        safety_error = None
    except Exception as exc:  # noqa: BLE001 - bot.safety belongs to another module; report it
        safety_error = f"{type(exc).__name__}: {exc}"
    load = time.perf_counter() - t0
    # load and warm up on lines that are never measured
    analyze_lines([_line(t, k, a) for t, k, a in generated(BATCH, seed=3)])
    for text, kind, ar in generated(200, seed=5):
        analyze(text, kind, ar)

    def batches(lines: list[str]) -> int:
        """What `rehearse analyze` does with piped lines: batches in, JSON lines out."""
        out = io.StringIO()
        analyze_stream((lines[i:i + BATCH] for i in range(0, len(lines), BATCH)), out)
        results = [json.loads(line) for line in out.getvalue().splitlines()]
        return sum(any(f["polarity"] == "concern" for f in r.get("findings", [])) for r in results)

    def coach_batches(lines: list[str]) -> int:
        requests = [parse_request(line) for line in lines]
        results = [r for i in range(0, len(requests), BATCH)
                   for r in analyzer.analyze_batch(requests[i:i + BATCH], safety=False)]
        return sum(bool(r.concerns) for r in results)

    def one_by_one(fn):
        return lambda lines: sum(bool(fn(**parse_request(line)).concerns) for line in lines)

    runs = [("rehearse analyze (batches)", batches), ("coach only, batches", coach_batches),
            ("coach only, one by one", one_by_one(lambda **r: analyzer.analyze(**r, safety=False)))]
    if safety_error is None:
        runs.append(("analyze() (coach + safety)", one_by_one(analyze)))
    # Each run reads its own distinct lines: none has seen the others' lines.
    items = utterances(args.n * len(runs))
    rows = []
    for r, (label, fn) in enumerate(runs):
        lines = [_line(t, k, a) for t, k, a in items[r::len(runs)]]
        t, c = time.perf_counter(), time.process_time()
        with_concern = fn(lines)
        dt, cpu = time.perf_counter() - t, time.process_time() - c
        rows.append((label, len(lines), dt, len(lines) / dt, len(lines) / cpu, with_concern))
    # A baseline measured in the same run, so numbers compare across machines: the least any
    # spaCy-based line scorer does (parse the JSON line, tokenise with blank English, write JSON).
    import spacy
    blank = spacy.blank("en")
    lines = [_line(t, k, a) for t, k, a in items]
    base_cpu = float("inf")
    for _ in range(5):   # it is quick, so take the best of a few passes
        c = time.process_time()
        for line in lines:
            request = json.loads(line)
            json.dumps({"tokens": len(blank(request["text"]))})
        base_cpu = min(base_cpu, time.process_time() - c)
    base_rate = len(lines) / base_cpu
    reference_ms = python_reference_ms()
    print(f"bot.safety available: {safety_available()}" + (f" but failing ({safety_error})" if safety_error else ""))
    print(f"load (import + build): {load:.2f} s")
    print("utt/s (wall) suffers when other processes share the core; utt/s (cpu) is per core-second.")
    print(f"{'run (distinct lines each)':<28}{'utterances':>11}{'seconds':>9}{'utt/s (wall)':>14}"
          f"{'utt/s (cpu)':>13}{'w/ concern':>12}")
    for label, n, dt, rate, cpu_rate, wc in rows:
        print(f"{label:<28}{n:>11}{dt:>9.2f}{rate:>14.0f}{cpu_rate:>13.0f}{wc:>12}")
    print(f"baseline (JSON + spaCy blank tokeniser): {base_rate:.0f} utt/s (cpu); "
          f"rehearse analyze costs {base_rate / rows[0][4]:.1f}x the baseline per line")
    print(f"CPU reference (pure-Python loop, {REFERENCE_LOOP}): {reference_ms:.1f} ms "
          f"(the coach is pure Python: its rate scales with 1 / this time across machines)")
    return 0


REFERENCE_LOOP = "sum(range(10**6))"


def python_reference_ms() -> float:
    """CPU ms of a fixed pure-Python loop, best of 7: how fast this core runs Python.

    The spaCy baseline is mostly compiled code; the coach and the safety screen are mostly
    Python, so this says whether a low rate comes from a slow core or from the code.
    """
    best = float("inf")
    for _ in range(7):
        c = time.process_time()
        sum(range(10**6))
        best = min(best, time.process_time() - c)
    return best * 1000


def _line(text: str, kind: str, after_refusal: bool) -> str:
    return json.dumps({"text": text, "kind": kind, "after_refusal": after_refusal})


if __name__ == "__main__":
    sys.exit(main())
