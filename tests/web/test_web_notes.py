"""Notes in the web page's detail view, in headless Chromium against a real server: listed as
safe Markdown (an XSS attempt stays text), added, edited, deleted, and live."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.live import LiveServer
from tests.web.browser import console_errors, sign_up, wait
from tests.web.test_web_tasks import add, headers, open_detail

ATTACK = (
    '<img src=x onerror="window.__xss=1"> and [click me](javascript:window.__xss=2) '
    "**bold** see https://example.com/x\n\n- [ ] ask about the boiler\n"
    "<script>window.__xss=3</script>"
)


def _notes(api: httpx.Client, token: str, number: int) -> list[str]:
    response = api.get(f"/api/v1/tasks/{number}/notes", headers=headers(token))
    assert response.status_code == 200, response.text
    return [note["body"] for note in response.json()["items"]]


def _shown(driver: WebDriver) -> list[str]:
    return [n.text for n in driver.find_elements(By.CSS_SELECTOR, "#detail-notes .note-body")]


def test_notes_are_safe_markdown_and_editable(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client
) -> None:
    token = sign_up(browser, live_server.url, "nora")
    number = add(api, token, title="Fix the heating")["number"]
    posted = api.post(
        f"/api/v1/tasks/{number}/notes", json={"body": ATTACK}, headers=headers(token)
    )
    assert posted.status_code == 201, posted.text
    open_detail(browser, "Fix the heating")
    wait(browser, lambda d: len(_shown(d)) == 1, message="note not listed")

    notes = browser.find_element(By.ID, "detail-notes")
    assert notes.find_elements(By.TAG_NAME, "img") == []
    assert notes.find_elements(By.TAG_NAME, "script") == []
    assert notes.find_elements(By.CSS_SELECTOR, "a[href^='javascript']") == []
    assert browser.execute_script("return window.__xss") is None
    assert notes.find_element(By.TAG_NAME, "strong").text == "bold"
    link = notes.find_element(By.CSS_SELECTOR, "a[href='https://example.com/x']")
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    body = _shown(browser)[0]
    assert '<img src=x onerror="window.__xss=1">' in body and "☐ ask about the boiler" in body
    assert "click me (javascript:window.__xss=2)" in body

    browser.find_element(By.ID, "detail-note-text").send_keys("plumber comes *friday*")
    browser.find_element(By.ID, "detail-note-add").click()
    wait(browser, lambda d: len(_shown(d)) == 2, message="added note not shown")
    assert _notes(api, token, number)[1] == "plumber comes *friday*"
    assert browser.find_elements(By.CSS_SELECTOR, "#detail-notes .note em")[0].text == "friday"

    second = browser.find_elements(By.CSS_SELECTOR, "#detail-notes .note")[1]
    second.find_element(By.XPATH, ".//button[text()='Edit']").click()
    editor = browser.find_element(By.CSS_SELECTOR, "#detail-notes textarea.note-edit")
    editor.clear()
    editor.send_keys("plumber comes monday")
    browser.find_element(By.XPATH, "//button[text()='Save note']").click()
    wait(browser, lambda d: _notes(api, token, number)[1:] == ["plumber comes monday"])
    wait(browser, lambda d: _shown(d)[1:] == ["plumber comes monday"], message="edit not shown")

    first = browser.find_elements(By.CSS_SELECTOR, "#detail-notes .note")[0]
    first.find_element(By.XPATH, ".//button[text()='Delete']").click()
    wait(browser, lambda d: _notes(api, token, number) == ["plumber comes monday"])
    wait(browser, lambda d: _shown(d) == ["plumber comes monday"], message="delete not shown")

    # Added elsewhere (another client): the open detail view follows the live event.
    api.post(f"/api/v1/tasks/{number}/notes", json={"body": "part ordered"}, headers=headers(token))
    wait(browser, lambda d: _shown(d)[-1:] == ["part ordered"], message="live note not shown")
    assert browser.execute_script("return window.__xss") is None
    assert console_errors(browser) == []
