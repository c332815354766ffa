"""Pages as they are found: boilerplate removed, the title and the dates read from the page itself.

A saved web page or a PDF carries navigation, ads, share bars, greetings and AI-summary blocks
around its content, and states its title and dates in the text ("发布时间：2021年9月2日",
"Update time: September 2, 2021", "Effective from 1 October 2023"). Nothing here guesses a date
from the file system: a page that states none is undated.

What is not content (share-bar labels, greetings, bylines, page numbers, AI summaries) and the
labels that date a page or the rule it states are rows of ``lang/tables/pages.yaml``, asked for by
name, so a phrase a saved page carries is added as data with its examples.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from ..lang.cues import cue, words
from ..lang.text import CJK

SEP = r"[|｜·•/]"
BREADCRUMB_SEP = re.compile(r"\s*(>|›|»|/|\\)\s*")


@functools.lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    """English month names and short forms ("sept") to their numbers."""
    full = [m.lower() for m in words("en_months")]
    out = {m: i + 1 for i, m in enumerate(full)}
    for short in words("en_month_short"):
        out[short.lower()] = next(i + 1 for i, m in enumerate(full) if m.startswith(short.lower()))
    return out


@functools.lru_cache(maxsize=1)
def _date_forms() -> tuple[re.Pattern[str], ...]:
    """2021-09-02 / 2021年9月2日, "September 2, 2021" and "2 September 2021"."""
    month = "(" + "|".join((*words("en_months"), *words("en_month_short"))) + r")\.?"
    return (
        re.compile(r"(?<!\d)((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?!\d)"),
        re.compile(month + r"\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)", re.IGNORECASE),
        re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s+" + month + r",?\s+((?:19|20)\d\d)", re.IGNORECASE),
    )


TITLE_SUFFIX = re.compile(r"\s+[-|_–—]\s+[^-|_–—]{2,40}$")


@dataclass
class PageDates:
    published: str = ""
    effective_from: str = ""
    meta_lines: set[int] = field(default_factory=set)


def parse_date(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first date written in ``text`` as ISO, with its span; None when there is none."""
    best = None
    forms, months = _date_forms(), _months()
    for form in forms:
        m = form.search(text)
        if not m or (best is not None and m.start() >= best[1][0]):
            continue
        g = m.groups()
        try:
            if form is forms[0]:
                y, mo, d = int(g[0]), int(g[1]), int(g[2])
            elif form is forms[1]:
                y, mo, d = int(g[2]), months[g[0].lower().rstrip(".")], int(g[1])
            else:
                y, mo, d = int(g[2]), months[g[1].lower().rstrip(".")], int(g[0])
            iso = dt.date(y, mo, d).isoformat()
        except (ValueError, KeyError):
            continue
        best = (iso, m.span())
    return best


def all_dates(text: str) -> list[tuple[str, tuple[int, int]]]:
    """Every date written in ``text`` as (ISO, span), in order."""
    found = []
    pos = 0
    while pos < len(text):
        hit = parse_date(text[pos:])
        if hit is None:
            break
        iso, (a, b) = hit
        found.append((iso, (pos + a, pos + b)))
        pos += b
    return found


def rule_dates(text: str) -> tuple[str, str]:
    """The dates a notice says its rule starts and ends (ISO, "" when not stated): a date after
    "from / 自" or before "起", a period "X至Y", a date after "until / 截至"."""
    start = end = ""
    for line in text.splitlines():
        for iso, (a, b) in all_dates(line):
            before, after = line[max(0, a - 16):a], line[b:b + 24]
            short = cue("rule_period_end").match(after)
            if short and not start:  # "2020年1月20日至2月18日": the end in the start's year
                try:
                    start = iso
                    end = end or dt.date(int(iso[:4]), int(short.group(2)), int(short.group(3))).isoformat()
                except ValueError:
                    pass
                continue
            if cue("rule_until_before").search(before) or cue("rule_until_after").match(after) or start and re.search(r"\band\s*$", before):
                end = end or iso
            elif cue("rule_from_before").search(before) or cue("rule_from_after").match(after) \
                    or cue("rule_effective_after").match(after) or cue("rule_effective_label").search(before):
                start = start or iso
        if start and end:
            break
    return start, end


