"""The chat page in Chromium against the real product: Rasa, the action server and the web app,
started once per test session by the ``live_stack`` fixture (tests/support/live_stack.py).

A person's path through the page: the greeting, the 18+ question, the menu buttons, typed lines
with a live tip after each, the controls, the debrief card; plus reload and quick exit. Menu
titles come from the catalog the server reads, so a wording change in data/ does not break them.
"""
from __future__ import annotations

import re
import threading
from urllib.parse import urlencode

import pytest

from bot import catalog
from tests.web.browser_helpers import (click_quick_reply, control, expect, expect_no_js_errors,
                                       messages, run_axe, stored, stored_session_id,
                                       type_and_send)

pytestmark = [pytest.mark.browser, pytest.mark.live]

TURN_TIMEOUT = 30_000  # ms for one answer from the real stack (NLU + action server)


def test_socketio_answers_a_session_persistent_client_with_the_message_objects(live_stack):
    """Rasa 3.6's socket.io channel never awaited ``enter_room`` (rasa#13027); with
    components/socketio_channel.py a session-persistent client gets its answers, and each
    custom payload arrives as the message object itself (not null: the ``data`` wrapper)."""
    import socketio

    received: list = []
    done = threading.Event()
    client = socketio.Client(reconnection=False)

    def on_bot(message):
        received.append(message)
        if len(received) >= 3:
            done.set()

    client.on("session_confirm", lambda session_id: client.emit(
        "user_uttered", {"message": "/greet", "session_id": session_id, "metadata": {}}))
    client.on("bot_uttered", on_bot)
    try:
        client.connect(live_stack.rasa_url, socketio_path="socket.io", transports=["polling"], wait_timeout=10)
        client.emit("session_request", {"session_id": None})
        assert done.wait(30), f"no answers over socket.io: {received}"
    finally:
        client.disconnect()
    messages = [m.get("data", m) if isinstance(m, dict) else m for m in received]
    assert all(isinstance(m, dict) and m.get("role") == "guide" and m.get("text") for m in messages), messages


def _title(choices, choice_id: str) -> str:
    return next(c.title for c in choices if c.id == choice_id)


def _wait_quiet(page, ms: int = 700) -> None:
    """Wait until the bot has finished its burst (the typing indicator hides ~600 ms after)."""
    expect(page.locator(".rw-typing")).to_be_hidden(timeout=TURN_TIMEOUT)
    page.wait_for_timeout(ms)


def _last_guide_buttons(page):
    return page.locator(".rw-log .rw-qr:not([disabled])")


def open_and_confirm_adult(page, url: str) -> None:
    page.goto(url)
    guide = messages(page, "guide")
    expect(guide.filter(has_text="18")).not_to_have_count(0, timeout=TURN_TIMEOUT)
    expect(page.locator(".rw-log")).to_contain_text("not therapy")
    click_quick_reply(page, "I'm 18 or older")
    expect(_last_guide_buttons(page).filter(has_text=_title(catalog.kinds(), "ask"))).to_have_count(
        1, timeout=TURN_TIMEOUT)


def set_up_rehearsal(page, url: str, kind: str, activity: str | None, persona: str,
                     difficulty: str) -> None:
    """Through the page's buttons; ``activity`` None taps the first offered, else it is typed."""
    open_and_confirm_adult(page, url)
    click_quick_reply(page, _title(catalog.kinds(), kind))
    _wait_quiet(page)
    if activity is None:
        first = _last_guide_buttons(page).first
        expect(first).to_be_visible()
        first.click()
    else:
        type_and_send(page, activity)
    persona_title = _title(catalog.personas(), persona)
    expect(_last_guide_buttons(page).filter(has_text=persona_title)).to_have_count(1, timeout=TURN_TIMEOUT)
    click_quick_reply(page, persona_title)
    difficulty_title = _title(catalog.difficulties(), difficulty)
    expect(_last_guide_buttons(page).filter(has_text=difficulty_title)).to_have_count(1, timeout=TURN_TIMEOUT)
    click_quick_reply(page, difficulty_title)
    expect(messages(page, "partner").first).to_be_visible(timeout=TURN_TIMEOUT)
    partner = messages(page, "partner").first
    expect(partner.locator(".rw-name")).not_to_have_text("")
    _wait_quiet(page)


