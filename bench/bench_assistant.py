"""Train time, time to ready, memory and per-turn latency: this assistant vs stock ``rasa init``.

Both assistants are measured in the same run on the same machine, so the ratios mean something
even when the machine is busy. The stock assistant is created by ``rasa init --no-prompt`` in a
temporary folder. Latency is measured for ONE sender over 300 turns, because Rasa's per-turn
cost grows with the conversation: this assistant's user rehearses five times in a row (60 turns
each), the stock assistant's user keeps chatting.

    .venv/bin/python bench/bench_assistant.py [--turns 300] [--skip-stock]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        stack.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def timed(command: list[str], cwd: Path, cache: Path) -> float:
    """Wall time of a training command, with an empty Rasa cache so nothing is reused."""
    started = time.monotonic()
    subprocess.run(command, cwd=cwd, env={**ENV, "RASA_CACHE_DIRECTORY": str(cache)}, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started


def start(command: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wait_ready(url: str, started: float, timeout: float = 300) -> float:
    while time.monotonic() - started < timeout:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def turn_latencies(base: str, messages: list[str]) -> list[float]:
    sender = f"bench-{time.time_ns()}"
    latencies = []
    with httpx.Client(timeout=120) as client:
        for message in messages:
            started = time.monotonic()
            response = client.post(f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": message})
            response.raise_for_status()
            latencies.append((time.monotonic() - started) * 1000)
    return latencies


def rehearsal_script(turns: int) -> list[str]:
    """Five (or more) rehearsals in a row, each: setup, lines, end."""
    setup = ['/choose{"kind": "ask"}', "blindfolds", '/choose{"persona": "curious"}', '/choose{"difficulty": "challenging"}']
    lines = [
        "I've been wanting to talk about something new.",
        "I'd like to try using a blindfold sometime, how would you feel?",
        "It's totally fine to say no or not now.",
        "hmm, okay",
        "What would make it feel safer for you?",
        "We could start slowly and stop any time.",
    ]
    script = ["hi", "/confirm_adult"]
    while len(script) < turns:
        script += setup
        script += [lines[i % len(lines)] for i in range(53)]
        script.append("end")
        script.append("/new_rehearsal")
    return script[:turns]


def stock_script(turns: int) -> list[str]:
    cycle = ["hello", "I am sad", "yes", "great", "bye", "are you a bot?", "no", "I am happy"]
    return [cycle[i % len(cycle)] for i in range(turns)]


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def measure_ours(turns: int, workdir: Path) -> dict:
    models = workdir / "models"
    train_s = timed([str(BIN / "rasa"), "train", "--data", "data/nlu", "data/rules", "--out", str(models),
                     "--fixed-model-name", "bench", "--force", "--quiet"], ROOT, workdir / "cache-ours")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text((ROOT / "endpoints.yml").read_text().replace("localhost:5055", f"localhost:{actions_port}"))
    env = {**ENV, "DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}", "REHEARSE_KEY_FILE": str(workdir / "key")}
    subprocess.run([str(BIN / "rehearse"), "db", "upgrade"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    actions = start([sys.executable, "-m", "actions.server", "--actions", "actions", "--port", str(actions_port)],
                    ROOT, env, workdir / "actions.log")
    started = time.monotonic()
    server = start([str(BIN / "rasa"), "run", "--model", str(models / "bench.tar.gz"), "--port", str(rasa_port),
                    "--endpoints", str(endpoints), "--credentials", "credentials.yml"], ROOT, env, workdir / "rasa.log")
    try:
        ready_s = wait_ready(f"http://localhost:{rasa_port}/webhooks/rest/", started)
        wait_ready(f"http://localhost:{actions_port}/health", started)
        latencies = turn_latencies(f"http://localhost:{rasa_port}", rehearsal_script(turns))
        return {"train_s": train_s, "ready_s": ready_s, "rss_mb": tree_rss_mb(server.pid),
                "rss_actions_mb": tree_rss_mb(actions.pid), "latencies": latencies}
    finally:
        stop(server)
        stop(actions)


def measure_stock(turns: int, workdir: Path) -> dict:
    project = workdir / "stock"
    project.mkdir()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)], cwd=project, env=ENV,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(project / "models", ignore_errors=True)
    train_s = timed([str(BIN / "rasa"), "train", "--fixed-model-name", "stock", "--force", "--quiet"], project,
                    workdir / "cache-stock")
    port = free_port()
    started = time.monotonic()
    server = start([str(BIN / "rasa"), "run", "--model", "models/stock.tar.gz", "--port", str(port)], project, ENV,
                   workdir / "stock.log")
    try:
        ready_s = wait_ready(f"http://localhost:{port}/webhooks/rest/", started)
        latencies = turn_latencies(f"http://localhost:{port}", stock_script(turns))
        return {"train_s": train_s, "ready_s": ready_s, "rss_mb": tree_rss_mb(server.pid), "latencies": latencies}
    finally:
        stop(server)


def summarise(result: dict, turns: int) -> dict:
    lat = result.pop("latencies")
    late_start = max(0, turns - 100)
    return {**result, "p50_first100_ms": p50(lat[:100]), "p50_last100_ms": p50(lat[late_start:]),
            "p95_last100_ms": sorted(lat[late_start:])[int(0.95 * (len(lat) - late_start)) - 1] if lat else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rehearse-bench-") as tmp:
        ours = summarise(measure_ours(args.turns, Path(tmp)), args.turns)
        stock = None if args.skip_stock else summarise(measure_stock(args.turns, Path(tmp)), args.turns)
    rows = [("train time (s)", "train_s", "≤60"), ("time to ready (s)", "ready_s", "≤20"),
            ("Rasa server RSS (MB)", "rss_mb", "≤800"), (f"p50 turns 1-100 (ms)", "p50_first100_ms", ""),
            (f"p50 last 100 of {args.turns} (ms)", "p50_last100_ms", "≤ stock"),
            (f"p95 last 100 of {args.turns} (ms)", "p95_last100_ms", "")]
    print(f"\n{'metric':<30}{'this assistant':>16}{'stock rasa init':>17}{'ratio':>8}  target")
    for label, key, target in rows:
        mine = ours[key]
        theirs = stock[key] if stock else float("nan")
        ratio = mine / theirs if stock and theirs else float("nan")
        print(f"{label:<30}{mine:>16.1f}{theirs:>17.1f}{ratio:>8.2f}  {target}")
    print(f"{'action server RSS (MB)':<30}{ours['rss_actions_mb']:>16.1f}{'-':>17}")
    if args.json:
        args.json.write_text(json.dumps({"ours": ours, "stock": stock}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
