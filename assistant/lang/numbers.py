"""Numbers, Chinese numerals, durations, amounts and dates as questions ask for them and sentences
state them."""

from __future__ import annotations

import re

# What kind of figure a question asks for, and how a sentence that gives one looks.
_EN_NUMBERS = r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty)\b"

_ZH_NUMBER = r"[一二两三四五六七八九十百千]+"

# a number before a unit the pattern names ("七天", "第三次", "3 days")
NUM = rf"(\d+|{_EN_NUMBERS}|{_ZH_NUMBER})"

# a number on its own: Chinese numerals only before a counter, or "一" in any word would count
NUMBER_WORD = rf"(\d+|{_EN_NUMBERS}|{_ZH_NUMBER}(?=个|家|项|种|件|条|分|类|款|天|次|倍|成|小时|周|月|年))"

FIGURE_UNITS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"(多少(个)?(国家|市场)|几个(国家|市场)|how many (countries|markets))", re.I),
     re.compile(NUMBER_WORD + r"\s*(个)?\s*(new )?(国家|市场|countries|markets)", re.I)),
    (re.compile(r"(多少小时|几小时|几个小时|how many hours)", re.I), re.compile(NUM + r"\s*(个)?\s*(小时|h\b|hours?)", re.I)),
    (re.compile(r"(多少天|几天|多少个?工作日|多久|多长时间|how many days|how long|"
                r"\b(max|maximum|min|minimum)\b[^?？]{0,20}\b(days|hours)\b|(最多|最长|最少|最短|上限)[^?？]{0,6}(天|小时))", re.I),
     re.compile(NUM + r"\s*(个)?\s*(天|日|小时|周|个?工作日|个?自然日|days?|hours?|weeks?|months?|business days|calendar days|working days)", re.I)),
    (re.compile(r"(占比|比例|几个点|百分之几|(多少|几)\s*%|what (share|percentage|percent)|what\b[^?？]{0,40}%)", re.I),
     re.compile(r"\d+\s*(%|％)|一半|half|过半", re.I)),
    (re.compile(r"(多少次|几次|how many times)", re.I), re.compile(NUM + r"\s*(次|times)", re.I)),
    (re.compile(r"(多少钱|几块钱|多少元|多少美元|how much money)", re.I),
     re.compile(r"\d+(\.\d+)?\s*(元|万元|万|美元|欧元|亿元|bn)|(US\$|\$|€|RMB|¥|CNY|USD)\s*\d|\d+(\.\d+)?\s*(RMB|CNY|USD|yuan|dollars?)", re.I)),
    (re.compile(r"(费率|费用|收费|手续费|金额|门槛|补贴|价格|fee|cost|price|charge|how much|threshold|subsid)", re.I),
     re.compile(r"\d+(\.\d+)?\s*(%|％|元|万元|万|美元|欧元|亿元|bn|倍)|(US\$|\$|€|RMB|¥|CNY|USD)\s*\d|\d+(\.\d+)?\s*(RMB|CNY|USD|yuan|dollars?)|\d\s*[x×]", re.I)),
    # any other count: "how many warehouses", "最多几家", "几分"
    (re.compile(r"(多少|几)(个|家|项|种|件|条|分|类|款)?|how many|how much|how large|how big|多大", re.I),
     re.compile(NUMBER_WORD, re.I)),
]

COUNT = FIGURE_UNITS[-1][1]

MONEY = next(answered for asked, answered in FIGURE_UNITS if asked.search("费用"))


NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万]+(天|小时|个|%|成|倍|年|月|日)")

POINTER = re.compile(r"[这那此上下前后][一二两三四五六七八九十几]+(个|项|种|家|条|类|点)|\b(these|those|the) (two|three|both)\b", re.I)

SENT_DATE = re.compile(r"(20\d\d)(?:年?(?:[-/.]|年)(\d{1,2})月?)?(?:(?:[-/.]|月)?(\d{1,2})日?)?")

EN_MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                              "september", "october", "november", "december"])}

EN_DATE = re.compile(r"(?:(\d{1,2}) )?(January|February|March|April|May|June|July|August|September|October|November|December)"
                     r"(?: (\d{1,2}))?,? (20\d\d)", re.I)


def without_dates(text: str) -> str:
    stripped = EN_DATE.sub(" ", text)
    return re.sub(r"20\d\d(年\d{1,2}月(\d{1,2}日)?|年|-\d{1,2}(-\d{1,2})?)?", " ", stripped)


def has_figure(text: str) -> bool:
    """A number other than a date or a pointer ("这两个渠道": these two): a count, duration,
    share or amount."""
    stripped = POINTER.sub(" ", without_dates(text))
    stripped = re.sub(r"(January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}\b", " ", stripped)
    return bool(NUMBER.search(stripped))


def date_label(text: str) -> str:
    """The date as the sentence writes it ("2024年9月9日", "14 January 2022"), so a timeline label
    never states a figure the quote does not."""
    if not sentence_date(text):
        return ""
    m = EN_DATE.search(text) or SENT_DATE.search(text)
    return m.group(0).strip(" ,-") if m else ""


def sentence_date(text: str) -> str:
    """The first date a sentence states, as YYYY-MM-DD / YYYY-MM / YYYY (for ordering a timeline)."""
    m = EN_DATE.search(text)
    if m:
        day, month, day2, year = m.groups()
        d = day or day2
        mm = EN_MONTHS[month.lower()]
        return f"{year}-{mm:02d}-{int(d):02d}" if d else f"{year}-{mm:02d}"
    m = SENT_DATE.search(text)
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
