"""Strict grading of one response as a seller reads it: pure functions over the answer text.

Nothing here loads a model or an index, so every rule can be tested on hand-written answers.
The rules follow the answer layout of the design notes:

- the *body* is the text before the sources block (a blank line, then ``**Sources**`` or
  ``**来源**``); key facts count only there, never in source titles or quotes;
- paragraphs are separated by blank lines; the *lead* is the body's first paragraph, plus the
  table or list it introduces when it ends with a colon;
- a multi-part answer has one part per ``**N. part question**`` header, each with its own lead;
- a refusal counts only when it *leads* (the ``refused`` flag, ``verdict == "not_covered"``, or
  a lead that says the knowledge base does not cover the question), never a cue in a side bullet.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ..lang.asking import asked_word
from ..lang.fragments import ENDS_WITH_COLON, HAN, LATIN_WORDS, MARKER, fragment
from ..lang.same import REDUNDANT_CONTAINMENT, Point, content_tokens, same_thing
from ..lang.text import detect_lang

SOURCES_BLOCK = re.compile(r"\n[ \t]*\n\*\*(?:Sources|来源)\*\*[ \t]*(?:\n|$)")
BLANK_LINE = re.compile(r"\n[ \t]*\n")
PART_HEADER = re.compile(r"^\*\*\s*(\d{1,2})[.、．]\s*(.+?)\s*\*\*\s*$")
TABLE_LINE = re.compile(r"^\s*\|")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
LIST_MARK = re.compile(r"^\s*(?:[-*•+·]\s+|\d{1,2}[.)]\s+|\d{1,2}、\s*|[（(]\d{1,2}[）)]\s*)")
DIGITS = re.compile(r"\d+(?:\.\d+)?")

# "The knowledge base does not cover it", as the lead would say it. A cue in a side bullet is
# not a refusal, so these are only ever searched in a lead.
NOT_COVERED_ZH = (
    r"知识库(?:里|中|内)?(?:也|并|暂|目前|尚)?(?:没有|无|未(?:收录|记录|涵盖|覆盖|包含|说明|提及)|"
    r"不(?:包含|涵盖|覆盖|含|包括))",
    r"(?:超出|不属于|不在)(?:本|这个|该)?知识库",
    r"(?:没有|无|缺少|找不到)(?:可靠|相关|确切|公开|具体)?的?(?:信息|资料|数据|记录)",
    r"(?:未|没有|并未|尚未)(?:公开|披露|公布)",
    r"无法(?:回答|预测|给出)",
    r"不能给出(?:确切|具体|准确)?的?(?:答案|数字|回答)",
    r"只能用中文或英文回答",
    r"(?:不在|没有在?)(?:现有|我们的|已有)?的?(?:来源|资料)",
    r"(?:现有|我们的|已有)(?:的)?(?:来源|资料)(?:中|里)?(?:都|也|并)?(?:没有|未|查不到|找不到)",
    r"(?:来源|资料|汇总|公告)(?:中|里)?(?:都|也|并)?(?:没有|未)(?:写|说明|提到|提及|给出|公开|披露)",
    r"查不到",
)
NOT_COVERED_EN = (
    r"knowledge base (?:does not|doesn't|did not|cannot|can't|has no|holds no|contains no|says nothing|only records)",
    r"(?:not|isn't|is not|aren't|are not) (?:covered|recorded|stated|included|found) (?:in|by) (?:this|the) knowledge base",
    r"(?:outside|beyond|not in) (?:this|the) knowledge base",
    r"\bno (?:reliable |public |published |specific |official )?(?:information|data|details|figures?)\b",
    r"\b(?:don't|do not) have (?:any |reliable |specific )?(?:information|data|details)\b",
    r"\bnot (?:been )?(?:public|published|disclosed|made public)\b",
    r"\b(?:can't|cannot|can not|unable to) (?:answer|give a (?:definite|specific)|predict)",
    r"\bI can only answer\b",
    r"\bnot (?:in|covered by|stated in|given in|found in) (?:our|the|any|available|existing) sources\b",
    r"\b(?:our|the available|the existing) sources (?:do not|don't|did not|didn't) (?:say|give|state|cover|mention|include)",
    r"\b(?:we|I) (?:did not|didn't|could not|couldn't) find\b",
)
NOT_COVERED = re.compile("|".join(NOT_COVERED_ZH + NOT_COVERED_EN), re.IGNORECASE)

# Point cleaning for redundancy: labels ("半托管（semi-managed）：", "12 September 2024:") and the
# "(superseded)" note are layout around a point, not what it says.
LABEL = re.compile(r"^[^:：。.!?！？|\n]{1,20}[:：]\s*")
SUPERSEDED_NOTE = re.compile(r"\s*[(（](?:superseded[^)）]*|已被新规取代)[)）]\s*$", re.IGNORECASE)
SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+(?=[A-Z0-9\u4e00-\u9fff\"“(（])")
WORDLIKE = re.compile(r"[^\w]+")

MIN_POINT_CHARS = 8
MIN_POINT_TOKENS = 3


# ---- layout ---------------------------------------------------------------------------------

def body_of(answer_text: str, lang: str | None = None) -> str:
    """The answer text the user reads as the answer: everything before the sources block.

    ``lang`` is accepted for callers written against the old signature; both headers are
    recognised whatever the language.
    """
    match = SOURCES_BLOCK.search(answer_text)
    return (answer_text[: match.start()] if match else answer_text).strip()


def paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in BLANK_LINE.split(text) if p.strip()]


def is_block_line(line: str) -> bool:
    """A table row or a list item: what a colon-ended lead may introduce."""
    return bool(TABLE_LINE.match(line) or LIST_MARK.match(line))


@dataclass
class Part:
    """One part of an answer: its ``**N. question**`` header ("" for an unheaded answer)."""

    header: str
    paragraphs: list[str] = field(default_factory=list)


def split_parts(body: str) -> list[Part]:
    """Parts in order. Text before the first header (if any) is a part with an empty header."""
    parts: list[Part] = [Part("")]
    for para in paragraphs(body):
        first, _, rest = para.partition("\n")
        header = PART_HEADER.match(first.strip())
        if header:
            parts.append(Part(header.group(2)))
            if rest.strip():
                parts[-1].paragraphs.append(rest.strip("\n"))
        else:
            parts[-1].paragraphs.append(para)
    if not parts[0].paragraphs and len(parts) > 1:
        parts.pop(0)
    return parts


def is_multi_part(parts: Sequence[Part]) -> bool:
    return sum(1 for p in parts if p.header) >= 2


@dataclass
class Lead:
    """``text``: the lead paragraph's prose (what a refusal must say); ``block``: the prose plus
    the table or list it introduces (where answer-first looks for the key fact)."""

    text: str
    block: str


def lead_of(paras: Sequence[str]) -> Lead:
    """The first paragraph; when it ends with a colon and the next paragraph is a table or a
    list, that block belongs to the lead ("主要区别见下表：" + the table)."""
    if not paras:
        return Lead("", "")
    first = paras[0]
    prose = "\n".join(line for line in first.splitlines() if not is_block_line(line))
    block = first
    intro = MARKER.sub("", first.splitlines()[-1])
    if ENDS_WITH_COLON.search(intro) and len(paras) > 1 and is_block_line(paras[1].splitlines()[0]):
        block = first + "\n\n" + paras[1]
    return Lead(prose.strip(), block.strip())


def leads_of(body: str) -> list[Lead]:
    """One lead per part of a multi-part answer (the unheaded preamble excluded), else one."""
    parts = split_parts(body)
    if is_multi_part(parts):
        return [lead_of(p.paragraphs) for p in parts if p.header]
    return [lead_of(parts[0].paragraphs if parts else [])]


# ---- matching -------------------------------------------------------------------------------

def _plain(text: str) -> str:
    """Lower case, no [n] markers or bold marks, single spaces: how a fact is matched."""
    text = MARKER.sub("", text).replace("**", "")
    return re.sub(r"\s+", " ", text).lower()


def alternatives(group: str) -> list[str]:
    return [alt.strip() for alt in group.split("|") if alt.strip()]


def includes(text: str, group: str) -> bool:
    """Does ``text`` contain one alternative of a key-fact group ("a|b" = a or b)?"""
    plain = _plain(text)
    return any(_plain(alt) in plain for alt in alternatives(group))


def says_not_covered(text: str) -> bool:
    """Does this text say the knowledge base does not cover the question?"""
    return bool(NOT_COVERED.search(_plain(text)))


def refusal_leads(body: str, refused: bool = False, verdict: str | None = None,
                  expected: Sequence[str] = ()) -> bool:
    """A refusal as the user meets it: flagged, judged not covered, or said in the lead. A
    multi-part answer refuses when every part's lead does.

    ``expected`` holds the key-fact groups of an answerable item: a lead that states the first
    of them (on a multi-part answer, any of them) is answering, whatever caveat it adds
    ("N元N件是…仓发标品…，具体规则未公开", "the list of the 14 countries is not public"), so its
    cue is not read as a refusal.
    """
    if refused or verdict == "not_covered":
        return True
    leads = leads_of(body)
    facts = list(expected) if len(leads) > 1 else list(expected[:1])

    def refuses(lead: Lead) -> bool:
        return says_not_covered(opening(lead.text)) and not any(includes(lead.block, g) for g in facts)

    return bool(leads) and all(refuses(lead) for lead in leads)


def opening(text: str) -> str:
    """What a lead says first: its first sentence (to the first full stop or semicolon), two
    when the first is a bare "Sorry." A not-covered remark later in the lead is a caveat about
    a detail ("…; how these are combined is not stated in our sources"), not a refusal."""
    parts = sentences(MARKER.sub("", text))
    if not parts:
        return ""
    if len(parts) > 1 and len(WORDLIKE.sub("", parts[0])) < 10:
        return parts[0] + " " + parts[1]
    return parts[0]


def answer_first(body: str, groups: Sequence[str]) -> bool:
    """The first key fact in the lead. On a multi-part answer each part has its own lead and
    every key fact must sit in one of them (which part a fact answers is not recorded)."""
    if not groups:
        return False
    leads = leads_of(body)
    if len(leads) > 1:
        blocks = "\n\n".join(lead.block for lead in leads)
        return all(includes(blocks, g) for g in groups)
    return bool(leads) and includes(leads[0].block, groups[0])


# ---- mechanisms: why an answer fails a seller, read off the answer text ----------------------

# the topic a refusal names: what the template puts in quotation marks
QUOTED_NAME = re.compile(r"[“\"「『‘]([^”\"」』’]{1,60})[”\"」』’]")
NAME_SPLIT = re.compile(r"\s*(?:、|，|,|/|\band\b|\bor\b|和|与|及)\s*")


class Vocabulary(Protocol):
    """What the knowledge base names: glossary terms in any form and named entities."""

    def names(self, text: str) -> bool: ...


def refusal_names(lead_text: str) -> list[str]:
    """The things a refusal says the knowledge base lacks: the quoted names of its opening."""
    out: list[str] = []
    for m in QUOTED_NAME.finditer(opening(lead_text)):
        out += [n.strip() for n in NAME_SPLIT.split(m.group(1)) if n.strip()]
    return out


def is_ordinary_word(name: str, question: str, vocabulary: Vocabulary | None) -> bool:
    """A refusal's named topic that is one ordinary word ("methods", "包含", "模式分析"): not a term
    or an entity the knowledge base knows, not the attribute the question word asks about ("费率"
    in "费率多少"), not a proper name as the seller wrote it (capitalised inside the question, or
    letters mixed with digits), and short: a phrase naming what is asked ("how long a deposit
    refund takes", "保证金退还时限") names a real gap."""
    if vocabulary is not None and vocabulary.names(name) or asked_word(name, question):
        return False  # a term, a named thing, or the very attribute its question word asks about
    words = LATIN_WORDS.findall(name)
    if words and not HAN.search(name):
        if len(words) > 1:
            return False  # a phrase of the question ("payment methods"), not one word
        written = re.search(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", question)
        start = written is not None and written.start() == len(question) - len(question.lstrip())
        if written is not None and not start and written.group(0)[:1].isupper():
            return False  # "Guangzhou", "Payoneer": a name as written
        if any(w.isupper() and len(w) >= 2 for w in words) or re.search(r"\d", name):
            return False  # "VAT", "3C"
        return True
    return len(HAN.findall(name)) <= 4 and not re.search(r"[A-Za-z0-9]", name)


def ordinary_word_refusal(row_lead: str, refused: bool, question: str, vocabulary: Vocabulary | None) -> bool:
    """A leading refusal every named topic of which is an ordinary word."""
    if not refused:
        return False
    names = refusal_names(row_lead)
    return bool(names) and all(is_ordinary_word(n, question, vocabulary) for n in names)


def fragment_lead(lead: Lead) -> str:
    """Why a lead cannot stand alone, or "" (see :mod:`assistant.lang.fragments`): the measure is
    the one the judge uses to choose its leads."""
    if not lead.text.strip():
        return "empty" if not lead.block.strip() else ""
    return fragment(lead.text, introduces_block=lead.block.strip() != lead.text.strip())


def auroc(pairs: Sequence[tuple[float, bool]]) -> float | None:
    """How well confidence separates right from wrong: the chance a right response is more
    confident than a wrong one (ties count half)."""
    right = [c for c, ok in pairs if ok]
    wrong = [c for c, ok in pairs if not ok]
    if not right or not wrong:
        return None
    wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
    return round(wins / (len(right) * len(wrong)), 4)


# ---- redundancy -----------------------------------------------------------------------------


def clean_point(text: str) -> str:
    """A point without its bullet, [n] markers, bold marks, leading label or superseded note."""
    text = LIST_MARK.sub("", text, count=1)
    text = MARKER.sub("", text).replace("**", "").strip()
    text = SUPERSEDED_NOTE.sub("", text)
    stripped = LABEL.sub("", text, count=1).strip()
    return stripped if len(stripped) >= MIN_POINT_CHARS else text


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END.split(text) if s and s.strip()]


def _table_points(lines: Sequence[str]) -> list[Point]:
    """Data cells of a Markdown table, each with its column header; the first column holds the
    row's label, and the header row holds labels, so neither is a point."""
    out: list[Point] = []
    header: list[str] = []
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if TABLE_RULE.match(line):
            continue
        if i + 1 < len(lines) and TABLE_RULE.match(lines[i + 1]):
            header = cells
            continue
        for col, cell in enumerate(cells[1:], 1):
            out.append(Point(cell, header[col] if col < len(header) else str(col)))
    return out


def points_of(body: str) -> list[Point]:
    """What an answer asserts: the lead's sentences, each list item and each table cell of a
    data row (a comparison row holds different facts side by side, so its cells are points on
    their own), in every part of the answer."""
    raw: list[Point] = []
    for p_no, part in enumerate(split_parts(body)):
        lead = lead_of(part.paragraphs)
        raw += [Point(s) for s in sentences(MARKER.sub("", lead.text))]
        for q_no, para in enumerate(part.paragraphs):
            group = f"{p_no}.{q_no}"
            table: list[str] = []
            for line in para.splitlines() + [""]:
                if TABLE_LINE.match(line):
                    table.append(line)
                    continue
                if table:
                    raw += _table_points(table)
                    table = []
                if LIST_MARK.match(line):
                    raw.append(Point(line, group="" if MARKER.search(line) else group))
    points = [Point(clean_point(p.text), p.column, p.group) for p in raw]
    return [p for p in points if len(content_tokens(p.text)) >= MIN_POINT_TOKENS]


@dataclass
class RedundantPair:
    first: str
    second: str
    score: float


def redundant_pair(points: Sequence[Point], threshold: float = REDUNDANT_CONTAINMENT) -> RedundantPair | None:
    """The most similar pair of points that say the same thing, or None."""
    best: RedundantPair | None = None
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            score = same_thing(points[i], points[j], threshold)
            if score is not None and (best is None or score > best.score):
                best = RedundantPair(points[i].text, points[j].text, round(score, 3))
    return best


# ---- figures, citations, concision ----------------------------------------------------------

def numbers(text: str) -> set[str]:
    return {n.lstrip("0") or "0" for n in DIGITS.findall(text)}


def stated_numbers(body: str) -> set[str]:
    """Figures the body states: part headers, list numbering and [n] markers are layout."""
    prose = re.sub(r"(?m)^\*\*\s*\d{1,2}[.、．] .*\*\*\s*$|^\s*\d{1,2}[.)、]\s", "", body)
    return numbers(MARKER.sub("", prose))


def normalise_ws(text: str) -> str:
    """Whitespace removed: a quote line and the document it comes from may wrap differently."""
    return re.sub(r"\s+", "", text)


def quote_in_document(quote: str, document: str) -> bool:
    """Every non-empty line of the quote (bullet marks dropped) occurs in the document text."""
    doc = normalise_ws(document)
    lines = [LIST_MARK.sub("", line).strip() for line in quote.splitlines()]
    lines = [normalise_ws(line) for line in lines if line.strip()]
    return bool(lines) and bool(doc) and all(line in doc for line in lines)


def markers(body: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d+)\]", body)}


