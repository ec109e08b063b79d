"""Fixtures of the web page tests: a headless Chromium per test (see browser.py)."""

from tests.web.browser import browser, open_browser

__all__ = ["browser", "open_browser"]
