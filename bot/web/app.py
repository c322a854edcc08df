"""Serve the chat page and the embeddable widget, locally and privately.

The page itself talks to the Rasa server over socket.io; this app only hands out the static
files (``web/``), the socket.io client installed from npm (``npm ci --prefix web``), and
``/config.json`` telling the widget where Rasa is. ``create_app`` returns a plain Sanic app so
other parts of the product can register their own blueprints on it (for example ``/api/...``).
"""
from __future__ import annotations

import argparse
import itertools
import logging
import sys
from pathlib import Path
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request

from bot.paths import PROJECT_ROOT

WEB_DIR = PROJECT_ROOT / "web"
SOCKET_IO_CLIENT = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

# Only these kinds of top-level files in web/ are public; package.json, node_modules and the
# like are never served.
_PUBLIC_SUFFIXES = {".html", ".js", ".css", ".svg", ".png", ".ico", ".txt"}
_HTML_CACHE = "no-store"  # the page shows private conversations: never cache it


def _origins(rasa_url: str) -> list[str]:
    """The http(s) and ws(s) origins of the Rasa server, for the page's connect-src policy."""
    parts = urlsplit(rasa_url)
    if not parts.scheme or not parts.netloc:
        return []
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    return [f"{parts.scheme}://{parts.netloc}", f"{ws_scheme}://{parts.netloc}"]


def content_security_policy(rasa_url: str) -> str:
    """Everything from this server only, except the socket.io connection to Rasa."""
    connect = " ".join(["'self'", *_origins(rasa_url)])
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {connect}; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'self'; form-action 'self'"
    )


def _public_files(web_dir: Path) -> list[Path]:
    if not web_dir.is_dir():
        return []
    return sorted(
        p for p in web_dir.iterdir()
        if p.is_file() and p.suffix in _PUBLIC_SUFFIXES and not p.name.startswith(".")
    )


_app_count = itertools.count(1)


def _unique_name(name: str) -> str:
    """Sanic keeps a registry of app names; tests and embedders may build several apps."""
    n = next(_app_count)
    return name if n == 1 and name not in Sanic._app_registry else f"{name}_{n}"


def create_app(rasa_url: str, web_dir: Path | None = None, name: str = "rehearsal_web") -> Sanic:
    """Build the web app. Extend it with ``app.blueprint(...)`` before running it."""
    web_dir = Path(web_dir) if web_dir is not None else WEB_DIR
    rasa_url = (rasa_url or "").strip().rstrip("/")
    app = Sanic(_unique_name(name))
    app.config.RASA_URL = rasa_url
    app.config.WEB_DIR = str(web_dir)
    csp = content_security_policy(rasa_url)

    @app.get("/health")
    async def health(_request: Request):
        return response.json({"status": "ok"})

    @app.get("/config.json")
    async def config(_request: Request):
        return response.json({"server": rasa_url}, headers={"Cache-Control": "no-store"})

    @app.get("/vendor/socket.io.min.js")
    async def socket_io_client(_request: Request):
        if not SOCKET_IO_CLIENT.is_file():
            return response.text(
                "socket.io client missing: run `npm ci --prefix web`", status=503
            )
        return await response.file(
            SOCKET_IO_CLIENT, mime_type="application/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )

    index = web_dir / "index.html"

    @app.route("/", methods=["GET", "HEAD"])
    async def page(_request: Request):
        return await response.file(index, mime_type="text/html; charset=utf-8")

    for path in _public_files(web_dir):
        app.static(f"/{path.name}", str(path), name=f"static_{path.stem}_{path.suffix[1:]}")

    @app.on_response
    async def privacy_headers(_request: Request, resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        if (resp.content_type or "").startswith("text/html"):
            resp.headers.setdefault("Content-Security-Policy", csp)
            resp.headers["Cache-Control"] = _HTML_CACHE

    return app


def _parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rehearse web", description="Serve the chat page.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (8080)")
    parser.add_argument("--rasa-url", default="http://localhost:5005",
                        help="the Rasa server the page connects to (http://localhost:5005)")
    return parser.parse_args(argv)


def serve_main(argv: list[str] | None = None) -> int:
    """``rehearse web``: serve the page until interrupted; prints only the address."""
    args = _parse_args(list(sys.argv[1:] if argv is None else argv))
    if not 0 < args.port < 65536:
        print(f"rehearse web: invalid port {args.port}", file=sys.stderr)
        return 2
    if not _origins(args.rasa_url):
        print(f"rehearse web: --rasa-url must look like http://host:port, got {args.rasa_url!r}",
              file=sys.stderr)
        return 2
    app = create_app(args.rasa_url)
    from bot.web.privacy_api import blueprint as privacy_api

    app.blueprint(privacy_api)  # export / delete a session's data (docs/api.md)
    for logger_name in ("sanic.root", "sanic.error", "sanic.access", "sanic.server"):
        logging.getLogger(logger_name).setLevel(logging.WARNING)
    shown_host = "localhost" if args.host in {"127.0.0.1", "0.0.0.0", "::"} else args.host
    print(f"Chat page: http://{shown_host}:{args.port}/", flush=True)
    app.run(host=args.host, port=args.port, access_log=False, motd=False, debug=False)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve_main())
