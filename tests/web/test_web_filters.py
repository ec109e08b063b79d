"""The search box speaks the filter language, saved filters sit in the sidebar and the header
shows the active context, in Chromium at desktop and phone width (docs/filters.md)."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.live import LiveServer
from tests.web.browser import DESKTOP, PHONE, BrowserFactory, console_errors, sign_up, wait
from tests.web.test_web_tasks import add, headers
from tests.web.test_web_views import nav, shows


def search(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "filter-search")
    box.clear()
    box.send_keys(text)


def test_filter_box_saved_filters_and_context(
    open_browser: BrowserFactory, live_server: LiveServer, api: httpx.Client
) -> None:
    driver = open_browser(DESKTOP)
    token = sign_up(driver, live_server.url, "filterer")
    add(api, token, title="Quarterly report", project="work", tags=["urgent"])
    add(api, token, title="Plan offsite", project="work.q1")
    add(api, token, title="Buy milk", project="home", tags=["urgent"])
    auth = headers(token)
    api.post("/api/v1/filters", json={"name": "home", "query": "project:home"}, headers=auth)
    driver.refresh()
    shows(driver, ["Quarterly report", "Plan offsite", "Buy milk"])

    search(driver, "project:work -urgent")
    shows(driver, ["Plan offsite"])
    search(driver, "project:work prio:high")
    error = driver.find_element(By.ID, "filter-error")
    wait(driver, lambda d: "did you mean 'priority'?" in error.text, message="no inline error")
    search(driver, "")
    wait(driver, lambda d: not error.is_displayed())

    nav(driver, "saved", "home")  # the sidebar's saved filter
    shows(driver, ["Buy milk"])
    assert driver.find_element(By.ID, "view-title").text == "Filter: home"

    api.post(
        "/api/v1/filters", json={"name": "work", "query": "project:work"}, headers=auth
    ).raise_for_status()
    api.put("/api/v1/context", json={"name": "work"}, headers=auth).raise_for_status()
    nav(driver, "open")
    pill = driver.find_element(By.ID, "context-pill")
    wait(driver, lambda d: pill.is_displayed() and "work" in pill.text, message="no context")
    shows(driver, ["Quarterly report", "Plan offsite"])

    phone = open_browser(PHONE, mobile=True)
    phone.get(live_server.url + "/")
    phone.execute_script("localStorage.setItem('behflow.token', arguments[0])", token)
    phone.refresh()
    phone_pill = phone.find_element(By.ID, "context-pill")
    wait(phone, lambda d: phone_pill.is_displayed(), message="no context on the phone")
    header = phone.find_element(By.CSS_SELECTOR, "header.bar")
    assert header.size["height"] < 60, header.size
    assert phone.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]

    driver.find_element(By.ID, "context-off").click()
    wait(driver, lambda d: not pill.is_displayed())
    shows(driver, ["Quarterly report", "Plan offsite", "Buy milk"])
    assert api.get("/api/v1/context", headers=auth).json()["name"] is None
    # Only the refused filter's request is logged (Chromium logs every 4xx answer).
    assert [e for e in console_errors(driver) if "status of 422" not in e] == []
