"""Numbers, Chinese numerals, durations, amounts and dates as questions ask for them and sentences
state them."""

from __future__ import annotations

import functools
import re

from .cues import cue, family, words

# What kind of figure a question asks for and how a sentence giving one looks: the rows asks_<unit>
# and gives_<unit> of lang/tables/figures.yaml; numbers (num, number_word), dates (dates.yaml).


@functools.lru_cache(maxsize=1)
def figure_units() -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """(how a question asks for a figure of one unit, how a sentence giving one looks), in table
    order; the last pair, any count, is what a question naming no unit wants."""
    gives = dict(family("gives_"))
    return tuple((asked, gives[unit]) for unit, asked in family("asks_"))


@functools.lru_cache(maxsize=1)
def _month_numbers() -> dict[str, int]:
    return {m.lower(): i + 1 for i, m in enumerate(words("en_months"))}


def without_dates(text: str) -> str:
    stripped = cue("en_date").sub(" ", text)
    return cue("date_any").sub(" ", stripped)


def has_figure(text: str) -> bool:
    """A number other than a date or a pointer ("这两个渠道": these two): a count, duration,
    share or amount."""
    stripped = cue("pointer_number").sub(" ", without_dates(text))
    stripped = cue("en_month_day").sub(" ", stripped)
    return bool(cue("states_number").search(stripped))


def date_label(text: str) -> str:
    """The date as the sentence writes it ("2024年9月9日", "14 January 2022"), so a timeline label
    never states a figure the quote does not."""
    if not sentence_date(text):
        return ""
    m = cue("en_date").search(text) or cue("date_numeric").search(text)
    return m.group(0).strip(" ,-") if m else ""


def sentence_date(text: str) -> str:
    """The first date a sentence states, as YYYY-MM-DD / YYYY-MM / YYYY (for ordering a timeline)."""
    m = cue("en_date").search(text)
    if m:
        day, month, day2, year = m.groups()
        d = day or day2
        mm = _month_numbers()[month.lower()]
        return f"{year}-{mm:02d}-{int(d):02d}" if d else f"{year}-{mm:02d}"
    m = cue("date_numeric").search(text)
    if not m:
        return ""
    year, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        return year
    if month and day and 1 <= int(day) <= 31:
        return f"{year}-{int(month):02d}-{int(day):02d}"
    if month:
        return f"{year}-{int(month):02d}"
    return year