def reading_length(body: str) -> int:
    """Characters a reader goes through: the body without [n] markers, whitespace collapsed."""
    return len(re.sub(r"\s+", " ", MARKER.sub("", body)).strip())


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


# ---- calibration ----------------------------------------------------------------------------

BUCKETS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0))


def calibration(pairs: Sequence[tuple[float, bool]]) -> dict:
    """Accuracy per confidence bucket and the expected calibration error (the count-weighted
    gap between mean confidence and accuracy); the last bucket includes 1.0."""
    buckets = []
    ece = 0.0
    for lo, hi in BUCKETS:
        inside = [(c, ok) for c, ok in pairs if lo <= c < hi or (hi == 1.0 and c == 1.0)]
        acc = sum(ok for _, ok in inside) / len(inside) if inside else None
        conf = sum(c for c, _ in inside) / len(inside) if inside else None
        if inside:
            ece += len(inside) / len(pairs) * abs(acc - conf)
        buckets.append({"range": [lo, hi], "n": len(inside),
                        "accuracy": None if acc is None else round(acc, 4),
                        "mean_confidence": None if conf is None else round(conf, 4)})
    return {"buckets": buckets, "ece": round(ece, 4) if pairs else None, "n": len(pairs)}


# ---- one response, graded ---------------------------------------------------------------------

