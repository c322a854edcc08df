"""The run command's pieces: Procfile, endpoints, readiness, and train-only-when-changed."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from bot import launcher, training


def _server(status: int):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_procfile_starts_the_three_servers():
    commands = launcher.procfile_commands()
    assert set(commands) == {"rasa", "actions", "web"}
    assert "--enable-api" in commands["rasa"] and "$RASA_API_TOKEN" in commands["rasa"]
    assert "actions.server" in commands["actions"]


def test_endpoints_point_at_the_chosen_action_port(tmp_path):
    path = launcher.write_endpoints(6123, tmp_path / "endpoints.yml")
    assert "http://localhost:6123/webhook" in path.read_text()


def test_ready_when_every_server_answers():
    server = _server(200)
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        assert launcher.wait_until_ready({"a": url, "b": url}, timeout=5)
    finally:
        server.shutdown()


def test_a_server_without_a_model_fails_fast():
    server = _server(409)
    try:
        with pytest.raises(launcher.ServiceFailed, match="could not load its model"):
            launcher.wait_until_ready({"rasa": f"http://127.0.0.1:{server.server_port}/"}, timeout=5)
    finally:
        server.shutdown()


def test_waiting_stops_when_the_servers_died():
    assert launcher.wait_until_ready({"rasa": "http://127.0.0.1:9/"}, timeout=30, alive=lambda: False) is False


def test_the_fingerprint_follows_the_training_inputs(tmp_path):
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "config.yml").write_text("pipeline: []\n")
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: []\n")
    before = training.fingerprint(tmp_path)
    assert training.fingerprint(tmp_path) == before
    (tmp_path / "data" / "nlu" / "a.yml").write_text("nlu: [x]\n")
    assert training.fingerprint(tmp_path) != before
