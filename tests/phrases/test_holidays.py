"""Public holidays from the `holidays` package in the account's country."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from behflow_server.dates import parse_when, set_default_country
from tests.phrases.common import NOW, ZONE, at, found, read


@pytest.fixture(autouse=True)
def _us_by_default() -> Iterator[None]:
    set_default_country("US")
    yield
    set_default_country("US")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("christmas", at(12, 25)),
        ("xmas", at(12, 25)),
        ("on thanksgiving", at(11, 26)),
        ("new year's day", at(1, 1, year=2027)),
        ("labor day", at(9, 7)),
        ("memorial day", at(5, 25)),
        ("easter monday", at(4, 6)),  # not a US holiday: the built-in Easter rule
        ("christmas eve", at(12, 24)),
        ("halloween", at(10, 31)),
        ("thanksgiving 2027", at(11, 25, year=2027)),
    ],
)
def test_us_holidays(text: str, expected: datetime) -> None:
    assert read(text).value == expected


def test_the_country_decides() -> None:
    assert read("labor day", country="DE").value == at(5, 1)
    assert read("easter monday", country="GB").value == at(4, 6)
    assert parse_when("thanksgiving", ZONE, NOW, "DE") is None


def test_the_default_country() -> None:
    set_default_country("GB")
    assert read("boxing day").value == at(12, 26)
    assert parse_when("thanksgiving", ZONE, NOW) is None


def test_a_holiday_inside_a_title() -> None:
    text = "Call grandma on thanksgiving"
    hit = found(text)
    assert text[hit.start : hit.end] == "on thanksgiving"