@dataclass(frozen=True)
class Cited:
    n: int
    doc_id: str
    lang: str
    quote: str


@dataclass
class Response:
    """What the grader needs from an answer, whatever produced it (the assistant, the
    tutorial-RAG baseline, a hand-written test answer)."""

    text: str
    lang: str
    refused: bool = False
    verdict: str | None = None
    confidence: float | None = None
    citations: list[Cited] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_answer(cls, answer) -> "Response":
        """From the answer JSON (schema.Answer); ``verdict`` is used when the engine sets it."""
        return cls(text=answer.answer, lang=answer.lang, refused=bool(answer.refused),
                   verdict=getattr(answer, "verdict", None), confidence=answer.confidence,
                   citations=[Cited(c.n, c.doc_id, c.lang or answer.lang, c.quote) for c in answer.citations],
                   timings=dict(answer.timings_ms))


class Documents(Protocol):
    """The cited documents as loaded from their files, to check quotes and allowed dates."""

    def text(self, doc_id: str, lang: str) -> str: ...

    def dates(self, doc_id: str, lang: str) -> str: ...


@dataclass
class Row:
    """One graded question: what the user got and why it passes or fails."""

    qid: str
    set: str
    qtype: str
    lang: str
    answerable: bool
    question: str
    answer: str = ""
    lead: str = ""
    body_chars: int = 0
    refused: bool = False
    verdict: str | None = None
    refusal_leads: bool = False
    correct: bool = False
    answer_first: bool | None = None
    facts_missing: list[str] = field(default_factory=list)
    facts_in_sources_only: list[str] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)
    redundant: list[str] | None = None
    redundancy_score: float | None = None
    redundancy_scored: bool = True
    confidence: float | None = None
    citations_valid: bool | None = None
    citation_problems: list[str] = field(default_factory=list)
    lang_ok: bool = True
    fabricated: list[str] | None = None
    retrieved: list[str] = field(default_factory=list)
    rank: int | None = None
    timings: dict[str, float] = field(default_factory=dict)
    reason: str = ""
    flags: list[str] = field(default_factory=list)
    error: str = ""
    label: str = ""  # a pool item's label: yes | partly | no ("" for the curated sets)
    named: list[str] = field(default_factory=list)  # what a leading refusal names as missing
    ordinary_refusal: bool = False  # a refusal naming only ordinary words as missing
    fragment: str = ""  # why the lead cannot stand alone ("" when it can)

    @property
    def answered(self) -> bool:
        """The user got an answer (not a leading refusal, not a crash)."""
        return not self.error and not self.refusal_leads

    @property
    def acceptable(self) -> bool:
        """What a seller would accept: correct, with a lead that stands alone, and a refusal
        that names what is really missing rather than an ordinary word of the question."""
        return self.correct and not self.ordinary_refusal and not self.fragment