def find_dates(lines: list[str]) -> PageDates:
    """Publication (or update) and effective dates the page states about itself.

    A date is the page's own when a label right before it says so ("发布时间：", "Updated",
    "Published", a byline), or when it stands alone on a line near the top; a date inside a
    sentence of the body is a fact, not the page's date, except an "effective from" statement
    ("自2024年9月9日起生效"), which dates the rule."""
    dates = PageDates()
    update_only = False
    content = [i for i, ln in enumerate(lines) if ln.strip()]
    head = set(content[:20]) | set(content[-6:])
    for i, line in enumerate(lines):
        s = line.strip()
        if not s:
            continue
        found = all_dates(s)
        if not found:
            continue
        rest = s
        for _iso, (a, b) in reversed(found):
            rest = rest[:a] + rest[b:]
        alone = len(re.sub(r"[\s\d:：.,，()（）\-/|·•PSTUCGM]+", "", rest)) <= 12 and len(s) <= 60
        byline = bool(cue("page_byline").match(s)) and len(s) <= 90
        for iso, (a, b) in found:
            clause = re.split(r"[。;；,，·|•]\s*|\.\s+", s[:a])[-1].strip()
            after = s[b:b + 12]
            if cue("rule_effective_label").search(clause) or cue("rule_effective_after").match(after):
                dates.effective_from = dates.effective_from or iso
                continue
            labelled = bool(cue("page_date_label").match(clause)) and len(clause) <= 24
            if i in head and (labelled or alone or byline):
                update = bool(cue("page_update_label").search(clause))
                if not dates.published or (update_only and not update):
                    dates.published, update_only = iso, update
                if len(s) <= 90 and (alone or byline or labelled and len(found) == 1 and len(rest) <= 40):
                    dates.meta_lines.add(i)
    return dates


def _bare(line: str) -> str:
    """A line without its bullet, heading or quote marks."""
    return line.strip().strip("•·*#>- ").strip()


def is_boilerplate(line: str) -> bool:
    s = _bare(line)
    if not s:
        return False
    if cue("page_chrome_line").match(s) or cue("page_chrome_phrase").search(s) or cue("page_byline_line").match(s) \
            or cue("page_number").match(s):
        return True
    if len(s) <= 60 and cue("page_greeting").match(s) and not re.search(r"[?？]", s):
        return True
    if _breadcrumb(s) or _button_row(s) or _menu_row(line):
        return True
    return False


def _menu_row(line: str) -> bool:
    """A navigation menu or a running page header: several short labels set apart by wide gaps
    or bars ("Sell with us   Learning Center   Rules", "卖家规则频道 | 违规处罚")."""
    s = line.strip()
    if s.startswith("|"):
        return False  # a table row
    parts = [p for p in re.split(r"\s{2,}|\t+|\s*[|｜]\s*", s) if p]
    if len(parts) < 2 or re.search(r"[。！？!?，,；;：:]", s) or (len(parts) == 2 and not re.search(r"[|｜]", s)):
        return False
    limit = 10 if CJK.search(s) else 24
    return all(len(p) <= limit for p in parts)


def _breadcrumb(s: str) -> bool:
    """'Home > Seller Center > Rules' or '首页 / 卖家中心 / 规则': short segments, no sentence."""
    parts = [p.strip() for p in BREADCRUMB_SEP.split(s) if p.strip() and not BREADCRUMB_SEP.fullmatch(p.strip())]
    if len(parts) < 3 or re.search(r"[。！？.!?，,]\s", s + " "):
        return False
    limit = 14 if CJK.search(s) else 32
    # Latin crumbs are capitalised labels ("Seller Center"); "item discounts > store" is prose
    labels = all(CJK.search(p) or p[:1].isupper() or p[:1].isdigit() for p in parts)
    return labels and all(len(p) <= limit for p in parts)


