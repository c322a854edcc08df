"""``rehearse analyze`` and ``rehearse eval``: the coach's command-line contract.

``analyze`` reads JSON Lines on stdin, ``{"text", "kind", "after_refusal"}`` (kind defaults to
"ask", after_refusal to false), and writes exactly one JSON object per input line, in order:
the analysis, or ``{"error": "..."}`` for a line it cannot read. It never stops on a bad line.

``eval`` scores the coach on a labelled JSONL set (default data/coach/dev.jsonl).
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
from typing import Any, Iterable, TextIO

from bot.paths import DATA_DIR

COERCION_FAMILY = ("guilt_trip", "ultimatum", "minimizing", "persistence", "comparison", "scorekeeping", "demand")
KINDS = ("ask", "refuse", "renegotiate")


def parse_request(line: str) -> dict[str, Any]:
    """Validate one input line; return the analyze() arguments or raise ValueError."""
    if not line.strip():
        raise ValueError("empty line: expected a JSON object with a \"text\" string")
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(item, dict):
        raise ValueError(f"expected a JSON object, got {type(item).__name__}")
    text = item.get("text")
    if not isinstance(text, str):
        raise ValueError("\"text\" must be a string" if "text" in item else "missing \"text\"")
    kind = item.get("kind", "ask")
    if kind is None:
        kind = "ask"
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    after_refusal = item.get("after_refusal", False)
    if after_refusal is None:
        after_refusal = False
    if not isinstance(after_refusal, bool):
        raise ValueError("\"after_refusal\" must be true or false")
    partner_line = item.get("partner_line")
    if partner_line is not None and not isinstance(partner_line, str):
        raise ValueError("\"partner_line\" must be a string or null")
    return {"text": text, "kind": kind, "after_refusal": after_refusal, "partner_line": partner_line}


BATCH = 256  # lines analyzed together (one spaCy pipe and one classifier call per batch)
_heap = {"settled": False}
GC_YOUNG = 10_000  # allocations between collections of the youngest generation (Python's default: 700)


def _settle_heap() -> None:
    """Tune Python's cyclic garbage collector for a long batch (once, after the first batch).

    spaCy, the cue tables, the classifier and the safety screen are ~150k long-lived objects;
    each full collection re-scanned them all, a fifth of a batch's time. After the first batch
    (everything is loaded by then) the garbage so far is collected and ``gc.freeze`` moves what
    is left to a permanent generation; objects made later are collected as before. A line
    makes thousands of short-lived, acyclic objects (tokens, spans, small dicts) that reference
    counting frees, so the youngest generation is collected less often than the default.
    Only the command-line batch does this; a library caller's process is left alone.
    """
    if not _heap["settled"]:
        _heap["settled"] = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


def analyze_lines(lines: list[str]) -> list[dict[str, Any]]:
    """The output object for each input line, in order: the analysis or ``{"error": ...}``."""
    from bot.coach.analyzer import default_analyzer

    out: list[dict[str, Any] | None] = [None] * len(lines)
    requests, where = [], []
    for n, raw in enumerate(lines):
        line = raw.rstrip("\n").rstrip("\r")
        try:
            requests.append(parse_request(line))
            where.append(n)
        except ValueError as exc:
            out[n] = {"error": str(exc)}
    try:
        results = default_analyzer().analyze_batch(requests)
    except Exception as exc:  # noqa: BLE001 - a batch that fails is retried line by line
        results = []
        for req in requests:
            try:
                results.append(default_analyzer().analyze(**req))
            except Exception as one:  # noqa: BLE001
                results.append(one)
        del exc
    for n, result in zip(where, results):
        if isinstance(result, ValueError):
            out[n] = {"error": str(result)}
        elif isinstance(result, Exception):
            out[n] = {"error": f"could not analyze this line: {type(result).__name__}: {result}"}
        else:
            out[n] = result.to_json()
    return out  # type: ignore[return-value]


def analyze_stream(batches: Iterable[list[str]], out: TextIO) -> int:
    """Write one JSON line per input line, batch by batch; return how many lines had errors."""
    errors = 0
    for batch in batches:
        for result in analyze_lines(batch):
            errors += "error" in result
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
        _settle_heap()
    return errors


def _batches(lines: Iterable[str]) -> Iterable[list[str]]:
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def read_available_lines(fd: int) -> Iterable[list[str]]:
    """Lines from a file descriptor in batches of what has arrived (at most BATCH lines each).

    Piped files come in full batches; a client that writes one line and waits for its answer
    gets it at once, because a batch never waits for more input than has already arrived.
    """
    import codecs
    import os

    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while True:
        chunk = os.read(fd, 1 << 16)
        pending += decoder.decode(chunk, final=not chunk)
        if not chunk:
            if pending:
                yield from _batches(pending.split("\n"))
            return
        *complete, pending = pending.split("\n")
        if complete:
            yield from _batches(complete)


def analyze_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rehearse analyze", description=__doc__.split("\n\n")[1])
    parser.parse_args(argv)
    analyze_stream(read_available_lines(sys.stdin.fileno()), sys.stdout)
    return 0


# ------------------------------------------------------------------ eval
def load_items(path: str) -> list[dict[str, Any]]:
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not valid JSON ({exc.msg})") from None
            items.append(item)
    return items


def evaluate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-code precision/recall, coercion-family P/R, forbidden-code rate, safety agreement."""
    from bot.coach import analyze
    from bot.coach.knowledge import load_knowledge

    codes = list(load_knowledge().codes)
    tp = dict.fromkeys(codes, 0)
    fp = dict.fromkeys(codes, 0)
    fn = dict.fromkeys(codes, 0)
    fam = {"tp": 0, "fp": 0, "fn": 0}
    forbidden_hits = 0
    safety_checked = safety_ok = 0
    misses: list[dict[str, Any]] = []
    for item in items:
        a = analyze(item["text"], item.get("kind", "ask"), bool(item.get("after_refusal", False)),
                    item.get("partner_line"))
        got = a.codes
        want = set(item.get("codes", []))
        for c in codes:
            if c in got and c in want:
                tp[c] += 1
            elif c in got:
                fp[c] += 1
            elif c in want:
                fn[c] += 1
        fam_want = bool(want & set(COERCION_FAMILY))
        fam_got = bool(got & set(COERCION_FAMILY))
        fam["tp"] += fam_want and fam_got
        fam["fp"] += fam_got and not fam_want
        fam["fn"] += fam_want and not fam_got
        if got & set(item.get("forbidden", [])):
            forbidden_hits += 1
        if "safety" in item:
            safety_checked += 1
            safety_ok += a.safety == item.get("safety")
        if got != want:
            misses.append({"text": item["text"], "kind": item.get("kind", "ask"),
                           "missing": sorted(want - got), "extra": sorted(got - want)})
    per_code = {}
    for c in codes:
        support = tp[c] + fn[c]
        per_code[c] = {
            "precision": tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else None,
            "recall": tp[c] / support if support else None,
            "support": support,
        }
    recalls = [v["recall"] for v in per_code.values() if v["recall"] is not None]
    return {
        "items": len(items),
        "per_code": per_code,
        "macro_recall": sum(recalls) / len(recalls) if recalls else None,
        "family_precision": fam["tp"] / (fam["tp"] + fam["fp"]) if fam["tp"] + fam["fp"] else None,
        "family_recall": fam["tp"] / (fam["tp"] + fam["fn"]) if fam["tp"] + fam["fn"] else None,
        "forbidden_rate": forbidden_hits / len(items) if items else 0.0,
        "safety_agreement": safety_ok / safety_checked if safety_checked else None,
        "misses": misses,
    }


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def eval_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rehearse eval", description="Score the coach on a labelled JSONL set.")
    parser.add_argument("--data", default=str(DATA_DIR / "coach" / "dev.jsonl"), help="labelled JSONL file")
    parser.add_argument("--json", action="store_true", help="print the full report as JSON")
    parser.add_argument("--show-misses", type=int, default=0, metavar="N", help="also list N mismatched items")
    args = parser.parse_args(argv)
    report = evaluate(load_items(args.data))
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"items: {report['items']}")
    print(f"{'code':<20}{'precision':>10}{'recall':>9}{'support':>9}")
    for code, v in report["per_code"].items():
        print(f"{code:<20}{_fmt(v['precision']):>10}{_fmt(v['recall']):>9}{v['support']:>9}")
    print(f"macro per-code recall:      {_fmt(report['macro_recall'])}")
    print(f"coercion family precision:  {_fmt(report['family_precision'])}")
    print(f"coercion family recall:     {_fmt(report['family_recall'])}")
    print(f"forbidden-code rate:        {_fmt(report['forbidden_rate'])}")
    if report["safety_agreement"] is not None:
        print(f"safety agreement:           {_fmt(report['safety_agreement'])}")
    for miss in report["misses"][: args.show_misses]:
        print(f"  [{miss['kind']}] {miss['text']!r} missing={miss['missing']} extra={miss['extra']}")
    return 0
