"""The task features of the web page, in headless Chromium against a real server process."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.support.live import LiveServer
from tests.web.browser import (
    click_in_row,
    console_errors,
    row,
    sign_up,
    titles,
    wait,
)
from tests.web.test_web_layout import shoot

CASES = json.loads((Path(__file__).parents[1] / "support" / "relative_due_cases.json").read_text())[
    "cases"
]


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add(api: httpx.Client, token: str, **body: Any) -> dict[str, Any]:
    response = api.post("/api/v1/tasks", json=body, headers=headers(token))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def get(api: httpx.Client, token: str, number: int) -> dict[str, Any]:
    return api.get(f"/api/v1/tasks/{number}", headers=headers(token)).json()  # type: ignore[no-any-return]


def module_call(driver: WebDriver, module: str, function: str, *args: Any) -> Any:
    """Call a function the page's own ES module exports, as the page would."""
    return driver.execute_async_script(
        f"""
        const done = arguments[arguments.length - 1];
        import("/static/{module}").then((m) => done(m.{function}(...arguments[0])),
                                         (e) => done("import failed: " + e));
        """,
        list(args),
    )


def test_relative_due_labels_follow_the_one_rule_in_every_zone(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client
) -> None:
    """The whole shared table, each case in its own zone through Chromium's time-zone
    emulation, so the browser's own calendar arithmetic is what is tested."""
    browser.get(live_server.url + "/")
    failures = []
    for case in CASES:
        browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": case["zone"]})
        # The page really runs in that zone (ICU may spell it differently: Asia/Calcutta).
        now = browser.execute_script("return Date.parse(arguments[0])", case["now"])
        offset = browser.execute_script("return -new Date(arguments[0]).getTimezoneOffset()", now)
        instant = datetime.fromisoformat(case["now"])
        expected = instant.astimezone(ZoneInfo(case["zone"])).utcoffset()
        assert expected is not None and offset == expected.total_seconds() / 60, case
        got = module_call(browser, "due.js", "relativeDue", case["due"], now)
        if got != case["expect"]:
            failures.append((case, got))
    assert failures == []
    # "moved from 20 Nov": the day is written as the CLI writes it, every month of the year.
    from behflow_cli.dates import short_day

    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
    this_year = datetime.now(UTC).year
    days = [f"{this_year}-{month:02d}-20T12:00:00Z" for month in range(1, 13)]
    days.append(f"{this_year - 1}-09-20T12:00:00Z")
    web = [module_call(browser, "due.js", "shortDate", day) for day in days]
    assert web == [short_day(day, "Europe/Berlin") for day in days]
    assert console_errors(browser) == []


def open_detail(driver: WebDriver, title: str) -> None:
    # Clicking the row (not its buttons or its title) opens the task.
    wait(
        driver,
        lambda d: click_in_row(d, title, ".meta, .number") or True,
    )
    wait(driver, lambda d: d.find_element(By.ID, "detail").is_displayed(), message="no detail")
    wait(driver, lambda d: d.find_element(By.ID, "detail-title").get_attribute("value") == title)


