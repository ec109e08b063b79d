"""The page as it is laid out: a phone at 390 x 844 and a desktop at 1280 x 800, dark and light.

Screenshots go to /tmp/web-*.png (and the test's own directory) so a person can look at them."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.support.live import LiveServer
from tests.web.browser import (
    DESKTOP,
    PHONE,
    BrowserFactory,
    click_row,
    console_errors,
    row,
    set_theme,
    sign_up,
    wait,
)

LONG_TITLE = "Renew the passport before the summer trip to Lisbon"

# The rendered height of the title against its own line height: one line, not one letter a line.
TITLE_LINES = """
const title = arguments[0];
const box = title.getBoundingClientRect();
const line = parseFloat(getComputedStyle(title).lineHeight);
return {height: box.height, line, width: box.width};
"""


def seed(api: httpx.Client, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    soon = datetime.now(UTC) + timedelta(days=2)
    for body in (
        {
            "title": LONG_TITLE,
            "tags": ["travel", "admin"],
            "project": "home",
            "priority": "high",
            "due_at": soon.isoformat(),
        },
        {
            "title": "Water the plants",
            "recurrence": "FREQ=WEEKLY;BYDAY=MO",
            "tags": ["home"],
            "due_at": (soon + timedelta(days=1)).isoformat(),
        },
        {
            "title": "Send the invoice",
            "project": "work",
            "priority": "urgent",
            "due_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        },
    ):
        assert api.post("/api/v1/tasks", json=body, headers=headers).status_code == 201


def settle(driver: WebDriver) -> None:
    """Wait for the three seeded rows (each arrives by a live event and a re-render)."""
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#task-list li.task")) == 3)
    row(driver, LONG_TITLE)


def title_size(driver: WebDriver) -> dict[str, float]:
    return wait(  # type: ignore[no-any-return]
        driver,
        lambda d: d.execute_script(
            TITLE_LINES, row(d, LONG_TITLE).find_element(By.CSS_SELECTOR, ".title")
        ),
    )


def shoot(driver: WebDriver, name: str, tmp_path: Path) -> None:
    path = tmp_path / f"web-{name}.png"
    driver.save_screenshot(str(path))
    shutil.copy(path, f"/tmp/web-{name}.png")


def test_phone_layout_keeps_titles_and_header_on_one_line(
    open_browser: BrowserFactory, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    driver = open_browser(PHONE, mobile=True)
    token = sign_up(driver, live_server.url, "phoneuser")
    # The page's viewport meta makes the layout viewport the phone's width.
    assert driver.execute_script("return window.innerWidth") == PHONE[0]
    seed(api, token)
    settle(driver)
    for theme in ("dark", "light"):
        set_theme(driver, theme)
        size = title_size(driver)
        assert size["height"] < size["line"] * 1.5, size  # one line, cut with an ellipsis
        assert size["width"] > 150, size  # and wide enough to read, not one letter
        header = driver.find_element(By.CSS_SELECTOR, "header.bar")
        # Every item of the header sits on the same row: their vertical centres agree.
        centres = [
            child.rect["y"] + child.rect["height"] / 2
            for child in header.find_elements(By.CSS_SELECTOR, ":scope > *")
            if child.is_displayed()
        ]
        assert header.size["height"] < 60, header.size
        assert max(centres) - min(centres) < 4, centres
        # Nothing sticks out sideways.
        assert driver.execute_script("return document.documentElement.scrollWidth") <= PHONE[0]
        shoot(driver, f"phone-{theme}", tmp_path)
    click_row(driver, LONG_TITLE)
    wait(driver, lambda d: d.find_element(By.ID, "detail").is_displayed())
    shoot(driver, "phone-detail", tmp_path)
    assert console_errors(driver) == []


def test_desktop_layout_dark_and_light(
    open_browser: BrowserFactory, live_server: LiveServer, api: httpx.Client, tmp_path: Path
) -> None:
    driver = open_browser(DESKTOP)
    token = sign_up(driver, live_server.url, "deskuser")
    seed(api, token)
    settle(driver)
    for theme in ("dark", "light"):
        set_theme(driver, theme)
        # Scrollbars and native controls follow the theme (no bright white bars in dark).
        scheme = driver.execute_script(
            "return getComputedStyle(document.documentElement).colorScheme"
        )
        assert scheme == theme
        bar = driver.execute_script(
            "return getComputedStyle(document.documentElement).scrollbarColor"
        )
        assert bar not in ("", "auto"), bar
        size = title_size(driver)
        assert size["height"] < size["line"] * 1.5, size
        shoot(driver, f"desktop-{theme}", tmp_path)
    click_row(driver, "Water the plants")
    wait(driver, lambda d: d.find_element(By.ID, "detail").is_displayed())
    shoot(driver, "desktop-detail", tmp_path)
    assert console_errors(driver) == []
