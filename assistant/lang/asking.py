"""The question word a question asks with (who, where, when, why, how much / many / long, which,
yes-or-no), and whether two questions asking with such words can be the same question."""

from __future__ import annotations

import functools
import re

from .cues import cue, family

# The question word: who, where, when, why, how much / many / long, which, yes-or-no (the rows
# asking_<word> of lang/tables/asking.yaml, tried in order, then yes_no). Two questions asking with
# different ones ("Who ships it?" / "Where are the warehouses?") are not the same question,
# however close their words.

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
    for name, pattern in family("asking_"):
        if pattern.search(text):
            return name
    return "yes_no" if cue("yes_no").search(text.strip()) else ""


def asked_word(word: str, text: str) -> bool:
    """Whether the question word of ``text`` asks about ``word``: it stands right after "what /
    哪些" or right before "谁 / 是多少" ("excellent what score", "运费谁出", "门槛是多少")."""
    low, w = text.lower(), re.escape(word.lower())
    return bool(cue("asked_before", word=w).search(low) or cue("asked_after", word=w).search(low))