def test_detail_view_edits_every_field(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client
) -> None:
    token = sign_up(browser, live_server.url, "editor")
    task = add(api, token, title="Plan the offsite")
    open_detail(browser, "Plan the offsite")

    title = browser.find_element(By.ID, "detail-title")
    title.clear()
    title.send_keys("Plan the team offsite")
    browser.find_element(By.ID, "detail-description").send_keys("Venue, food, agenda.")
    # Dates typed as a person does in Chromium's date and time fields (US order by default).
    browser.execute_script(
        "document.getElementById('detail-due-date').value = '2027-01-18';"
        "document.getElementById('detail-due-time').value = '09:30';"
        "document.getElementById('detail-due-date').dispatchEvent(new Event('change'));"
    )
    Select(browser.find_element(By.ID, "detail-priority")).select_by_value("high")
    Select(browser.find_element(By.ID, "detail-status")).select_by_value("in_progress")
    browser.find_element(By.ID, "detail-tags").send_keys("work, #planning")
    browser.find_element(By.ID, "detail-project").send_keys("team")
    Select(browser.find_element(By.ID, "detail-repeat")).select_by_value("weekly")
    # 18 Jan 2027 is a Monday: the rule and its words follow the due date.
    assert browser.find_element(By.ID, "detail-repeat-words").text == "Repeats every Monday."
    Select(browser.find_element(By.ID, "detail-remind")).select_by_value("30")
    browser.find_element(By.ID, "detail-save").click()
    wait(
        browser, lambda d: not d.find_element(By.ID, "detail").is_displayed(), message="still open"
    )

    saved = get(api, token, task["number"])
    assert saved["title"] == "Plan the team offsite"
    assert saved["description"] == "Venue, food, agenda."
    assert saved["priority"] == "high" and saved["status"] == "in_progress"
    assert saved["tags"] == ["work", "planning"] and saved["project"] == "team"
    assert saved["recurrence"] == "FREQ=WEEKLY;BYDAY=MO"
    due = datetime.fromisoformat(saved["due_at"])
    assert due == datetime(2027, 1, 18, 9, 30, tzinfo=UTC)  # the browser runs in UTC here
    assert datetime.fromisoformat(saved["remind_at"]) == due - timedelta(minutes=30)
    item = row(browser, "Plan the team offsite")
    assert item.find_element(By.CSS_SELECTOR, ".recurring").get_attribute("title") == (
        "Repeats every Monday"
    )

    # Open again: the form shows what was saved; clearing fields clears them on the server.
    open_detail(browser, "Plan the team offsite")
    assert Select(browser.find_element(By.ID, "detail-repeat")).first_selected_option.text == (
        "Every week on the due day"
    )
    assert Select(browser.find_element(By.ID, "detail-remind")).first_selected_option.text == (
        "30 minutes before"
    )
    browser.find_element(By.ID, "detail-project").clear()
    browser.find_element(By.ID, "detail-tags").clear()
    Select(browser.find_element(By.ID, "detail-repeat")).select_by_value("")
    Select(browser.find_element(By.ID, "detail-remind")).select_by_value("")
    browser.execute_script("document.getElementById('detail-due-time').value = ''")
    browser.find_element(By.ID, "detail-save").click()
    wait(browser, lambda d: not d.find_element(By.ID, "detail").is_displayed())
    saved = get(api, token, task["number"])
    assert saved["project"] is None and saved["tags"] == [] and saved["recurrence"] is None
    assert saved["remind_at"] is None
    # No time: an all-day date, 23:59 in the viewer's zone.
    assert datetime.fromisoformat(saved["due_at"]) == datetime(2027, 1, 18, 23, 59, tzinfo=UTC)

    # A bad rule is refused with the server's message, and the dialog stays open.
    open_detail(browser, "Plan the team offsite")
    Select(browser.find_element(By.ID, "detail-repeat")).select_by_value("custom")
    browser.find_element(By.ID, "detail-rule").send_keys("every blue moon")
    browser.find_element(By.ID, "detail-save").click()
    wait(browser, lambda d: d.find_element(By.ID, "detail-error").text, message="no error shown")
    assert browser.find_element(By.ID, "detail").is_displayed()
    assert get(api, token, task["number"])["recurrence"] is None
    # Words the server reads: counted from completion; completing says the next date.
    browser.find_element(By.ID, "detail-rule").clear()
    browser.find_element(By.ID, "detail-rule").send_keys("every 2 weeks after done")
    browser.find_element(By.ID, "detail-save").click()
    wait(browser, lambda d: not d.find_element(By.ID, "detail").is_displayed())
    saved = get(api, token, task["number"])
    assert saved["recurrence"] == "FREQ=WEEKLY;INTERVAL=2;X-BEHFLOW-FROM=COMPLETION"
    assert saved["recurrence_text"] == "every 2 weeks after done"

    def complete(driver: WebDriver) -> bool:
        try:  # the list re-renders after the save
            row(driver, "Plan the team offsite").find_element(
                By.CSS_SELECTOR, "button[data-action='complete']"
            ).click()
        except StaleElementReferenceException:
            return False
        return True

    wait(browser, complete)
    toast = wait(browser, lambda d: "Next:" in d.find_element(By.ID, "toasts").text)
    assert toast and "every 2 weeks after done" in browser.find_element(By.ID, "toasts").text
    # Status: completing and reopening from the dialog use the server's own commands.
    other = add(api, token, title="Finish me")
    open_detail(browser, "Finish me")
    Select(browser.find_element(By.ID, "detail-status")).select_by_value("completed")
    browser.find_element(By.ID, "detail-save").click()
    wait(browser, lambda d: get(api, token, other["number"])["status"] == "completed")
    assert get(api, token, other["number"])["completed_at"] is not None
    browser.find_element(By.CSS_SELECTOR, ".sidebar button.nav[data-view='completed']").click()
    open_detail(browser, "Finish me")
    Select(browser.find_element(By.ID, "detail-status")).select_by_value("blocked")
    browser.find_element(By.ID, "detail-save").click()
    wait(browser, lambda d: get(api, token, other["number"])["status"] == "blocked")
    assert get(api, token, other["number"])["completed_at"] is None

    # The refused rule is the only console entry (a 422 the page showed as text).
    errors = console_errors(browser)
    assert all("422" in entry for entry in errors), errors


def press(driver: WebDriver, *keys: str) -> None:
    body = driver.find_element(By.TAG_NAME, "body")
    for key in keys:
        body.send_keys(key)


