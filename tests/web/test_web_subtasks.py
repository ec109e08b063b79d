"""Subtasks on the web page (issue #14), in headless Chromium at desktop and phone widths:
indented under the parent with its progress, completing a parent asks, the detail view
lists the subtasks and adds one."""

from __future__ import annotations

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.live import LiveServer
from tests.web.browser import (
    PHONE,
    BrowserFactory,
    click_in_row,
    click_row,
    console_errors,
    row,
    sign_up,
    titles,
    wait,
)
from tests.web.test_web_tasks import add, get


def _indent(driver: WebDriver, title: str) -> float:
    """Where the row's title starts, read at one instant (the list re-renders on changes)."""
    row(driver, title)
    return float(
        driver.execute_script(
            "const t = [...document.querySelectorAll('#task-list li.task .title')]"
            ".find((n) => n.textContent === arguments[0]);"
            "return t ? t.getBoundingClientRect().left : -1;",
            title,
        )
    )


# The page is a client of the API, whose subtask rules run on both databases in
# tests/server/test_subtasks.py: one database is enough here (a browser and a server a run).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_subtasks_on_the_page(
    browser: WebDriver, open_browser: BrowserFactory, live_server: LiveServer, api: httpx.Client
) -> None:
    token = sign_up(browser, live_server.url, "subtasker")
    trip = add(api, token, title="Trip")["number"]
    add(api, token, title="Another task")
    pack = add(api, token, title="Pack", parent=trip)["number"]
    add(api, token, title="Socks", parent=pack)
    browser.refresh()
    wait(browser, lambda d: titles(d) == ["Trip", "Pack", "Socks", "Another task"])
    assert _indent(browser, "Trip") < _indent(browser, "Pack") < _indent(browser, "Socks")
    assert row(browser, "Trip").find_element(By.CSS_SELECTOR, ".progress").text == "0/1"

    # Completing the parent asks; Cancel completes nothing, "Complete them too" all of it.
    click_in_row(browser, "Trip", ".check")
    question = browser.find_element(By.ID, "subtasks-question")
    wait(browser, lambda d: question.is_displayed())
    assert "Complete its 2 open subtasks too?" in question.text
    browser.find_element(By.ID, "subtasks-cancel").click()
    wait(browser, lambda d: not question.is_displayed())
    assert get(api, token, trip)["status"] == "not_started"
    click_in_row(browser, "Trip", ".check")
    wait(browser, lambda d: question.is_displayed())
    browser.find_element(By.ID, "subtasks-complete").click()
    wait(browser, lambda d: get(api, token, pack)["status"] == "completed")
    assert get(api, token, trip)["status"] == "completed"

    # The detail view lists subtasks and adds one (Enter adds, it does not save the form).
    click_row(browser, "Another task")
    wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed())
    box = browser.find_element(By.ID, "detail-subtask-text")
    box.send_keys("Call the vet", Keys.ENTER)
    wait(
        browser,
        lambda d: "Call the vet" in d.find_element(By.ID, "detail-subtask-list").text,
        message="the new subtask is not listed",
    )
    assert browser.find_element(By.ID, "detail").is_displayed()
    assert browser.find_element(By.ID, "detail-subtasks-progress").text == "0/1 done"
    created = api.get(
        "/api/v1/tasks", params={"search": "vet"}, headers={"Authorization": f"Bearer {token}"}
    ).json()["items"]
    assert [(t["title"], t["parent"]) for t in created] == [("Call the vet", 2)]
    assert console_errors(browser) == []

    # A phone: still indented, nothing sticks out sideways.
    phone = open_browser(PHONE, mobile=True)
    phone.get(live_server.url + "/")
    phone.execute_script("localStorage.setItem('behflow.token', arguments[0])", token)
    phone.refresh()
    wait(phone, lambda d: "Call the vet" in titles(d))
    assert _indent(phone, "Another task") < _indent(phone, "Call the vet")
    assert phone.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
