"""The page's web server over HTTP: what it serves, what it never serves, and its headers."""
from __future__ import annotations

import httpx
import pytest

from bot.web.app import content_security_policy, create_app, serve_main


def test_config_tells_the_widget_where_rasa_is(page_server):
    r = httpx.get(page_server.url + "/config.json")
    assert r.status_code == 200
    assert r.json() == {"server": "http://127.0.0.1:5999"}
    assert r.headers["cache-control"] == "no-store"


def test_health(page_server):
    assert httpx.get(page_server.url + "/health").json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/", "/widget.js", "/widget.css", "/weather.html", "/embed-example.html"])
def test_the_page_and_widget_are_served(page_server, path):
    r = httpx.get(page_server.url + path)
    assert r.status_code == 200 and r.content


def test_socket_io_client_comes_from_npm(page_server):
    r = httpx.get(page_server.url + "/vendor/socket.io.min.js")
    if r.status_code == 503:
        pytest.skip("npm ci --prefix web has not been run")
    assert r.status_code == 200
    assert "javascript" in r.headers["content-type"]
    assert "Socket" in r.text or "socket" in r.text


@pytest.mark.parametrize("path", ["/package.json", "/package-lock.json", "/node_modules/axe-core/axe.min.js",
                                  "/../pyproject.toml", "/%2e%2e/pyproject.toml", "/bot/web/app.py"])
def test_nothing_else_is_served(page_server, path):
    assert httpx.get(page_server.url + path).status_code == 404


def test_html_is_private_and_locked_down(page_server):
    r = httpx.get(page_server.url + "/")
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self' http://127.0.0.1:5999 ws://127.0.0.1:5999" in csp
    assert "https://" not in r.text, "no CDN or external fonts"


def test_csp_follows_the_rasa_scheme():
    assert "wss://chat.example.org" in content_security_policy("https://chat.example.org")
    assert content_security_policy("nonsense").count("connect-src 'self';") == 1


def test_create_app_can_be_extended_with_blueprints():
    from sanic import Blueprint, response

    bp = Blueprint("privacy_test", url_prefix="/api")

    @bp.get("/ping")
    async def ping(_request):
        return response.json({"pong": True})

    first, second = create_app("http://localhost:5005"), create_app("http://localhost:5005")
    assert first.name != second.name, "several apps in one process"
    first.blueprint(bp)
    first.router.finalize()
    assert any(r.path == "api/ping" for r in first.router.routes)


@pytest.mark.parametrize("argv", [["--rasa-url", "localhost"], ["--port", "0"], ["--port", "70000"]])
def test_serve_main_rejects_bad_arguments(argv, capsys):
    assert serve_main(argv) == 2
    assert "rehearse web" in capsys.readouterr().err