def new_row(item: dict, set_name: str, **values) -> Row:
    return Row(item["id"], set_name, item["type"], item["lang"], bool(item["answerable"]), item["question"],
               label=item.get("label", ""), **values)


def grade(item: dict, response: Response, documents: Documents | None, set_name: str = "",
          vocabulary: Vocabulary | None = None) -> Row:
    """Score one response strictly, as the user reads it. ``documents`` None (the tutorial
    baseline, which cites nothing) leaves citation validity and fabricated figures unscored;
    ``vocabulary`` (the knowledge base's terms and named entities) tells a refusal naming a real
    gap from one naming an ordinary word."""
    groups = list(item.get("must_include") or [])
    body = body_of(response.text)
    leads = leads_of(body)
    row = new_row(item, set_name, answer=response.text, refused=response.refused, verdict=response.verdict,
                  confidence=response.confidence, timings=dict(response.timings),
                  lead="\n\n".join(lead.block for lead in leads), body_chars=reading_length(body))
    row.refusal_leads = refusal_leads(body, response.refused, response.verdict, groups if row.answerable else ())
    if row.refusal_leads:
        row.named = [n for lead in leads for n in refusal_names(lead.text)]
        row.ordinary_refusal = any(ordinary_word_refusal(lead.text, True, item["question"], vocabulary)
                                   for lead in leads)
    else:
        row.fragment = next((why for why in map(fragment_lead, leads) if why), "")
    row.facts_missing = [g for g in groups if not includes(body, g)]
    row.facts_in_sources_only = [g for g in row.facts_missing if includes(response.text, g)]
    plain = _plain(body)
    row.must_not = [s for s in item.get("must_not_include") or [] if s and _plain(s) in plain]
    if row.answerable:
        row.correct = not row.refusal_leads and not row.facts_missing and not row.must_not
        row.answer_first = (not row.refusal_leads and answer_first(body, groups)) if groups else None
    else:
        row.correct = row.refusal_leads and not row.must_not
    pair = redundant_pair(points_of(body))
    if pair:
        row.redundant, row.redundancy_score = [pair.first, pair.second], pair.score
    prose = re.sub(r"\[\d+\]|\|", " ", body)
    row.lang_ok = response.lang == item["lang"] and detect_lang(prose) == item["lang"]
    if documents is not None:
        row.citation_problems = citation_problems(body, response.citations, documents)
        row.citations_valid = not row.citation_problems
        row.fabricated = fabricated_figures(body, item, response.citations, documents)
    row.reason = failure_reason(row)
    row.flags = quality_flags(row)
    return row