def _button_row(s: str) -> bool:
    """A share or reaction bar: '分享 | 收藏 | 点赞', '微信好友 朋友圈 新浪微博', 'Like 12 · Share'."""
    labels = [w for w in re.split(rf"\s*{SEP}\s*|\s+", s) if w]
    chrome = cue("page_chrome_line")
    if len(labels) >= 2 and all(chrome.match(w) or re.fullmatch(r"\d+", w) for w in labels):
        return True
    return len(labels) >= 3 and all(len(w) <= 5 for w in labels) and not re.search(r"[。！？.!?，,:：]", s) \
        and sum(bool(chrome.match(w)) for w in labels) >= 2


def clean_page(text: str) -> tuple[str, list[str], PageDates]:
    """Drop boilerplate lines and the page's own date lines; return the text, what was removed
    (for ``ingest --verbose``) and the dates found."""
    lines = [ln.rstrip() for ln in text.splitlines()]
    dates = find_dates(lines)
    out: list[str] = []
    removed: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line and cue("page_ai_summary_start").search(line) and len(line) < 40:
            end = next((j for j in range(i + 1, min(len(lines), i + 40)) if cue("page_ai_summary_end").search(lines[j])), None)
            if end is not None:
                removed.extend(ln.strip() for ln in lines[i:end + 1] if ln.strip())
                i = end + 1
                continue
        if i in dates.meta_lines or is_boilerplate(line) and not _replies_to(out, line):
            removed.append(line)
        else:
            out.append(lines[i])
        i += 1
    cleaned = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()
    return cleaned, removed, dates


def _replies_to(kept: list[str], line: str) -> bool:
    """A bare yes or no right under a question the page asks: an FAQ's short answer. A feedback
    widget's "Yes" / "No" follow a question that is furniture itself, already dropped."""
    if not cue("page_bare_reply").match(_bare(line)):
        return False
    asked = next((ln.strip() for ln in reversed(kept) if ln.strip()), "")
    return asked.rstrip("*#_ ").endswith(("?", "？"))


def is_title_like(line: str) -> bool:
    s = line.strip()
    if not s or is_boilerplate(s) or parse_date(s) and len(s) < 40:
        return False
    if re.match(r"^\s*([-*+•·]|\d{1,2}[.)、])\s", s) or s.startswith("|"):
        return False
    limit = 50 if CJK.search(s) else 120
    return len(s) <= limit and not re.search(r"[。.!！;；:：,，]$", s)


def guess_title(text: str) -> str:
    """The first heading, else the first heading-like line that is not boilerplate."""
    for line in text.splitlines():
        m = re.match(r"^#{1,6}\s+(.*\S)", line.strip())
        if m:
            return m.group(1).strip()
    for line in text.splitlines():
        if is_title_like(line):
            return line.strip()
    return ""


def clean_html_title(title: str, h1: str = "") -> str:
    """``<title>`` usually carries the site name ("Store rules - Seller Help"); the page's h1
    does not, so it wins when present."""
    if h1 and not is_boilerplate(h1):
        return h1.strip()
    t = title.strip()
    while TITLE_SUFFIX.search(t) and len(TITLE_SUFFIX.sub("", t)) >= 4:
        t = TITLE_SUFFIX.sub("", t)
    return "" if is_boilerplate(t) else t


def drop_repeated_title(text: str, title: str) -> str:
    """A title repeated in the body (a page header, a print line) is not content; the first
    occurrence becomes the top heading."""
    if not title:
        return text
    norm = title.strip().lower()
    out, seen = [], False
    for line in text.splitlines():
        bare = re.sub(r"^#{1,6}\s+", "", line.strip()).strip().lower()
        if bare == norm:
            if not seen:
                out.append(f"# {title.strip()}")
                seen = True
            continue
        out.append(line)
    return "\n".join(out)
