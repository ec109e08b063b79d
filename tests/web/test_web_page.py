"""The web page end to end in headless Chromium, against a real server process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions

from tests.support.live import LiveServer
from tests.web.browser import click_in_row, console_errors, row, sign_up, wait

XSS_TITLE = "<img src=x onerror=alert(1)>"


def test_web_page_end_to_end(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    page = api.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp

    sign_up(browser, live_server.url, "webuser")
    assert browser.find_element(By.ID, "whoami").text == "webuser"
    token = browser.execute_script("return localStorage.getItem('behflow.token')")
    other_client = {"Authorization": f"Bearer {token}"}

    # Add through the page's quick-add box: the server parses the text.
    quick = browser.find_element(By.ID, "quick-text")
    quick.send_keys("Write the report tomorrow #work !high")
    browser.find_element(By.CSS_SELECTOR, "#quick-add button").click()
    wait(browser, lambda d: {"#work", "high"} <= set(row(d, "Write the report").text.split()))

    # Added by another client: appears live, and the markup in its title stays text.
    created = api.post("/api/v1/tasks", json={"title": XSS_TITLE}, headers=other_client)
    assert created.status_code == 201
    assert wait(browser, lambda d: row(d, XSS_TITLE).find_elements(By.TAG_NAME, "img") == [])
    with pytest.raises(TimeoutException):
        wait(browser, expected_conditions.alert_is_present(), timeout=0.5)

    # Complete it in the page; the API sees the change, the row shows it.
    number = created.json()["number"]
    click_in_row(browser, XSS_TITLE, "button[data-action=complete]")
    wait(
        browser,
        lambda d: (
            api.get(f"/api/v1/tasks/{number}", headers=other_client).json()["status"] == "completed"
        ),
        message="not completed",
    )
    browser.find_element(By.ID, "filter-status").send_keys("All")
    wait(browser, lambda d: "done" in row(d, XSS_TITLE).get_attribute("class"))

    # Changes from elsewhere keep arriving.
    # ...and from the CLI, as a real `behflow` process on the same account.
    env = {**os.environ, "BEHFLOW_URL": live_server.url, "BEHFLOW_TOKEN": token}
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "behflow_cli",
            "task",
            "add",
            "Call the plumber",
            "--json",
            "number",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert added.returncode == 0, added.stderr
    row(browser, "Call the plumber")
    plumber = json.loads(added.stdout)
    plumber = plumber[0] if isinstance(plumber, list) else plumber
    api.delete(f"/api/v1/tasks/{plumber['number']}", headers=other_client)
    wait(
        browser,
        lambda d: all(
            item.find_element(By.CSS_SELECTOR, ".title").text != "Call the plumber"
            for item in d.find_elements(By.CSS_SELECTOR, "#task-list li.task")
        ),
        message="a task deleted elsewhere stayed on the page",
    )

    # Theme toggle, remembered across a reload (and the session survives it too).
    theme = "return document.documentElement.dataset.theme"
    first = browser.execute_script(theme)  # follows the system preference at first
    assert first in ("dark", "light")
    browser.find_element(By.ID, "theme-toggle").click()
    browser.refresh()
    wait(browser, lambda d: d.find_element(By.ID, "live").text == "live")
    assert browser.execute_script(theme) == {"dark": "light", "light": "dark"}[first]
    row(browser, "Write the report")

    browser.find_element(By.ID, "filter-status").send_keys("All")
    row(browser, XSS_TITLE)
    browser.save_screenshot(str(tmp_path / "web-page.png"))
    assert console_errors(browser) == []


def test_web_chat_adds_a_task(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    sign_up(browser, live_server.url, "chatter")
    chat = browser.find_element(By.ID, "chat-text")
    chat.send_keys("add buy milk tomorrow")
    browser.find_element(By.CSS_SELECTOR, "#chat-form button").click()
    reply = "#chat-log li.msg.agent:not(.pending-reply)"
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, reply), message="no reply")
    wait(browser, lambda d: row(d, "Buy milk").find_element(By.CSS_SELECTOR, ".due").text)
    # Deleting asks first; the page's Yes button confirms.
    chat.send_keys("delete the buy milk task")
    browser.find_element(By.CSS_SELECTOR, "#chat-form button").click()
    confirm = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#chat-log .confirm"))
    assert "delete" in confirm[0].text.lower()
    confirm[0].find_element(By.XPATH, ".//button[text()='Yes']").click()
    wait(
        browser,
        lambda d: all(
            item.find_element(By.CSS_SELECTOR, ".title").text != "Buy milk"
            for item in d.find_elements(By.CSS_SELECTOR, "#task-list li.task")
        ),
        message="the confirmed delete did not reach the list",
    )
    browser.save_screenshot(str(tmp_path / "web-chat.png"))
