"""Signing up, the connection state and the chat history, as a user meets them in Chromium."""

from __future__ import annotations

from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.live import LiveServer
from tests.web.browser import PASSWORD, console_errors, row, sign_up, wait
from tests.web.test_web_layout import shoot
from tests.web.test_web_tasks import add

# Record the JSON bodies the page sends, without changing what it sends.
RECORD_BODIES = """
window.__sent = [];
const original = window.fetch;
window.fetch = (input, init) => {
  if (init && typeof init.body === "string") {
    window.__sent.push([String(input), JSON.parse(init.body)]);
  }
  return original(input, init);
};
"""

CONTROLS = "#app-view input, #app-view select, #app-view button"


def test_sign_in_page_has_no_offline_pill_and_sign_up_offers_the_overdue_choice(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    browser.get(live_server.url + "/")
    wait(browser, lambda d: d.find_element(By.ID, "auth-view").is_displayed())
    assert not browser.find_element(By.ID, "live").is_displayed()
    assert "offline" not in browser.find_element(By.TAG_NAME, "header").text
    box = browser.find_element(By.ID, "auth-reschedule")
    assert box.get_attribute("type") == "checkbox" and not box.is_selected()
    label = box.find_element(By.XPATH, "./ancestor::label").text
    assert label == "Move overdue tasks to today every night"
    shoot(browser, "desktop-signin", tmp_path)

    browser.execute_script(RECORD_BODIES)
    browser.find_element(By.ID, "auth-username").send_keys("chooser")
    browser.find_element(By.ID, "auth-password").send_keys(PASSWORD)
    box.click()
    browser.find_element(By.ID, "register-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "live").text == "live")
    sent = dict(
        (url.rsplit("/", 1)[-1], body)
        for url, body in browser.execute_script("return window.__sent")
    )
    assert sent["register"]["reschedule_overdue"] is True
    schema = api.get("/openapi.json").json()["components"]["schemas"]["RegisterRequest"]
    if "reschedule_overdue" in schema["properties"]:
        token = browser.execute_script("return localStorage.getItem('behflow.token')")
        process = api.get(
            "/api/v1/processes/reschedule-overdue", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert process["enabled"] is True

    # Logging out revokes the token on the server, and nothing the page still had running
    # (the live stream, a pending reload) is answered 401 on the way out.
    token = browser.execute_script("return localStorage.getItem('behflow.token')")
    browser.find_element(By.ID, "logout").click()
    wait(browser, lambda d: d.find_element(By.ID, "auth-view").is_displayed())
    wait(
        browser,
        lambda d: api.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401,
        message="the token still works after Log out",
    )
    # Logging in again: the form is the same; unchecked sends false.
    assert not browser.find_element(By.ID, "live").is_displayed()
    browser.execute_script(RECORD_BODIES)
    browser.find_element(By.ID, "auth-username").send_keys("declined")
    browser.find_element(By.ID, "auth-password").send_keys(PASSWORD)
    browser.find_element(By.ID, "register-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "live").text == "live")
    body = browser.execute_script("return window.__sent")[0][1]
    assert body["reschedule_overdue"] is False
    if "reschedule_overdue" in schema["properties"]:
        token = browser.execute_script("return localStorage.getItem('behflow.token')")
        process = api.get(
            "/api/v1/processes/reschedule-overdue", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert process["enabled"] is False  # off unless chosen
    assert console_errors(browser) == []


def test_inputs_are_disabled_while_the_server_is_unreachable(
    browser: WebDriver,
    live_server: LiveServer,
    live_server_env: dict[str, str],
    api: httpx.Client,
    tmp_path: Path,
) -> None:
    token = sign_up(browser, live_server.url, "offliner")
    add(api, token, title="Survives the outage")
    row(browser, "Survives the outage")
    enabled = (
        "return [...document.querySelectorAll(arguments[0])].filter((n) => !n.disabled).length"
    )
    assert browser.execute_script(enabled, CONTROLS) > 5

    live_server.kill()
    wait(browser, lambda d: d.find_element(By.ID, "live").text == "offline", message="still live")
    wait(
        browser, lambda d: d.execute_script(enabled, CONTROLS) == 0, message="inputs still enabled"
    )
    assert browser.find_element(By.ID, "quick-text").get_attribute("disabled") is not None
    shoot(browser, "desktop-offline", tmp_path)

    again = LiveServer(live_server_env, tmp_path / "server-again.log", port=live_server.port)
    again.start()
    try:
        wait(browser, lambda d: d.find_element(By.ID, "live").text == "live", timeout=20)
        wait(browser, lambda d: d.execute_script(enabled, CONTROLS) > 5, message="still disabled")
        quick = browser.find_element(By.ID, "quick-text")
        quick.send_keys("Typed after the outage")
        browser.find_element(By.CSS_SELECTOR, "#quick-add button").click()
        row(browser, "Typed after the outage")
        # The outage's own network errors (refused, reset, a stream cut mid-chunk) and nothing else.
        outage = (
            "ERR_CONNECTION_REFUSED",
            "ERR_CONNECTION_RESET",
            "ERR_EMPTY_RESPONSE",  # a request in flight when the server was killed
            "ERR_INCOMPLETE_CHUNKED",
        )
        entries = [e for e in console_errors(browser) if not any(o in e for o in outage)]
        assert entries == []
    finally:
        again.stop()


def test_chat_history_comes_back_after_a_reload(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    sign_up(browser, live_server.url, "talker")
    chat = browser.find_element(By.ID, "chat-text")
    chat.send_keys("add water the plants tomorrow")
    browser.find_element(By.CSS_SELECTOR, "#chat-form button").click()
    reply = "#chat-log li.msg.agent:not(.pending-reply)"
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, reply), message="no reply")
    row(browser, "Water the plants")

    def log(d: WebDriver) -> list[tuple[str, str]]:
        return [
            (
                item.find_element(By.CSS_SELECTOR, ".who").text,
                item.find_element(By.CSS_SELECTOR, "p").text,
            )
            for item in d.find_elements(By.CSS_SELECTOR, "#chat-log li.msg")
        ]

    before = log(browser)
    assert [who for who, _ in before] == ["YOU", "AGENT"]  # labels, shown in small capitals
    assert before[0][1] == "add water the plants tomorrow" and before[1][1]
    browser.refresh()
    wait(browser, lambda d: log(d) == before, message="history not restored")

    # The conversation continues in the same session: "it" still means the plants.
    chat = browser.find_element(By.ID, "chat-text")
    chat.send_keys("mark it done")
    browser.find_element(By.CSS_SELECTOR, "#chat-form button").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, reply)) == 2)
    shoot(browser, "desktop-chat", tmp_path)
    token = browser.execute_script("return localStorage.getItem('behflow.token')")
    sessions = api.get("/api/v1/chat/sessions", headers={"Authorization": f"Bearer {token}"})
    assert len(sessions.json()) == 1
    assert console_errors(browser) == []
