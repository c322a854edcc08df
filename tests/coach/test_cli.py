"""The `rehearse analyze` / `rehearse eval` contract, through the installed console script."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REHEARSE = ROOT / ".venv" / "bin" / "rehearse"


def _run(args, stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(REHEARSE), *args], input=stdin, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_analyze_one_output_line_per_input_line_in_order_with_errors():
    lines = [
        json.dumps({"text": "if you really loved me you'd try it", "kind": "ask"}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"text": 42}),
        json.dumps({"text": "no", "kind": "dance"}),
        "",
        json.dumps({"text": "no", "kind": "refuse", "after_refusal": "yes"}),
        json.dumps({"text": "no", "kind": "refuse"}),
        json.dumps({"text": "can we try it just once?", "after_refusal": True}),
        json.dumps({"kind": "ask"}),
        json.dumps({"text": "🙂🙂🙂"}),
    ]
    proc = _run(["analyze"], "\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    assert "guilt_trip" in {f["code"] for f in out[0]["findings"]}
    assert out[0]["safety"] is None
    for i in (1, 2, 3, 4, 5, 6, 9):
        assert set(out[i]) == {"error"} and out[i]["error"], (i, out[i])
    assert "kind" in out[4]["error"]
    assert "after_refusal" in out[6]["error"]
    assert {f["code"] for f in out[7]["findings"]} >= {"clear_no"}
    assert "persistence" in {f["code"] for f in out[8]["findings"]}
    assert out[10] == {"findings": [], "safety": None} or "findings" in out[10]
    for obj in out:
        for f in obj.get("findings", []):
            assert set(f) == {"code", "polarity", "start", "end", "explanation", "suggestion"}


def test_eval_prints_the_metrics(tmp_path):
    data = tmp_path / "set.jsonl"
    items = [
        {"text": "you owe me", "kind": "ask", "after_refusal": False, "codes": ["scorekeeping"], "forbidden": []},
        {"text": "I'd never say you owe me", "kind": "ask", "after_refusal": False, "codes": [],
         "forbidden": ["scorekeeping"]},
        {"text": "no", "kind": "refuse", "after_refusal": False, "codes": ["clear_no"], "forbidden": ["persistence"]},
    ]
    data.write_text("\n".join(json.dumps(i) for i in items) + "\n", encoding="utf-8")
    proc = _run(["eval", "--data", str(data)], "")
    assert proc.returncode == 0, proc.stderr
    assert "coercion family recall:     1.000" in proc.stdout
    assert "coercion family precision:  1.000" in proc.stdout
    assert "forbidden-code rate:        0.000" in proc.stdout
    assert "macro per-code recall" in proc.stdout
    assert "scorekeeping" in proc.stdout


def test_bench_analyze_runs_on_distinct_lines():
    """The speed bench stays runnable: each run reads its own distinct lines and reports a rate."""
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "bench/bench_analyze.py", "--n", "8"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    rows = {line[:28].strip(): line.split() for line in proc.stdout.splitlines()}
    for run in ("rehearse analyze (batches)", "coach only, batches", "coach only, one by one"):
        assert run in rows, proc.stdout
        assert rows[run][-5] == "8" and float(rows[run][-2]) > 0, rows[run]
    assert "costs" in proc.stdout and "the baseline per line" in proc.stdout
    # (in a child process: the bench hides TensorFlow from its own imports, not from this one)
    check = ("import sys; sys.path.insert(0, 'bench'); from bench_analyze import utterances; "
             "lines = utterances(400); print(len(lines), len({t for t, _, _ in lines}))")
    counted = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", check],
                             capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert counted.stdout.split() == ["400", "400"], counted.stderr
