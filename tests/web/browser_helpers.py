"""Small helpers shared by the mock and live browser tests: how a person uses the widget."""
from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

AXE_JS = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"

LOG = ".rw-log"
INPUT = ".rw-input"


def messages(page: Page, kind: str | None = None):
    """Locator for rendered messages, optionally of one kind (partner, user, guide, ...)."""
    selector = f"{LOG} > .rw-msg" if kind is None else f"{LOG} > .rw-msg--{kind}, {LOG} > [data-role='{kind}']"
    return page.locator(selector)


def type_and_send(page: Page, text: str) -> None:
    page.locator(INPUT).fill(text)
    page.locator(INPUT).press("Enter")


def click_quick_reply(page: Page, title: str) -> None:
    page.locator(f"{LOG} .rw-qr:not([disabled])", has_text=title).last.click()


def control(page: Page, label: str):
    return page.locator(".rw-controls .rw-ctl", has_text=label)


def wait_count(page: Page, locator_str: str, at_least: int, timeout: int = 15_000) -> None:
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length >= n", arg=[locator_str, at_least],
        timeout=timeout,
    )


def stored(page: Page) -> dict[str, str]:
    """Everything the widget keeps in the browser's storage (session and local)."""
    return page.evaluate(
        """() => {
            const out = {};
            for (const store of [sessionStorage, localStorage]) {
              for (let i = 0; i < store.length; i++) {
                const k = store.key(i);
                if (k.startsWith('rehearsal:')) out[k] = store.getItem(k);
              }
            }
            return out;
        }"""
    )


def stored_session_id(page: Page) -> str | None:
    for key, value in stored(page).items():
        if key.endswith(":session"):
            return value
    return None


def stored_transcript(page: Page) -> list:
    for key, value in stored(page).items():
        if key.endswith(":transcript"):
            return json.loads(value)
    return []


def run_axe(page: Page) -> list[dict]:
    """Serious and critical axe-core violations on the current page (needs bypass_csp)."""
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"] if v["impact"] in {"serious", "critical"}
    ]


def expect_no_js_errors(page: Page) -> None:
    assert getattr(page, "js_errors", []) == [], page.js_errors  # type: ignore[attr-defined]


__all__ = ["expect", "messages", "type_and_send", "click_quick_reply", "control", "wait_count",
           "stored", "stored_session_id", "stored_transcript", "run_axe", "expect_no_js_errors"]
