"""Views, the sidebar, the Trash and moved due dates, as a user meets them in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.live import LiveServer
from tests.web.browser import click_in_row, console_errors, row, sign_up, titles, wait
from tests.web.test_web_layout import shoot
from tests.web.test_web_tasks import add, get, headers


def nav(driver: WebDriver, view: str, name: str = "") -> None:
    selector = f".sidebar button.nav[data-view='{view}']"
    if name:
        selector += f"[data-name='{name}']"
    wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, selector).click() or True)


def shows(driver: WebDriver, expected: list[str]) -> None:
    wait(
        driver,
        lambda d: sorted(titles(d)) == sorted(expected),
        message=f"expected {expected}, saw {titles(driver)}",
    )


def test_views_sidebar_and_trash(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    token = sign_up(browser, live_server.url, "viewer")
    now = datetime.now(UTC)
    add(
        api,
        token,
        title="Due later today",
        due_at=(now + timedelta(minutes=30)).isoformat(),
        project="home",
        tags=["quick"],
    )
    add(
        api,
        token,
        title="In three days",
        due_at=(now + timedelta(days=3)).isoformat(),
        project="work",
    )
    add(
        api,
        token,
        title="Next month",
        due_at=(now + timedelta(days=30)).isoformat(),
        project="work",
        tags=["quick"],
    )
    late = add(
        api,
        token,
        title="Already late",
        due_at=(now - timedelta(days=2)).isoformat(),
        project="work",
    )
    done = add(api, token, title="Done already")
    api.post(f"/api/v1/tasks/{done['number']}/complete", headers=headers(token))
    gone = add(api, token, title="Thrown away")
    api.delete(f"/api/v1/tasks/{gone['number']}", headers=headers(token))
    shows(browser, ["Due later today", "In three days", "Next month", "Already late"])

    # Counts beside the views and the projects/tags, from the server's counts.
    def counts(d: WebDriver) -> dict[str, str]:
        return {
            (node.get_attribute("data-view") or "")
            + ":"
            + (node.get_attribute("data-name") or ""): node.find_element(
                By.CSS_SELECTOR, ".count"
            ).text
            for node in d.find_elements(By.CSS_SELECTOR, ".sidebar button.nav")
            if node.find_elements(By.CSS_SELECTOR, ".count")
        }

    wait(
        browser,
        lambda d: (
            counts(d)
            == {
                "open:": "4",
                "today:": "1",
                "upcoming:": "2",
                "overdue:": "1",
                "project:home": "1",
                "project:work": "3",
                "tag:quick": "2",
            }
        ),
        message="sidebar counts",
    )
    overdue_count = browser.find_element(
        By.CSS_SELECTOR, ".sidebar button.nav[data-view='project'][data-name='work'] .count"
    )
    assert "overdue" in (overdue_count.get_attribute("class") or "")  # work has a late task

    nav(browser, "today")
    shows(browser, ["Due later today"])
    assert browser.find_element(By.ID, "view-title").text == "Today"
    nav(browser, "upcoming")
    shows(browser, ["Due later today", "In three days"])
    nav(browser, "overdue")
    shows(browser, ["Already late"])
    assert "overdue" in row(browser, "Already late").get_attribute("class")
    nav(browser, "completed")
    shows(browser, ["Done already"])
    nav(browser, "project", "work")
    shows(browser, ["In three days", "Next month", "Already late"])
    assert browser.find_element(By.ID, "view-title").text == "Project: work"
    nav(browser, "tag", "quick")
    shows(browser, ["Due later today", "Next month"])

    # Reopening from Completed uses the one reopen endpoint.
    nav(browser, "completed")
    wait(
        browser,
        lambda d: (
            row(d, "Done already")
            .find_element(By.CSS_SELECTOR, "button[data-action=reopen]")
            .click()
            or True
        ),
    )
    wait(browser, lambda d: get(api, token, done["number"])["status"] == "not_started")
    assert get(api, token, done["number"])["completed_at"] is None
    shows(browser, [])

    # The Trash lists deleted tasks; Restore brings one back.
    nav(browser, "trash")
    shows(browser, ["Thrown away"])
    shoot(browser, "desktop-trash", tmp_path)
    wait(
        browser,
        lambda d: (
            row(d, "Thrown away")
            .find_element(By.CSS_SELECTOR, "button[data-action=restore]")
            .click()
            or True
        ),
    )
    wait(browser, lambda d: get(api, token, gone["number"])["archived_at"] is None)
    shows(browser, [])
    nav(browser, "open")
    row(browser, "Thrown away")
    wait(browser, lambda d: counts(d).get("open:") == "6")
    assert late["number"]
    assert console_errors(browser) == []


def test_a_moved_due_date_shows_and_goes_back(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    """The reschedule_overdue process moves a late task; the row says where from, one click
    puts the user's own date back (the reminder with it)."""
    token = sign_up(browser, live_server.url, "mover")
    typed = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
    task = add(api, token, title="Pay rent", due_at=typed.isoformat(), remind="1 hour before")
    ran = api.post("/api/v1/processes/reschedule-overdue/run", headers=headers(token))
    assert ran.status_code == 200, ran.text
    moved = get(api, token, task["number"])
    assert moved["original_due_at"] == "2026-11-20T17:00:00Z", moved
    button = wait(
        browser, lambda d: row(d, "Pay rent").find_element(By.CSS_SELECTOR, "button.moved")
    )
    assert button.text == "moved from 20 Nov"
    shoot(browser, "desktop-moved", tmp_path)

    # The detail view says it too, and its button is the same one command.
    wait(
        browser,
        lambda d: click_in_row(d, "Pay rent", ".number") or True,
    )
    wait(browser, lambda d: d.find_element(By.ID, "detail-moved").is_displayed())
    assert "Moved from 20 Nov" in browser.find_element(By.ID, "detail-moved-text").text
    browser.find_element(By.ID, "detail-restore-due").click()
    wait(browser, lambda d: not d.find_element(By.ID, "detail-moved").is_displayed())
    back = get(api, token, task["number"])
    assert back["due_at"] == "2026-11-20T17:00:00Z"
    assert back["remind_at"] == "2026-11-20T16:00:00Z"
    assert back["original_due_at"] is None
    browser.find_element(By.ID, "detail-close").click()
    wait(browser, lambda d: not row(d, "Pay rent").find_elements(By.CSS_SELECTOR, "button.moved"))

    # Moved again, and put back straight from the row this time.
    api.post("/api/v1/processes/reschedule-overdue/run", headers=headers(token))
    wait(
        browser,
        lambda d: click_in_row(d, "Pay rent", "button.moved") or True,
    )
    wait(browser, lambda d: get(api, token, task["number"])["original_due_at"] is None)
    assert get(api, token, task["number"])["due_at"] == "2026-11-20T17:00:00Z"
    assert console_errors(browser) == []