def say_line(page, text: str) -> str:
    """Type a line; wait for the coach's tip or the debrief. Returns which one came."""
    tips_before = messages(page, "coach").count()
    debriefs_before = messages(page, "debrief").count()
    type_and_send(page, text)
    page.wait_for_function(
        "([t, d]) => document.querySelectorAll(\".rw-log > [data-role='coach']\").length > t"
        " || document.querySelectorAll(\".rw-log > [data-role='debrief']\").length > d",
        arg=[tips_before, debriefs_before], timeout=TURN_TIMEOUT)
    _wait_quiet(page)
    return "debrief" if messages(page, "debrief").count() > debriefs_before else "tip"


def finish(page):
    if messages(page, "debrief").count() == 0:
        control(page, "End").click()
    card = messages(page, "debrief").last
    expect(card).to_be_visible(timeout=TURN_TIMEOUT)
    return card


@pytest.mark.parametrize(
    "kind, activity, persona, difficulty, lines",
    [
        ("ask", None, "curious", "gentle",
         ["I'd love to try something new with you sometime. How would you feel about that?",
          "No pressure at all, we could start slowly and stop any time."]),
        ("refuse", "filming", "playful", "realistic",
         ["No, I don't want to do that.", "I said no, and my answer is still no."]),
        ("renegotiate", None, "anxious", "gentle",
         ["We agreed on this before, and I'd like to change it from now on.",
          "How does that sound to you? Can we check in about it next month?"]),
    ],
)
def test_a_full_rehearsal_of_each_kind_through_the_page(live_stack, new_page, kind, activity,
                                                          persona, difficulty, lines):
    page = new_page(width=1280, height=800)
    set_up_rehearsal(page, live_stack.web_url, kind, activity, persona, difficulty)
    for line in lines:
        if say_line(page, line) == "debrief":
            break
        card = messages(page, "coach").last
        expect(card.locator(".rw-said")).to_contain_text(line)
    card = finish(page)
    expect(card.locator(".rw-score")).not_to_have_count(0)
    widths = card.locator(".rw-bar-fill").evaluate_all("els => els.map(e => parseFloat(e.style.width))")
    assert widths and all(0 <= w <= 100 for w in widths)
    expect(card.locator(".rw-qr")).not_to_have_count(0)
    # everything the user typed is in the transcript, on the right-hand side
    user_texts = messages(page, "user").all_inner_texts()
    assert all(any(line in t for t in user_texts) for line in lines[:1])
    expect_no_js_errors(page)


def test_the_coach_card_use_this_wording_then_send(live_stack, new_page):
    page = new_page(width=360, height=740)
    set_up_rehearsal(page, live_stack.web_url, "ask", None, "anxious", "gentle")
    said = "If you really loved me you would do it"
    assert say_line(page, said) == "tip"
    card = messages(page, "coach").last
    mark = card.locator("mark.rw-mark--concern")
    expect(mark).to_have_count(1)
    highlighted = mark.inner_text()
    assert highlighted and highlighted in said
    expect(card.locator(".rw-tag--concern")).to_have_text("Guilt trip")
    suggestion = card.locator(".rw-rewrite-text").inner_text().strip("\u201c\u201d")
    assert suggestion and suggestion != said
    card.get_by_role("button", name="Use this wording").click()
    expect(page.locator(".rw-input")).to_have_value(suggestion)
    expect(page.locator(".rw-input")).to_be_focused()
    partners = messages(page, "partner").count()
    page.locator(".rw-input").press("Enter")
    expect(messages(page, "partner")).to_have_count(partners + 1, timeout=TURN_TIMEOUT)
    expect(messages(page, "user").last).to_contain_text(suggestion)
    debrief = finish(page)
    expect(debrief).to_contain_text("Worth another try")