def citation_problems(body: str, citations: Sequence[Cited], documents: Documents) -> list[str]:
    """Quotes not found in their document, and [n] markers that point to no citation."""
    problems = [f"[{c.n}] quote not in {c.doc_id}" for c in citations
                if not quote_in_document(c.quote, documents.text(c.doc_id, c.lang))]
    numbers_cited = {c.n for c in citations}
    problems += [f"[{n}] points to no citation" for n in sorted(markers(body) - numbers_cited)]
    return problems


def fabricated_figures(body: str, item: dict, citations: Sequence[Cited], documents: Documents) -> list[str]:
    """Numbers the body states that no cited quote, the question or a cited document's dates
    state."""
    allowed = numbers(" ".join(c.quote for c in citations)) | numbers(item["question"])
    allowed |= numbers(" ".join(documents.dates(c.doc_id, c.lang) for c in citations))
    return sorted(stated_numbers(body) - allowed)


def failure_reason(row: Row) -> str:
    """Why a user would call the response wrong (the first reason that applies), or, for a
    correct one, that its key fact sits outside the lead."""
    if row.error:
        return "error: " + row.error
    if row.answerable and row.refusal_leads:
        return "refused an answerable question"
    if not row.answerable and not row.refusal_leads:
        return "answered an unanswerable question"
    if row.must_not:
        return "contains " + ", ".join(row.must_not)
    if row.facts_in_sources_only:
        return "key fact only in the sources list: " + ", ".join(row.facts_in_sources_only)
    if row.facts_missing:
        return "key fact missing: " + ", ".join(row.facts_missing)
    if row.answer_first is False:
        return "key fact only outside the lead"
    return ""


