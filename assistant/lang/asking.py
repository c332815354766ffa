"""The question word a question asks with (who, where, when, why, how much / many / long, which,
yes-or-no), and whether two questions asking with such words can be the same question."""

from __future__ import annotations

import functools
import re

YES_NO = re.compile(r"(吗[？?]?$|(?<![什怎多这那])么[？?]?$|是否|能否|能不能|可不可以|可以不|是不是|有没有|要不要|需不需要|会不会|必须.{0,10}吗|"
                    r"^(is|are|does|do|did|can|could|must|should|will|was|were|has|have|may)\b)", re.I)

# The question word: who, where, when, why, how much / many / long, which, yes-or-no. Two questions
# asking with different ones ("Who ships it?" / "Where are the warehouses?") are not the same
# question, however close their words.
ASKING_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    # how long someone has to do something, not how long something takes
    ("deadline", re.compile(r"(\bhow (long|many (days|hours))\b.{0,20}\b(have|get)\b.{0,6}\bto\b|\bdeadline\b|"
                            r"(几天|多久|多长时间|几个?小时)(之|以)?内(要|必须|得|需要)|(要|必须|得|需要)在(几天|多久|多长时间|几个?小时)内|截止)",
                            re.I)),
    ("figure", re.compile(r"(多少|几[天个次家项分点层小年月]|多久|多长|多大|\bhow (much|many|long|large|big|often)\b)", re.I)),
    ("when", re.compile(r"(什么时候|何时|哪天|哪一天|哪年|几月|几号|\bwhen\b|what (date|year|time)\b)", re.I)),
    ("where", re.compile(r"(哪里|哪儿|在哪|去哪|\bwhere\b)", re.I)),
    ("who", re.compile(r"(谁|哪些(商家|卖家|人)|\bwho(m|se)?\b|which (sellers|merchants|stores|people)\b)", re.I)),
    ("why", re.compile(r"(为什么|为何|\bwhy\b)", re.I)),
    ("how", re.compile(r"(怎么|怎样|如何|\bhow\b)", re.I)),
    ("which", re.compile(r"(哪些|哪个|哪种|哪家|\bwhich\b)", re.I)),
    ("what", re.compile(r"(什么|啥|\bwhat)", re.I)),
)

# "what" asks broadly: it can be the same question as any other but who, where, why or yes-or-no
BROAD_ASKING, NARROW_ASKING = "what", frozenset({"who", "where", "why", "yes_no"})


def same_asking(a: str, b: str) -> bool:
    """Whether two questions asking with these words can be the same question."""
    if not a or not b or a == b:
        return True
    return BROAD_ASKING in (a, b) and not NARROW_ASKING & {a, b}


@functools.lru_cache(maxsize=4096)


def asking_word(text: str) -> str:
    """The question word a question asks with, or "yes_no", or "" when it has none."""
    for name, pattern in ASKING_WORDS:
        if pattern.search(text):
            return name
    return "yes_no" if YES_NO.search(text.strip()) else ""


# question words a word they ask about stands next to: "what score", "运费谁出", "门槛是多少"
ASKING_BEFORE = r"(?:\bwhat|\bwhich|\bhow many|\bhow much|什么|哪些|哪个|哪种|多少)\s*"
ASKING_AFTER = r"\s*(?:由|是|要|该)?(?:谁|多少|几)"


def asked_word(word: str, text: str) -> bool:
    """Whether the question word of ``text`` asks about ``word``: it stands right after "what /
    哪些" or right before "谁 / 是多少" ("excellent what score", "运费谁出", "门槛是多少")."""
    low, w = text.lower(), re.escape(word.lower())
    return bool(re.search(ASKING_BEFORE + w, low) or re.search(w + ASKING_AFTER, low))
