"""``rehearse run``: start the Rasa server, the action server and the web page together.

Honcho runs the three processes from the Procfile, prefixes their logs, and stops all of them
on Ctrl-C. A watcher waits until each one answers and then prints the address to open.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import httpx
from honcho.manager import Manager

from bot.paths import PROJECT_ROOT
from bot.training import model_path, rasa_environment

PROCFILE = PROJECT_ROOT / "Procfile"


def procfile_commands(path: Path = PROCFILE) -> dict[str, str]:
    """The ``name: command`` lines of the Procfile."""
    commands = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            commands[name.strip()] = command.strip()
    return commands


def write_endpoints(actions_port: int, target: Path) -> Path:
    """endpoints.yml with the action server's port filled in."""
    text = (PROJECT_ROOT / "endpoints.yml").read_text()
    text = text.replace("http://localhost:5055/webhook", f"http://localhost:{actions_port}/webhook")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return target


def service_environment(rasa_port: int, actions_port: int, web_port: int, run_dir: Path,
                        public_rasa_url: str | None = None, rasa_token: str = "") -> dict[str, str]:
    env = rasa_environment()
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(
        RASA_PORT=str(rasa_port),
        ACTIONS_PORT=str(actions_port),
        WEB_PORT=str(web_port),
        MODEL_PATH=str(model_path()),
        ENDPOINTS_FILE=str(write_endpoints(actions_port, run_dir / "endpoints.yml")),
        PUBLIC_RASA_URL=public_rasa_url or f"http://localhost:{rasa_port}",
        # Rasa's HTTP API is on only so that readiness can be checked; a fresh token each run.
        RASA_API_TOKEN=rasa_token,
        PYTHONUNBUFFERED="1",
        SANIC_REGISTER="False",
    )
    return env


class ServiceFailed(RuntimeError):
    """A server started but cannot work (e.g. Rasa could not load its model)."""


def health_urls(rasa_port: int, actions_port: int, web_port: int, rasa_token: str) -> dict[str, str]:
    # /status answers 409 when Rasa is up without a model (it failed to load): not ready, ever.
    return {
        "rasa": f"http://localhost:{rasa_port}/status?token={rasa_token}",
        "actions": f"http://localhost:{actions_port}/health",
        "web": f"http://localhost:{web_port}/health",
    }


def wait_until_ready(urls: dict[str, str], timeout: float = 180.0, stop: threading.Event | None = None,
                     alive: Callable[[], bool] = lambda: True) -> bool:
    """Poll every URL until all answer 200, the timeout passes, or the servers died.

    Raises ServiceFailed when a server answers 409 (Rasa running without a model).
    """
    deadline = time.monotonic() + timeout
    pending = dict(urls)
    while pending and time.monotonic() < deadline and not (stop and stop.is_set()) and alive():
        for name, url in list(pending.items()):
            try:
                status = httpx.get(url, timeout=2.0).status_code
            except httpx.HTTPError:
                continue
            if status == 200:
                del pending[name]
            elif status == 409:
                raise ServiceFailed(f"The {name} server started but could not load its model; see the log above.")
        if pending:
            time.sleep(0.5)
    return not pending


def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="rehearse run", description=__doc__)
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    parser.add_argument("--public-rasa-url", default=None,
                        help="the Rasa address browsers use, if not http://localhost:<rasa-port>")
    args = parser.parse_args(argv)

    if not model_path().exists():
        print("No trained model yet: run 'make run' (or 'rehearse train') first.", file=sys.stderr)
        return 1
    if shutil.which("rasa", path=str(Path(sys.executable).parent)) is None:
        print("The rasa command is missing from the virtualenv; run 'make run' to install.", file=sys.stderr)
        return 1

    run_dir = PROJECT_ROOT / "var" / "run"
    token = os.environ.get("RASA_API_TOKEN") or secrets.token_urlsafe(24)
    env = service_environment(args.rasa_port, args.actions_port, args.web_port, run_dir, args.public_rasa_url,
                              rasa_token=token)
    manager = Manager()
    for name, command in procfile_commands().items():
        manager.add_process(name, command, env=env, cwd=str(PROJECT_ROOT))

    stop = threading.Event()

    def announce() -> None:
        urls = health_urls(args.rasa_port, args.actions_port, args.web_port, token)
        try:
            ready = wait_until_ready(urls, stop=stop)
        except ServiceFailed as error:
            print(f"\n{error} Stopping.\n", flush=True)
            manager.terminate()
            return
        if ready:
            banner = f"Ready. Open http://localhost:{args.web_port}/ in your browser (Ctrl-C stops everything)."
            print(f"\n{'=' * len(banner)}\n{banner}\n{'=' * len(banner)}\n", flush=True)
        elif not stop.is_set():
            print("The servers did not all answer within 3 minutes; see the log above.", flush=True)

    watcher = threading.Thread(target=announce, daemon=True)
    watcher.start()
    try:
        manager.loop()
    finally:
        stop.set()
    return manager.returncode or 0