def test_inline_rename_and_keyboard_shortcuts(
    browser: WebDriver, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    token = sign_up(browser, live_server.url, "keys")
    first = add(api, token, title="First thing")
    second = add(api, token, title="Second thing")
    wait(browser, lambda d: titles(d) == ["First thing", "Second thing"])

    # Double-click the title: it becomes a box; Enter saves.
    wait(browser, lambda d: row(d, "First thing").find_element(By.CSS_SELECTOR, ".title"))
    ActionChains(browser).double_click(
        row(browser, "First thing").find_element(By.CSS_SELECTOR, ".title")
    ).perform()
    box = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#task-list .title-edit"))
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("First thing, renamed", Keys.ENTER)
    wait(browser, lambda d: get(api, token, first["number"])["title"] == "First thing, renamed")
    row(browser, "First thing, renamed")
    time.sleep(0.4)  # past the single-click delay: a rename's double click never opens the task
    assert not browser.find_element(By.ID, "detail").is_displayed()

    # Escape cancels a rename.
    press(browser, "j", "e")
    box = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#task-list .title-edit"))
    box.send_keys(" NOT SAVED", Keys.ESCAPE)
    row(browser, "First thing, renamed")

    # Letters typed into a box are text, never commands.
    quick = browser.find_element(By.ID, "quick-text")
    quick.send_keys("x#jk")
    assert get(api, token, first["number"])["status"] == "not_started"
    quick.send_keys(Keys.ESCAPE)
    assert browser.switch_to.active_element.tag_name == "body"
    quick.clear() if False else browser.execute_script("arguments[0].value = ''", quick)

    # j moves down, x completes the selected task.
    press(browser, "k", "k", "j", "x")
    wait(browser, lambda d: get(api, token, second["number"])["status"] == "completed")
    # Enter opens the selected task; Escape closes it.
    press(browser, "k", Keys.ENTER)
    wait(browser, lambda d: d.find_element(By.ID, "detail").is_displayed())
    assert browser.find_element(By.ID, "detail-title").get_attribute("value") == (
        "First thing, renamed"
    )
    browser.find_element(By.ID, "detail-title").send_keys(Keys.ESCAPE)
    wait(browser, lambda d: not d.find_element(By.ID, "detail").is_displayed())

    # Enter on a focused button presses that button; it does not open the selected task.
    theme = "return document.documentElement.dataset.theme"
    before = browser.execute_script(theme)
    browser.find_element(By.ID, "theme-toggle").send_keys(Keys.ENTER)
    wait(browser, lambda d: d.execute_script(theme) != before, message="Enter did not press it")
    assert not browser.find_element(By.ID, "detail").is_displayed()

    # ? lists the shortcuts.
    press(browser, "?")
    overlay = wait(browser, lambda d: d.find_element(By.ID, "shortcuts"))
    wait(browser, lambda d: overlay.is_displayed())
    text = overlay.text
    for label in ("Next task", "Complete / reopen", "Rename", "Today", "Trash", "Search"):
        assert label in text, label
    shoot(browser, "desktop-shortcuts", tmp_path)
    overlay.send_keys(Keys.ESCAPE)
    wait(browser, lambda d: not overlay.is_displayed())

    # Delete and # archive the selected task; the notice's Undo brings it back.
    press(browser, "j", Keys.DELETE)
    wait(browser, lambda d: get(api, token, first["number"])["archived_at"] is not None)
    undo = wait(
        browser, lambda d: d.find_element(By.XPATH, "//div[@id='toasts']//button[text()='Undo']")
    )
    undo.click()
    wait(browser, lambda d: get(api, token, first["number"])["archived_at"] is None)

    # Number keys switch views; / goes to the search box.
    press(browser, "5")
    wait(browser, lambda d: d.find_element(By.ID, "view-title").text == "Completed")
    wait(browser, lambda d: titles(d) == ["Second thing"])
    press(browser, "/")
    assert browser.switch_to.active_element.get_attribute("id") == "filter-search"
    browser.switch_to.active_element.send_keys(Keys.ESCAPE)

    # u undoes through the server's history, so also a change another client made.
    renamed = api.patch(
        f"/api/v1/tasks/{second['number']}",
        headers={"Authorization": f"Bearer {token}", "X-Behflow-Client": "cli"},
        json={"title": "Second thing, elsewhere"},
    )
    assert renamed.status_code == 200, renamed.text
    press(browser, "u")
    wait(browser, lambda d: get(api, token, second["number"])["title"] == "Second thing")
    undid = f"Undid: updated #{second['number']} Second thing, elsewhere (from the CLI)"
    wait(browser, lambda d: undid in d.find_element(By.ID, "toasts").text)
    # h shows the history: every client's changes, newest first.
    press(browser, "h")
    panel = wait(browser, lambda d: d.find_element(By.ID, "history"))
    wait(browser, lambda d: panel.is_displayed())
    entries = panel.find_elements(By.CSS_SELECTOR, "#history-list li")
    assert "undo: updated #2 Second thing" in entries[0].text
    assert "the CLI · updated #2 Second thing, elsewhere" in entries[1].text
    assert "undone" in (entries[1].get_attribute("class") or "")
    shoot(browser, "desktop-history", tmp_path)
    panel.send_keys(Keys.ESCAPE)
    wait(browser, lambda d: not panel.is_displayed())
    assert console_errors(browser) == []
