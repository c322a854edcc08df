"""Fixtures for the browser tests: Debian's Chromium through Playwright, the page's web server,
and a scripted stand-in for Rasa's socket.io channel."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.web.mock_rasa import MockRasa, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
AXE_JS = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SOCKET_IO_JS = PROJECT_ROOT / "web" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]


def _require_browser_setup() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install -y chromium)")
    if not SOCKET_IO_JS.exists() or not AXE_JS.exists():
        missing.append("web/node_modules (npm ci --prefix web)")
    if missing:
        pytest.skip("browser tests need " + " and ".join(missing))


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run; each test gets its own context."""
    _require_browser_setup()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
    pw.stop()


def wait_http(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


class WebServer:
    """``rehearse web`` in a subprocess, as the README runs it."""

    def __init__(self, rasa_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "web", "--host", "127.0.0.1",
             "--port", str(self.port), "--rasa-url", rasa_url],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        try:
            wait_http(self.url + "/health")
        except RuntimeError:
            self.stop()
            raise

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="session")
def mock_rasa_server():
    _require_browser_setup()
    server = MockRasa().start()
    yield server
    server.close()


@pytest.fixture()
def mock_rasa(mock_rasa_server):
    """The session's mock Rasa, emptied of history and overrides for this test."""
    mock_rasa_server.reset()
    yield mock_rasa_server
    mock_rasa_server.reset()


@pytest.fixture(scope="session")
def web_server(mock_rasa_server):
    server = WebServer(mock_rasa_server.url)
    yield server
    server.stop()


@pytest.fixture()
def new_page(chromium):
    """Factory: a fresh, isolated browser context (own sessionStorage) at a given viewport."""
    contexts = []

    def make(width: int = 1280, height: int = 800, reduced_motion: str = "reduce",
             bypass_csp: bool = False, locale: str = "en-US"):
        # bypass_csp only for injecting axe-core, which Playwright adds as an inline script.
        context = chromium.new_context(viewport={"width": width, "height": height},
                                       reduced_motion=reduced_motion, bypass_csp=bypass_csp,
                                       locale=locale, accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors  # type: ignore[attr-defined]
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture()
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="module")
def page_server():
    """The web app alone (no browser, no Rasa needed) for HTTP-level tests."""
    server = WebServer("http://127.0.0.1:5999")
    yield server
    server.stop()
