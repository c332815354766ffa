"""Whether a sentence can stand alone as the first thing a seller reads: the one measure the judge
(never lead with a fragment) and the eval (count the leads that are) share.

A lead stands alone when it is a complete statement with its subject. It does not when it is a
bare reply to another question ("能：", "不是。", "5天。"), an intro ending in a colon without
the list or table it introduces, a pointer to another page ("详见《…》", "see …"), advice with
nothing in it ("请以卖家后台为准"), a heading, or a question.
"""

from __future__ import annotations

import re

from .cues import cue

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
LATIN_WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]*")
MARKER = re.compile(r"\s*\[\d+\]")
ENDS_WITH_COLON = re.compile(r"[:：]\s*$")
QUESTION_END = re.compile(r"[？?]\s*$")
SENTENCE_FINAL = re.compile(r"[。.!?！？；;]\s*$")
# a title or a quoted name: what a pointer points at
TITLE = re.compile(r"《[^》]*》|“[^”]*”|\"[^\"]*\"")
# a pointer (详见, see), a pointer opening a sentence and advice: rows of lang/tables/fragments.yaml
POINTER_REST = {"zh": 14, "en": 9}  # what a pointer says besides the title it points at
ADVICE_REST = {"zh": 26, "en": 16}


def _size(text: str) -> tuple[int, int]:
    return len(HAN.findall(text)), len(LATIN_WORDS.findall(text))


def fragment(text: str, introduces_block: bool = False) -> str:
    """Why ``text`` cannot lead an answer on its own, or "" when it can. ``introduces_block``: it
    is followed by the list or table it introduces (then an intro ending in a colon stands)."""
    prose = MARKER.sub("", text).replace("**", "").strip()
    if not prose:
        return "empty"
    if introduces_block:
        return ""
    han, words = _size(prose)
    lang = "zh" if han >= words else "en"
    if ENDS_WITH_COLON.search(prose):
        return "intro without its list"
    rest = TITLE.sub(" ", prose)
    rest_han, rest_words = _size(rest)
    if cue("pointer").search(rest) and (rest_han if lang == "zh" else rest_words) <= POINTER_REST[lang] and TITLE.search(prose):
        return "pointer"
    if cue("pointer").search(rest) and cue("pointer_opening").match(rest.strip()):
        return "pointer"
    if QUESTION_END.search(prose):
        return "question"
    if han <= 4 and words <= 1 or not han and words <= 2:
        return "bare reply"
    if cue("advice").search(prose) and (han if lang == "zh" else words) <= ADVICE_REST[lang]:
        return "advice"
    if not SENTENCE_FINAL.search(prose) and (han and han <= 12 or not han and words <= 6):
        return "heading"
    return ""