def quality_flags(row: Row) -> list[str]:
    flags = []
    if row.redundant:
        flags.append("redundant points")
    if row.fabricated:
        flags.append("fabricated figure " + ", ".join(row.fabricated))
    if row.citation_problems:
        flags.append("; ".join(row.citation_problems))
    if not row.lang_ok:
        flags.append("wrong language")
    if row.ordinary_refusal:
        flags.append("refusal names an ordinary word: " + "、".join(row.named))
    if row.fragment:
        flags.append(f"lead is a fragment ({row.fragment})")
    return flags


# ---- reply drafts -----------------------------------------------------------------------------

REPLY_MARKDOWN = re.compile(r"\*\*|^\s*\||^\s*#|^\s*[-*•]\s", re.M)


def _bare(text: str) -> str:
    return re.sub(r"[\s?？!！。.,，]+", "", text.lower())


def grade_reply(item: dict, reply: str, unanswered: Sequence[str], set_name: str = "replies") -> Row:
    """A reply draft as the agent who sends it reads it: plain sentences (no Markdown), no echo of
    the seller's questions, every answerable part's key fact in the message (before its sources),
    and every part the knowledge base cannot answer listed as not (or only partly) answered."""
    row = new_row(item, set_name, answer=reply)
    message = re.split(r"\n\n(?:Sources|来源)[:：]\n", reply)[0]
    problems = []
    if REPLY_MARKDOWN.search(message):
        problems.append("Markdown in the message")
    echoed = [p["question"] for p in item.get("parts", []) if len(_bare(p["question"])) >= 6
              and _bare(p["question"]) in _bare(message)]
    if echoed:
        problems.append("echoes the question: " + echoed[0])
    row.facts_missing = [g for g in item.get("must_include") or [] if not includes(message, g)]
    if row.facts_missing:
        problems.append("key fact missing: " + ", ".join(row.facts_missing))
    listed = [_bare(u) for u in unanswered]
    unlisted = [p["question"] for p in item.get("parts", []) if not p["answerable"]
                and not any(_bare(p["question"]) in u or u in _bare(p["question"]) for u in listed if u)]
    if unlisted:
        problems.append("not listed as unanswered: " + unlisted[0])
    row.correct = not problems
    row.reason = "; ".join(problems)
    return row
