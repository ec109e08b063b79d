"""Public holidays: "christmas", "on thanksgiving", "labor day", "easter monday".

Holidays come from the `holidays` package for the account's country (`country`, else the default
set with `set_default_country`, "US" until the server sets it); a holiday is its next date, today
included, unless a year follows. The built-in Easter-based and fixed days below answer only what
the package does not list for that country ("easter monday" in the US, "halloween", "christmas
eve"). Holiday names are matched word for word, possessives and "(observed)" ignored; a name
ending in "day" may drop it only for distinctive words ("thanksgiving", "christmas").
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import EASTER_ORTHODOX, easter

from behflow_server.phrases.reading import GrammarBase, Reading
from behflow_server.phrases.vocabulary import EASTER_OFFSETS, FIXED_HOLIDAYS, HOLIDAY_WORDS

_default_country = "US"
# Names that are a holiday without their trailing "day".
ALONE = {"christmas", "thanksgiving", "juneteenth", "pentecost", "easter", "halloween"}
# Other ways people say a holiday's name: said words -> the package's words.
ALIASES = {
    ("xmas",): ("christmas", "day"),
    ("new", "years"): ("new", "year", "day"),
    ("new", "year"): ("new", "year", "day"),
    ("presidents", "day"): ("washington", "birthday"),
    ("president", "day"): ("washington", "birthday"),
    ("mlk", "day"): ("martin", "luther", "king", "jr", "day"),
    ("labour", "day"): ("labor", "day"),
}
LONGEST = 6
# "easter monday" before "easter".
_EASTER_LONGEST_FIRST = sorted(EASTER_OFFSETS.items(), key=lambda item: -len(item[0]))
_FIRST_WORDS = HOLIDAY_WORDS | set(FIXED_HOLIDAYS) | {names[0] for names in EASTER_OFFSETS}


def set_default_country(code: str | None) -> None:
    """The country whose holidays phrases name when a call gives none (ISO 3166 alpha-2)."""
    global _default_country
    _default_country = (code or "US").upper()


def default_country() -> str:
    return _default_country


def normal(word: str) -> str:
    """ "Washington's" -> "washington", "year's" -> "year", "jr." -> "jr"."""
    word = word.lower().replace("\u2019", "'").strip(".,")
    for suffix in ("'s", "s'"):
        if word.endswith(suffix):
            word = word[: -len(suffix)] + ("s" if suffix == "s'" else "")
    return word.replace("'", "")


@lru_cache(maxsize=64)
def _calendar(country: str, year: int) -> dict[tuple[str, ...], date]:
    """The country's holidays in `year`: name words -> date (observed days left out)."""
    try:
        import holidays  # imported when a phrase first names a holiday
    except ImportError:  # pragma: no cover - the package is a dependency
        return {}
    try:
        table = holidays.country_holidays(country, years=[year])
    except (NotImplementedError, KeyError):
        return {}
    names: dict[tuple[str, ...], date] = {}
    for day, label in sorted(table.items()):
        for name in str(label).split(";"):
            if "(observed)" in name.lower() or "(estimated)" in name.lower():
                continue
            words = tuple(normal(w) for w in name.split() if normal(w))
            names.setdefault(words, day)
            if len(words) == 2 and words[1] == "day" and words[0] in ALONE:
                names.setdefault(words[:1], day)
    return names


def holiday_on(country: str, words: tuple[str, ...], year: int) -> date | None:
    words = ALIASES.get(words, words)
    return _calendar(country, year).get(words)


class HolidayRules(GrammarBase):
    """Holidays by name."""

    def holiday(self, i: int, reading: Reading) -> int | None:
        if self.word(i) not in _FIRST_WORDS:
            return None
        found = self._country_holiday(i, reading)
        if found is not None:
            return found
        return self._builtin_holiday(i, reading)

    def _country_holiday(self, i: int, reading: Reading) -> int | None:
        country = self.country or _default_country
        words = [normal(self.word(i + n)) for n in range(LONGEST)]
        if words[0] not in HOLIDAY_WORDS or self.word(i - 1) == "orthodox":
            return None
        today = self.today
        for length in range(LONGEST, 0, -1):
            key = tuple(words[:length])
            if "" in key:
                continue
            k = i + length
            eve = self.word(k) == "eve"
            k += eve
            year_hit = self.year(k)
            years = [year_hit[0]] if year_hit else [today.year, today.year + 1]
            for year in years:
                day = holiday_on(country, key, year)
                if day is None:
                    break
                if eve:
                    day -= timedelta(days=1)
                if year_hit or day >= today:
                    reading.day, reading.strong = day, True
                    return year_hit[1] if year_hit else k
        return None

    def _builtin_holiday(self, i: int, reading: Reading) -> int | None:
        w = self.word
        word = w(i)
        today = self.today
        for names, offset in _EASTER_LONGEST_FIRST:
            if tuple(w(i + n) for n in range(len(names))) == names:
                orthodox = w(i - 1) == "orthodox"
                k = i + len(names)
                year_hit = self.year(k)
                year = year_hit[0] if year_hit else today.year
                day = easter(year, EASTER_ORTHODOX if orthodox else 3) + timedelta(days=offset)
                if year_hit is None and day < today:
                    day = easter(year + 1, EASTER_ORTHODOX if orthodox else 3) + timedelta(
                        days=offset
                    )
                reading.day, reading.strong = day, True
                return year_hit[1] if year_hit else k
        holiday = word if word in FIXED_HOLIDAYS else None
        if word == "new" and w(i + 1) in {"year's", "years", "year"}:
            holiday = "new year's"
        if holiday is not None:
            month, day_number = FIXED_HOLIDAYS[holiday]
            k = i + (2 if holiday == "new year's" else 1)
            if w(k) in {"day", "eve"}:
                if w(k) == "eve":
                    day_number -= 1
                    if day_number == 0:
                        month, day_number = 12, 31
                k += 1
            year_hit = self.year(k)
            found = self.month_day(month, day_number, year_hit[0] if year_hit else None)
            if found is None:
                return None
            reading.day, reading.strong = found, True
            return year_hit[1] if year_hit else k
        return None