def test_stop_pause_and_rewind_buttons(live_stack, new_page):
    page = new_page()
    set_up_rehearsal(page, live_stack.web_url, "ask", None, "guarded", "realistic")
    say_line(page, "I'd like to try something new with you sometime.")

    partners = messages(page, "partner").count()
    control(page, "Pause").click()
    expect(messages(page, "partner")).to_have_count(partners + 1, timeout=TURN_TIMEOUT)
    _wait_quiet(page)

    say_line(page, "you owe me this")
    guides = messages(page, "guide").count()
    control(page, "Rewind").click()
    expect(messages(page, "guide")).to_have_count(guides + 1, timeout=TURN_TIMEOUT)
    _wait_quiet(page)

    partners = messages(page, "partner").count()
    control(page, "Stop").click()
    stop = page.locator(".rw-log > [data-role='guide'][data-type='stop']")
    expect(stop).to_have_count(1, timeout=TURN_TIMEOUT)
    _wait_quiet(page)
    assert messages(page, "partner").count() == partners, "stop answers out of role only"
    expect(stop.locator(".rw-qr")).not_to_have_count(0)
    expect(page.locator(".rw-msg--control")).to_have_count(3)
    debrief = finish(page)
    assert "Scorekeeping" not in debrief.inner_text(), "the rewound line is gone from the debrief"


def test_reload_in_the_middle_of_a_rehearsal(live_stack, new_page):
    page = new_page()
    set_up_rehearsal(page, live_stack.web_url, "refuse", "spanking", "curious", "gentle")
    say_line(page, "No, that's not something I want.")
    session_id = stored_session_id(page)
    before = messages(page).all_inner_texts()
    page.reload()
    expect(messages(page)).to_have_count(len(before))
    page.wait_for_timeout(1500)
    assert messages(page).all_inner_texts() == before, "nothing new: no second greeting"
    assert stored_session_id(page) == session_id
    partners = messages(page, "partner").count()
    type_and_send(page, "I'm sure, my answer is no.")
    page.wait_for_function(
        "n => document.querySelectorAll(\".rw-log > [data-role='partner'], .rw-log > [data-role='debrief']\").length > n",
        arg=partners, timeout=TURN_TIMEOUT)
    debrief = finish(page)
    expect(debrief.locator(".rw-kicker")).to_contain_text("Saying no")


def test_quick_exit_in_the_middle_of_a_rehearsal(live_stack, new_page):
    page = new_page(width=360, height=740)
    set_up_rehearsal(page, live_stack.web_url, "ask", None, "playful", "gentle")
    say_line(page, "I'd like to try something new with you.")
    assert stored(page)
    page.get_by_role("button", name=re.compile("Quick exit")).click()
    page.wait_for_url(re.compile(r"/weather\.html$"))
    assert stored(page) == {}
    page.go_back()
    assert "weather" not in page.url or page.url == "about:blank"
    page.goto(live_stack.web_url + "/")
    expect(messages(page, "guide").filter(has_text="18")).not_to_have_count(0, timeout=TURN_TIMEOUT)
    assert messages(page, "partner").count() == 0, "a fresh start after leaving"


def test_homework_link_starts_the_rehearsal_after_the_age_question(live_stack, new_page):
    page = new_page()
    query = urlencode({"kind": "refuse", "activity": "blindfold", "persona": "playful", "difficulty": "gentle"})
    page.goto(f"{live_stack.web_url}/?{query}")
    expect(messages(page, "guide").filter(has_text="18")).not_to_have_count(0, timeout=TURN_TIMEOUT)
    click_quick_reply(page, "I'm 18 or older")
    expect(messages(page, "partner").first).to_be_visible(timeout=TURN_TIMEOUT)
    assert page.url.rstrip("/") == live_stack.web_url, "the homework payload leaves the address bar"


def test_a_disclosure_shows_the_calm_safety_panel(live_stack, new_page):
    page = new_page()
    set_up_rehearsal(page, live_stack.web_url, "ask", None, "curious", "gentle")
    type_and_send(page, "My partner hits me when I say no.")
    panel = messages(page, "safety").last
    expect(panel).to_be_visible(timeout=TURN_TIMEOUT)
    links = panel.locator(".rw-resources a")
    expect(links).not_to_have_count(0)
    hrefs = links.evaluate_all("els => els.map(a => a.getAttribute('href'))")
    assert all(h.startswith(("https://", "http://", "tel:")) for h in hrefs), hrefs


def test_the_live_page_has_no_serious_accessibility_violations(live_stack, new_page):
    page = new_page(width=360, height=740, bypass_csp=True)
    set_up_rehearsal(page, live_stack.web_url, "ask", None, "curious", "gentle")
    say_line(page, "If you really loved me you would do it")
    finish(page)
    _wait_quiet(page)
    violations = run_axe(page)
    assert violations == [], violations
