"""Headless Chromium for the web page tests (fixtures re-exported by conftest.py) and helpers."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMEDRIVER = "/usr/bin/chromedriver"
DESKTOP = (1280, 800)
PHONE = (390, 844)
PASSWORD = "correct horse"


def _browser_missing() -> str | None:
    if not Path(CHROMEDRIVER).exists():
        return f"{CHROMEDRIVER} is missing (apt-get install chromium chromium-driver)"
    if shutil.which("chromium") is None:
        return "chromium is missing (apt-get install chromium chromium-driver)"
    return None


def require_browser() -> None:
    """Skip without Chromium; fail instead where BEHFLOW_REQUIRE_BROWSER=1 (CI)."""
    missing = _browser_missing()
    if missing:
        if os.environ.get("BEHFLOW_REQUIRE_BROWSER") == "1":
            pytest.fail(f"BEHFLOW_REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def chromium_options(size: tuple[int, int], profile: Path, *extra: str) -> webdriver.ChromeOptions:
    """Headless Chromium with nothing of its own running in the background."""
    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--window-size={size[0]},{size[1]}",
        f"--user-data-dir={profile}",
        *extra,
    ):
        options.add_argument(argument)
    return options


BrowserFactory = Callable[..., WebDriver]


@pytest.fixture
def open_browser(tmp_path: Path) -> Iterator[BrowserFactory]:
    """Start Chromium at a window size; `mobile=True` emulates a phone's viewport exactly."""
    require_browser()
    drivers: list[WebDriver] = []

    def start(size: tuple[int, int] = DESKTOP, *, mobile: bool = False) -> WebDriver:
        options = chromium_options(size, tmp_path / f"chromium-profile-{len(drivers)}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        drivers.append(driver)
        driver.set_page_load_timeout(20)
        if mobile:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": size[0], "height": size[1], "deviceScaleFactor": 2, "mobile": True},
            )
        return driver

    yield start
    for driver in drivers:
        driver.quit()


@pytest.fixture
def browser(open_browser: BrowserFactory) -> WebDriver:
    return open_browser(DESKTOP)


def wait(driver: WebDriver, condition, timeout: float = 10, message: str = ""):  # type: ignore[no-untyped-def]
    # The list is re-rendered on every change, so a row found a moment ago may be gone: retry.
    return WebDriverWait(
        driver, timeout, poll_frequency=0.05, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition, message)


def row(driver: WebDriver, title: str) -> WebElement:
    """The task row whose title reads exactly `title`, once it is on the page."""

    def find(d: WebDriver) -> WebElement | bool:
        for item in d.find_elements(By.CSS_SELECTOR, "#task-list li.task"):
            titles = item.find_elements(By.CSS_SELECTOR, ".title")
            if titles and titles[0].get_attribute("textContent") == title:
                return item
        return False

    return wait(driver, find, message=f"no task titled {title!r} on the page")  # type: ignore[no-any-return]


def titles(driver: WebDriver) -> list[str]:
    """The titles in the list, read at one instant (the list may re-render between reads)."""
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('#task-list li.task .title')]"
            ".map((n) => n.textContent)"
        )
    )


def click_row(driver: WebDriver, title: str) -> None:
    """Click the row titled `title`, finding it again if the list re-rendered meanwhile."""

    def click(d: WebDriver) -> bool:
        row(d, title).click()
        return True

    wait(driver, click, message=f"cannot click the row {title!r}")


def click_in_row(driver: WebDriver, title: str, selector: str) -> None:
    def click(d: WebDriver) -> bool:
        row(d, title).find_element(By.CSS_SELECTOR, selector).click()
        return True

    wait(driver, click, message=f"cannot click {selector} on {title!r}")


def sign_up(browser: WebDriver, url: str, username: str, *, reschedule: bool = False) -> str:
    """Create an account through the page's form; returns its token."""
    browser.get(url + "/")
    wait(browser, lambda d: d.find_element(By.ID, "auth-view").is_displayed())
    browser.find_element(By.ID, "auth-username").send_keys(username)
    browser.find_element(By.ID, "auth-password").send_keys(PASSWORD)
    if reschedule:
        browser.find_element(By.ID, "auth-reschedule").click()
    browser.find_element(By.ID, "register-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "live").text == "live", message="never live")
    return str(browser.execute_script("return localStorage.getItem('behflow.token')"))


def console_errors(driver: WebDriver) -> list[str]:
    """SEVERE browser log entries (a missing favicon aside)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
    ]


def set_theme(driver: WebDriver, theme: str) -> None:
    if driver.execute_script("return document.documentElement.dataset.theme") != theme:
        driver.find_element(By.ID, "theme-toggle").click()
    assert driver.execute_script("return document.documentElement.dataset.theme") == theme
