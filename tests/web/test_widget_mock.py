"""The chat widget in a real Chromium against a scripted Rasa socket.io server (fast)."""
from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.web.browser_helpers import (click_quick_reply, control, expect, expect_no_js_errors, messages,
                             run_axe, stored, stored_session_id, stored_transcript,
                             type_and_send, wait_count)
from tests.web.mock_rasa import SUGGESTION, partner

pytestmark = pytest.mark.browser

START = '/start_rehearsal{"kind":"refuse","activity":"blindfold","persona":"curious","difficulty":"gentle"}'


def open_page(new_page, web_server, query: str = "", **viewport):
    page = new_page(**viewport)
    page.goto(web_server.url + "/" + query)
    return page


def start_rehearsal(new_page, web_server, mock_rasa, **viewport):
    """Open the page on a homework link and wait for the partner's opening line."""
    page = open_page(new_page, web_server, "?start=" + quote(START), **viewport)
    expect(messages(page, "partner").first).to_contain_text("can I ask you something")
    return page


def test_first_open_greets_and_shows_the_age_question(new_page, web_server, mock_rasa):
    page = open_page(new_page, web_server)
    guide = messages(page, "guide").first
    expect(guide).to_contain_text("Are you 18 or older?")
    expect(guide.locator(".rw-qr")).to_have_text(["I'm 18 or older", "I'm under 18"])
    assert mock_rasa.messages() == ["/greet"]
    first_request = mock_rasa.events("session_request")[0]
    assert first_request == {"session_id": None}
    session_id = stored_session_id(page)
    assert session_id and len(session_id) >= 16
    assert all(m["session_id"] == session_id for m in mock_rasa.events("user_uttered"))
    # no user bubble for the automatic greeting
    expect(messages(page, "user")).to_have_count(0)
    expect_no_js_errors(page)


def test_quick_reply_sends_payload_and_shows_title(new_page, web_server, mock_rasa):
    page = open_page(new_page, web_server)
    click_quick_reply(page, "I'm 18 or older")
    expect(messages(page, "user").last).to_have_text(re.compile(r"I'm 18 or older"))
    expect(messages(page, "guide").nth(1)).to_contain_text("What would you like to practise?")
    assert mock_rasa.messages() == ["/greet", "/confirm_adult"]
    # the answered question's buttons can no longer be used
    expect(messages(page, "guide").first.locator(".rw-qr").first).to_be_disabled()
    expect(messages(page, "guide").nth(1).locator(".rw-qr").first).to_be_enabled()


