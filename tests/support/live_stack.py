"""Start the real product (Rasa server, action server, web page) for end-to-end tests.

It runs ``rehearse run`` exactly as the README's command does, on free ports, with a fresh
SQLite database in a temporary folder, waits until every server answers, and stops the whole
process group afterwards.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.launcher import health_urls, wait_until_ready
from bot.paths import PROJECT_ROOT
from bot.training import model_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveStack:
    """A running product. ``say`` talks to it over the REST webhook."""

    workdir: Path
    rasa_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    log_path: Path | None = None

    @property
    def rasa_url(self) -> str:
        return f"http://localhost:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://localhost:{self.web_port}"

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.workdir / 'rehearse.db'}"

    def start(self, timeout: float = 240.0) -> "LiveStack":
        if not model_path().exists():
            raise RuntimeError("No trained model: run `make test` (it trains first) or `rehearse train`.")
        env = dict(os.environ, DATABASE_URL=self.database_url, REHEARSE_KEY_FILE=str(self.workdir / "secret.key"),
                   REHEARSE_REGION="")
        self.log_path = self.workdir / "servers.log"
        subprocess.run([str(Path(sys.executable).with_name("rehearse")), "db", "upgrade"], env=env, check=True,
                       cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL)
        env["RASA_API_TOKEN"] = self.rasa_token
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("rehearse")), "run", "--rasa-port", str(self.rasa_port),
             "--actions-port", str(self.actions_port), "--web-port", str(self.web_port)],
            cwd=PROJECT_ROOT, env=env, stdout=self.log_path.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        urls = health_urls(self.rasa_port, self.actions_port, self.web_port, self.rasa_token)
        if not wait_until_ready(urls, timeout=timeout, alive=lambda: self.process.poll() is None):
            self.stop()
            raise RuntimeError(f"The servers did not start; log:\n{self.log_path.read_text()[-4000:]}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def say(self, sender: str, message: str, **extra) -> list[dict]:
        """Send one message over the REST webhook; return the bot messages' ``data`` dicts."""
        response = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook",
                              json={"sender": sender, "message": message, **extra}, timeout=60)
        response.raise_for_status()
        return [unwrap(item) for item in response.json()]


def unwrap(item: dict) -> dict:
    """A REST output item as the message dict the widget sees."""
    custom = item.get("custom")
    if isinstance(custom, dict):
        return custom.get("data", custom)
    return {"role": None, "text": item.get("text"), "raw": item}