def test_every_role_renders_differently(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    type_and_send(page, "If you loved me, you'd try it")
    expect(messages(page, "coach")).to_have_count(1)
    type_and_send(page, "[safety] my partner hurts me")
    expect(messages(page, "safety")).to_have_count(1)
    control(page, "End").click()
    expect(messages(page, "debrief")).to_have_count(1)

    partner_msg = messages(page, "partner").first
    expect(partner_msg.locator(".rw-name")).to_contain_text("Sam")
    expect(partner_msg.locator(".rw-avatar")).to_have_text("\U0001F642")
    expect(messages(page, "user").first.locator(".rw-bubble")).to_have_text("If you loved me, you'd try it")

    def look(selector: str) -> tuple[str, str, str]:
        return tuple(page.eval_on_selector(
            selector,
            "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.borderLeftColor, s.alignSelf]; }",
        ))

    looks = {
        "partner": look(".rw-msg--partner .rw-bubble"),
        "user": look(".rw-msg--user .rw-bubble"),
        "guide": look(".rw-msg--guide .rw-guide"),
        "coach": look("[data-role='coach']"),
        "debrief": look("[data-role='debrief']"),
        "safety": look("[data-role='safety']"),
    }
    assert len(set(looks.values())) == len(looks), looks
    # partner on the left, the user on the right
    assert page.eval_on_selector(".rw-msg--partner", "el => getComputedStyle(el).alignSelf") == "flex-start"
    assert page.eval_on_selector(".rw-msg--user", "el => getComputedStyle(el).alignSelf") == "flex-end"
    expect_no_js_errors(page)


def test_coach_card_highlights_the_words_and_use_this_wording_fills_the_input(
        new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    # an emoji before the span: Python offsets count code points, JS strings UTF-16 units
    said = "\U0001F605 If you loved me, you'd try it"
    type_and_send(page, said)
    card = messages(page, "coach").first
    expect(card.locator("mark.rw-mark--concern")).to_have_text("\U0001F605 If you loved me")
    expect(card.locator(".rw-said")).to_contain_text(said)
    expect(card).to_contain_text("Tying the request to love")
    expect(card.locator(".rw-tag--concern")).to_have_text("Guilt trip")
    expect(card.locator(".rw-rewrite-text")).to_have_text(SUGGESTION)
    expect(card).to_contain_text("What worked: Specific")
    sent_before = len(mock_rasa.messages())
    card.get_by_role("button", name="Use this wording").click()
    expect(page.locator(".rw-input")).to_have_value(SUGGESTION)
    expect(page.locator(".rw-input")).to_be_focused()
    page.wait_for_timeout(300)
    assert len(mock_rasa.messages()) == sent_before, "the rewrite must not be sent by itself"
    page.locator(".rw-input").press("Enter")
    mock_rasa.wait_for(lambda: mock_rasa.messages()[-1] == SUGGESTION)


def test_safety_panel_shows_resources_as_links(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    type_and_send(page, "[safety] my partner ignores my no")
    panel = messages(page, "safety").first
    expect(panel).to_contain_text("stepping out of the practice")
    support = panel.get_by_role("link", name="Support Line")
    expect(support).to_have_attribute("href", "https://example.org/support")
    expect(support).to_have_attribute("rel", "noopener noreferrer")
    expect(panel.get_by_role("link", name=re.compile("Call"))).to_have_attribute("href", "tel:+18007997233")
    expect(panel.get_by_role("link", name="Chat service")).to_have_attribute("href", "https://example.org/chat")
    expect(panel.locator(".rw-qr")).to_have_text(["Back to the menu"])
    # calm, not alarming red: a blue-ish tint
    r, g, b = map(int, re.findall(r"\d+", page.eval_on_selector(
        "[data-role='safety']", "el => getComputedStyle(el).backgroundColor"))[:3])
    assert b >= r and b >= g


def test_debrief_shows_score_bars_and_the_comparison(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    control(page, "End").click()
    first = messages(page, "debrief").first
    expect(first.locator(".rw-score")).to_have_count(4)
    expect(first.locator(".rw-delta")).to_have_count(0)
    expect(first.locator(".rw-score[data-skill='free_of_pressure'] .rw-score-name")).to_have_text("Free of pressure")
    widths = first.locator(".rw-bar-fill").evaluate_all("els => els.map(e => e.style.width)")
    assert widths == ["80%", "65%", "70%", "40%"]
    expect(first).to_contain_text("I'd like to try a blindfold")
    expect(first).to_contain_text("Asking again")
    expect(first.locator(".rw-kicker")).to_have_text("Debrief \u00B7 Asking")

    control(page, "End").click()
    second = messages(page, "debrief").nth(1)
    expect(second.locator(".rw-score[data-skill='clarity'] .rw-delta")).to_contain_text("\u25B2 +10")
    expect(second.locator(".rw-score[data-skill='clarity'] .rw-delta")).to_contain_text("up 10 since last time")
    expect(second.locator(".rw-score[data-skill='ownership'] .rw-delta--down")).to_contain_text("\u25BC \u22125")
    expect(second.locator(".rw-score[data-skill='openness'] .rw-delta--same")).to_have_count(1)
    second.get_by_role("button", name="Use this wording").click()
    expect(page.locator(".rw-input")).to_have_value(SUGGESTION)


def test_controls_send_their_payloads(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    for label, payload in [("Pause", "/slow_down"), ("Rewind", "/rewind"), ("Help", "/help"),
                           ("Stop", "/stop_roleplay")]:
        control(page, label).click()
        mock_rasa.wait_for(lambda: mock_rasa.messages()[-1] == payload)
    expect(messages(page, "partner").last).to_contain_text("let's slow down")
    expect(messages(page, "guide").last).to_contain_text("We've stopped")
    expect(page.locator(".rw-msg--control")).to_have_count(4)


def test_quick_exit_clears_everything_and_lands_on_a_neutral_page(new_page, web_server, mock_rasa):
    page = new_page()
    page.goto(web_server.url + "/health")  # something before the chat in the tab's history
    page.goto(web_server.url + "/?start=" + quote(START))
    type_and_send(page, "If you loved me, you'd try it")
    expect(messages(page, "coach")).to_have_count(1)
    assert stored(page), "the transcript is kept while chatting"
    page.get_by_role("button", name=re.compile("Quick exit")).click()
    page.wait_for_url(re.compile(r"/weather\.html$"))
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    assert stored(page) == {}
    page.go_back()
    assert not page.url.startswith(web_server.url + "/?") and page.url != web_server.url + "/"
    assert page.url.endswith("/health")
    # coming back later starts clean: a new session, the greeting, no old transcript
    page.goto(web_server.url + "/")
    expect(messages(page, "guide").first).to_contain_text("18 or older")
    expect(messages(page)).to_have_count(1)
    assert mock_rasa.events("session_request")[-1] == {"session_id": None}


def test_escape_twice_is_a_quick_exit(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    page.locator(".rw-input").fill("half-written line")
    page.keyboard.press("Escape")
    page.wait_for_timeout(150)
    assert page.url.startswith(web_server.url + "/")  and "weather" not in page.url
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"/weather\.html$"))
    assert stored(page) == {}


def test_reload_restores_the_transcript_and_the_session(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    type_and_send(page, "I'd like to try a blindfold, if you want to")
    expect(messages(page, "coach")).to_have_count(1)
    page.wait_for_timeout(700)
    session_id = stored_session_id(page)
    before = messages(page).all_inner_texts()
    sent_before = mock_rasa.messages()
    page.reload()
    expect(messages(page)).to_have_count(len(before))
    assert messages(page).all_inner_texts() == before
    mock_rasa.wait_for(lambda: len(mock_rasa.events("session_request")) == 2)
    assert mock_rasa.events("session_request")[1] == {"session_id": session_id}
    page.wait_for_timeout(300)
    assert mock_rasa.messages() == sent_before, "neither /greet nor the start payload is re-sent"
    type_and_send(page, "How do you feel about it?")
    expect(messages(page, "partner").last).to_contain_text("(turn 2)")
    assert stored_session_id(page) == session_id
    assert page.url == web_server.url + "/", "the homework link's payload is removed from the address"


def test_reconnects_after_the_server_drops_the_connection(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    session_id = stored_session_id(page)
    assert mock_rasa.drop_all() == 1
    mock_rasa.wait_for(lambda: len(mock_rasa.events("session_request")) >= 2)
    assert mock_rasa.events("session_request")[-1] == {"session_id": session_id}
    type_and_send(page, "Still there?")
    expect(messages(page, "partner").last).to_contain_text("(turn 1)")
    expect(page.locator(".rw-status")).to_be_hidden()


def test_messages_typed_while_offline_are_sent_after_reconnecting(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    session_id = stored_session_id(page)
    mock_rasa.stop()
    try:
        expect(page.locator(".rw-status")).to_contain_text("Reconnecting")
        type_and_send(page, "I'd like to try a blindfold")
        expect(messages(page, "user").last.locator(".rw-bubble")).to_have_text("I'd like to try a blindfold")
    finally:
        mock_rasa.start()
    expect(messages(page, "coach")).to_have_count(1, timeout=15_000)
    expect(page.locator(".rw-status")).to_be_hidden()
    assert mock_rasa.events("session_request")[-1] == {"session_id": session_id}
    assert mock_rasa.messages()[-1] == "I'd like to try a blindfold"
    assert len(messages(page, "partner").all()) == 2, "the rehearsal is still on screen"


def test_homework_link_sends_the_start_payload_first(new_page, web_server, mock_rasa):
    page = open_page(new_page, web_server,
                     "?kind=refuse&activity=blindfold&persona=curious&difficulty=gentle")
    expect(messages(page, "partner").first).to_be_visible()
    assert mock_rasa.messages() == [START]
    assert page.url == web_server.url + "/"
    page.reload()
    expect(messages(page, "partner").first).to_be_visible()
    page.wait_for_timeout(300)
    assert mock_rasa.messages() == [START], "a reload does not restart the rehearsal"


def test_start_query_parameter_url_encoded(new_page, web_server, mock_rasa):
    page = open_page(new_page, web_server, "?start=" + quote(START, safe=""))
    expect(messages(page, "guide").first).to_contain_text("Let's begin (refuse)")
    assert mock_rasa.messages() == [START]


def test_start_parameter_must_be_a_payload(new_page, web_server, mock_rasa):
    """A link cannot put words in the user's mouth: plain text in ?start= is ignored."""
    page = open_page(new_page, web_server, "?start=" + quote("I want to stop"))
    expect(messages(page, "guide").first).to_contain_text("18 or older")
    assert mock_rasa.messages() == ["/greet"]


def test_keyboard_only_flow(new_page, web_server, mock_rasa):
    page = open_page(new_page, web_server)
    expect(messages(page, "guide").first).to_be_visible()
    page.wait_for_timeout(700)
    order = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate(
            "() => { const e = document.activeElement.cloneNode(true);"
            " e.querySelectorAll('[aria-hidden]').forEach(n => n.remove());"
            " return (e.getAttribute('aria-label') || e.textContent || '').trim(); }"))
        if order[-1] == "I'm 18 or older":
            break
    assert order[0].startswith("Quick exit"), order
    assert [o for o in order if o.startswith(("Pause", "Stop", "Rewind", "Help", "End"))][:5] == [
        "Pause yellow", "Stop red", "Rewind", "Help", "End & debrief"], order
    assert order[-1] == "I'm 18 or older", order
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "focus must be visible"
    page.keyboard.press("Enter")
    expect(messages(page, "guide").nth(1)).to_contain_text("What would you like to practise?")
    # from the answer's buttons to the input: Tab forward, type, Enter sends
    page.keyboard.press("Shift+Tab")
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('rw-input')"):
            break
    assert page.evaluate("() => document.activeElement.classList.contains('rw-input')")
    page.keyboard.type("I'd like to try a blindfold")
    page.keyboard.press("Enter")
    mock_rasa.wait_for(lambda: mock_rasa.messages()[-1] == "I'd like to try a blindfold")
    expect(page.locator(".rw-input")).to_have_value("")
    page.keyboard.press("Shift+Enter")
    expect(page.locator(".rw-input")).to_have_value("\n")


def test_typing_indicator_shows_while_waiting(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    page.wait_for_timeout(800)
    expect(page.locator(".rw-typing")).to_be_hidden()
    mock_rasa.reply_delay = 1.0
    type_and_send(page, "I'd like to try something new")
    expect(page.locator(".rw-typing")).to_be_visible()
    expect(messages(page, "coach")).to_have_count(1, timeout=10_000)
    expect(page.locator(".rw-typing")).to_be_hidden(timeout=3_000)


def test_server_text_is_never_html(new_page, web_server, mock_rasa):
    mock_rasa.overrides["/greet"] = lambda message, session: [
        partner('<img src=x onerror="window.pwned=1"><b>bold</b>\n\nsecond paragraph'),
        {"role": "guide", "text": "<script>window.pwned=2</script>",
         "buttons": [{"title": "<i>x</i>", "payload": "/x"}]},
        {"role": "made-up", "text": "unknown roles fall back to the guide"},
        {"text": "plain Rasa text", "quick_replies": [{"title": "Yes", "payload": "/yes"}]},
        None, 42, {"data": None}, {"role": "partner"},
    ]
    page = open_page(new_page, web_server)
    expect(messages(page, "partner").first).to_contain_text('<img src=x onerror="window.pwned=1"><b>bold</b>')
    expect(messages(page, "partner").first.locator(".rw-bubble p")).to_have_count(2)
    assert page.locator(".rw-log img, .rw-log b, .rw-log script, .rw-log i").count() == 0
    expect(page.locator(".rw-log .rw-qr", has_text="<i>x</i>")).to_have_count(1)
    expect(messages(page, "guide")).to_have_count(3)
    expect(page.locator(".rw-log .rw-qr", has_text="Yes")).to_have_count(1)
    assert page.evaluate("() => window.pwned === undefined")
    expect_no_js_errors(page)


def test_embed_with_one_script_tag(new_page, web_server, mock_rasa):
    page = new_page(width=1280, height=800)
    page.goto(web_server.url + "/embed-example.html")
    launcher = page.locator(".rw-launcher")
    expect(launcher).to_have_text("Practice space")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    # the data-start payload goes first, instead of the greeting
    mock_rasa.wait_for(lambda: mock_rasa.messages())
    assert mock_rasa.messages() == [START]
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(messages(page, "partner").first).to_be_visible()
    expect(page.locator(".rw-input")).to_be_focused()
    type_and_send(page, "No thanks, that's not for me")
    expect(messages(page, "coach")).to_have_count(1)
    page.get_by_role("button", name="Minimise the practice chat").click()
    expect(page.locator(".rw--floating")).to_be_hidden()


def test_init_api_with_local_storage_option(new_page, web_server, mock_rasa):
    page = new_page()
    page.goto(web_server.url + "/weather.html")
    page.evaluate("""url => new Promise(done => {
        const s = document.createElement('script');
        s.src = url; s.dataset.manual = ''; s.onload = done; document.head.appendChild(s);
    })""", web_server.url + "/widget.js")
    assert page.locator(".rw").count() == 0, "data-manual: nothing until init()"
    page.evaluate(
        "([server, start]) => window.RehearsalWidget.init({server, start, title: 'Homework', "
        "storage: 'local', open: true})", [mock_rasa.url, START])
    expect(page.locator(".rw-title")).to_have_text("Homework")
    expect(messages(page, "partner").first).to_be_visible()
    keys = page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('rehearsal:'))")
    assert any(k.endswith(":session") for k in keys), keys
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('rehearsal:')).length") == 0


def test_region_from_the_browser_language_goes_in_the_metadata(new_page, web_server, mock_rasa):
    page = new_page(locale="en-GB")
    page.goto(web_server.url + "/")
    expect(messages(page, "guide").first).to_be_visible()
    assert mock_rasa.events("user_uttered")[0]["metadata"] == {"region": "GB"}


def test_history_download_is_saved_as_a_file(new_page, web_server, mock_rasa):
    page = start_rehearsal(new_page, web_server, mock_rasa)
    type_and_send(page, "/download_history")
    button = page.get_by_role("button", name="Save practice-history-0b8f3e12.json")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "practice-history-0b8f3e12.json"
    assert json.loads(Path(download.path()).read_text()) == {
        "attempts": [{"kind": "ask", "scores": {"clarity": 80}}]}


def _full_conversation(page, mock_rasa) -> None:
    click_quick_reply(page, "I'm 18 or older")
    click_quick_reply(page, "Ask for something")
    click_quick_reply(page, "A blindfold")
    expect(messages(page, "partner")).to_have_count(1)
    type_and_send(page, "If you loved me, you'd try it")
    expect(messages(page, "coach")).to_have_count(1)
    control(page, "End").click()
    expect(messages(page, "debrief")).to_have_count(1)
    control(page, "End").click()
    expect(messages(page, "debrief")).to_have_count(2)
    type_and_send(page, "[safety] my partner doesn't stop when I say no")
    expect(messages(page, "safety")).to_have_count(1)
    page.wait_for_timeout(800)


@pytest.mark.parametrize("width,height", [(360, 740), (1280, 800)])
def test_accessibility_has_no_serious_violations(new_page, web_server, mock_rasa, width, height):
    page = new_page(width=width, height=height, bypass_csp=True)
    page.goto(web_server.url + "/")
    expect(messages(page, "guide").first).to_be_visible()
    _full_conversation(page, mock_rasa)
    violations = run_axe(page)
    assert violations == [], json.dumps(violations, indent=1)
    log = page.locator(".rw-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    # nothing overflows sideways at phone width
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_reduced_motion_turns_animations_off(new_page, web_server, mock_rasa):
    page = new_page(reduced_motion="reduce")
    page.goto(web_server.url + "/")
    expect(messages(page, "guide").first).to_be_visible()
    assert page.eval_on_selector(".rw-msg", "el => getComputedStyle(el).animationName") == "none"
    moving = new_page(reduced_motion="no-preference")
    moving.goto(web_server.url + "/")
    expect(messages(moving, "guide").first).to_be_visible()
    assert moving.eval_on_selector(".rw-msg", "el => getComputedStyle(el).animationName") == "rw-in"


@pytest.mark.parametrize("width,height", [(360, 740), (1280, 800)])
def test_screenshots(new_page, web_server, mock_rasa, artifacts_dir, width, height):
    page = new_page(width=width, height=height)
    page.goto(web_server.url + "/")
    expect(messages(page, "guide").first).to_be_visible()
    click_quick_reply(page, "I'm 18 or older")
    click_quick_reply(page, "Ask for something")
    click_quick_reply(page, "A blindfold")
    expect(messages(page, "partner")).to_have_count(1)
    type_and_send(page, "If you loved me, you'd try it")
    expect(messages(page, "coach")).to_have_count(1)
    page.wait_for_timeout(800)
    tip = artifacts_dir / f"widget-coach-{width}x{height}.png"
    page.screenshot(path=str(tip))
    control(page, "End").click()
    control(page, "End").click()
    expect(messages(page, "debrief")).to_have_count(2)
    page.wait_for_timeout(800)
    messages(page, "debrief").last.evaluate("el => el.scrollIntoView({block: 'start'})")
    page.screenshot(path=str(artifacts_dir / f"widget-debrief-{width}x{height}.png"))
    type_and_send(page, "[safety] my partner doesn't stop when I say no")
    expect(messages(page, "safety")).to_have_count(1)
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts_dir / f"widget-safety-{width}x{height}.png"))
    assert page.evaluate("() => document.scrollingElement.scrollTop") == 0, "only the log scrolls"
    assert page.evaluate("() => document.documentElement.scrollHeight <= window.innerHeight + 1")
    for shot in artifacts_dir.glob(f"widget-*-{width}x{height}.png"):
        assert shot.stat().st_size > 10_000
    # the whole transcript survives in storage for a reload
    assert len(stored_transcript(page)) >= 8
