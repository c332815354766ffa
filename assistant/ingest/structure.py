"""Document structure: the blocks people write (paragraphs, lists with the line that introduces
them, question/answer pairs, tables), each under its heading path.

Every loader turns its format into one plain, Markdown-like text (``#`` headings, ``-`` or ``1.``
list items, ``| a | b |`` table rows, blank lines between paragraphs); :func:`parse_blocks` reads
that text into :class:`~assistant.schema.Block` values, so structure is recognised the same way
for every format. A heading or a question is context for the lines under it, never a line to
quote as an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..schema import Block
from ..lang.cues import cue
from ..lang.text import CJK, split_sentences

HEADING = re.compile(r"^(#{1,6})\s+(.*\S)\s*#*$")
ITEM = re.compile(r"^\s*(?:[-*+•·▪●◦]|\d{1,2}[.)、．]|[（(]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}[、.．])\s*(?=\S)(.*)$")
# "一、知识产权严重违规": a Chinese section heading when short and unpunctuated
ORDINAL_HEADING = re.compile(r"^[一二三四五六七八九十]{1,3}[、.．]\s*(\S.{0,28})$")
ROW = re.compile(r"^\s*\|.*\|\s*$")
RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
NUMBERING = re.compile(r"^\s*(?:\d{1,2}[.)、．]|[（(]\d{1,2}[)）]|Q\d{1,2}[.:：]?)\s*")
ENDS_SENTENCE = re.compile(r"[。！？!?.…；;:：”\"'）)]$")
ENDS_INTRO = re.compile(r"[:：]$")


@dataclass
class _Element:
    kind: str  # heading | item | row | text | answer | blank
    text: str = ""
    level: int = 0
    question: bool = False


def is_question(text: str) -> bool:
    """A line that asks: ends with a question mark or carries a Q:/问： prefix."""
    t = text.strip()
    return bool(t) and (t.endswith(("?", "？")) or bool(cue("faq_question_label").match(t)))


def question_text(text: str) -> str:
    """The question without its "Q:", "问：" or "1." prefix."""
    t = cue("faq_question_label").sub("", text.strip())
    return NUMBERING.sub("", t).strip()


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _heading_like(line: str, nxt: str, prev_blank: bool) -> bool:
    """A short line without closing punctuation standing above longer text: a heading in a plain
    text or PDF page, where headings are not marked up."""
    if not prev_blank or not nxt or ITEM.match(line) or ROW.match(line) or ENDS_SENTENCE.search(line):
        return False
    limit = 30 if CJK.search(line) else 70
    return len(line) <= limit and len(nxt) > len(line) and not ITEM.match(nxt) and not is_question(line)


def _elements(text: str, plain: bool) -> list[_Element]:
    raw = text.splitlines()
    out: list[_Element] = []
    prev_blank = True
    for i, line in enumerate(raw):
        stripped = line.strip()
        if not stripped:
            out.append(_Element("blank"))
            prev_blank = True
            continue
        heading = HEADING.match(stripped)
        nxt = next((r.strip() for r in raw[i + 1:] if r.strip()), "")
        if heading:
            out.append(_Element("heading", heading.group(2).strip(), len(heading.group(1)),
                                is_question(heading.group(2))))
        elif RULE.match(stripped) and "-" in stripped and "|" in stripped:
            pass  # a table's header separator
        elif ROW.match(stripped):
            out.append(_Element("row", stripped))
        elif label := cue("faq_answer_label").match(stripped):
            out.append(_Element("answer", stripped[label.end():]))
        elif ORDINAL_HEADING.match(stripped) and not ENDS_SENTENCE.search(stripped):
            out.append(_Element("heading", ORDINAL_HEADING.match(stripped).group(1).strip(), 2))
        elif ITEM.match(stripped) and not re.match(r"^\d{4}[.)、．]", stripped):
            body = ITEM.match(stripped).group(1).strip()
            out.append(_Element("item", body, question=is_question(stripped)))
        elif plain and _heading_like(stripped, nxt, prev_blank):
            out.append(_Element("heading", stripped, 2))
        else:
            out.append(_Element("text", stripped, question=is_question(stripped)))
        prev_blank = False
    return out


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.path: list[tuple[int, str]] = []
        self.current: Block | None = None

    @property
    def section(self) -> str:
        return " > ".join(t for _, t in self.path)

    def close(self) -> None:
        if self.current is not None and self.current.lines:
            self.blocks.append(self.current)
        self.current = None

    def heading(self, level: int, text: str) -> None:
        self.close()
        self.path = [(lv, t) for lv, t in self.path if lv < level] + [(level, text)]

    def start(self, kind: str, lines: list[tuple[str, str]] | None = None) -> Block:
        self.close()
        self.current = Block(kind, self.section, list(lines or []))  # type: ignore[arg-type]
        return self.current


def parse_blocks(text: str, plain: bool = False) -> list[Block]:
    """Read Markdown-like text into blocks.

    Args:
        text: the loader's text (``#`` headings, list items, ``|`` rows, blank-line paragraphs).
        plain: the text comes from a plain-text or PDF page, where a short unpunctuated line
            above a paragraph is taken as a heading.
    """
    els = _elements(text, plain)
    b = _Builder()
    faq_level: int | None = None  # a question heading owns what follows until a heading of its level
    i = 0
    while i < len(els):
        el = els[i]
        nxt = next((e for e in els[i + 1:] if e.kind != "blank"), None)
        if el.kind == "blank":
            if b.current is not None and b.current.kind == "paragraph":
                b.close()
            i += 1
            continue
        if el.kind == "heading":
            if faq_level is not None and el.level > faq_level and not el.question:
                i += 1  # a sub-heading inside an answer: part of the answer's context
                continue
            if el.question:
                parent = [(lv, t) for lv, t in b.path if lv < el.level]
                b.close()
                b.path = parent
                b.start("faq", [("question", question_text(el.text))])
                faq_level = el.level
            else:
                faq_level = None
                b.heading(el.level, el.text)
            i += 1
            continue
        cur = b.current
        in_answer = cur is not None and cur.kind == "faq"
        if el.question and el.kind in ("text", "item") and nxt is not None and (
                nxt.kind == "answer" or (nxt.kind in ("text", "item", "row") and not nxt.question)):
            b.start("faq", [("question", question_text(el.text))])
            faq_level = None
            i += 1
            continue
        if el.kind == "answer":
            if not in_answer:
                b.start("faq", [])
            _add_text(b.current, "answer", el.text)
        elif el.kind == "row":
            i = _table(b, els, i, into=cur if in_answer else None)
            continue
        elif el.kind == "item":
            if in_answer:
                b.current.lines.append(("item", el.text))
            elif cur is not None and cur.kind == "list":
                cur.lines.append(("item", el.text))
            else:
                intro = _take_intro(b)
                b.start("list", [("intro", intro)] if intro else [])
                b.current.lines.append(("item", el.text))
        else:  # text
            if in_answer:
                _add_text(cur, "answer", el.text)
            elif cur is not None and cur.kind == "paragraph":
                _add_text(cur, "body", el.text)
            else:
                b.start("paragraph")
                _add_text(b.current, "body", el.text)
        i += 1
    b.close()
    return [blk for blk in b.blocks if any(role not in ("question", "intro", "header") for role, _ in blk.lines)]


def _add_text(block: Block, role: str, text: str) -> None:
    """Sentences of a paragraph or an answer; a line cut mid-sentence (as PDF text often is)
    joins the next one."""
    if block.lines and block.lines[-1][0] == role and not ENDS_SENTENCE.search(block.lines[-1][1]):
        last = block.lines.pop()[1]
        sep = "" if CJK.search(last[-1:]) or CJK.search(text[:1]) else " "
        text = last + sep + text
    for sentence in split_sentences(text):
        block.lines.append((role, sentence))


def _take_intro(b: _Builder) -> str:
    """The sentence that introduces a list ("You need three documents:") moves into the list."""
    cur = b.current
    if cur is not None and cur.kind == "paragraph" and cur.lines and ENDS_INTRO.search(cur.lines[-1][1]):
        return cur.lines.pop()[1]
    if cur is None and b.blocks and b.blocks[-1].kind == "paragraph" and b.blocks[-1].section == b.section:
        last = b.blocks[-1]
        if last.lines and ENDS_INTRO.search(last.lines[-1][1]):
            intro = last.lines.pop()[1]
            if not last.lines:
                b.blocks.pop()
            return intro
    return ""


def _row_text(line: str, header: list[str] | None) -> str:
    cells = _cells(line)
    if header and len(header) == len(cells):
        sep, join = ("：", "；") if CJK.search(line) else (": ", "; ")
        return join.join(f"{h}{sep}{c}" if h else c for h, c in zip(header, cells) if c)
    return " | ".join(c for c in cells if c)


def _table(b: _Builder, els: list[_Element], i: int, into: Block | None = None) -> int:
    """A run of table rows: a block of its own, or rows of the answer it sits in (``into``).
    Each row is written with its header ("Lateness: over 48 h; Fine: 1x price")."""
    rows = []
    while i < len(els) and els[i].kind in ("row", "blank"):
        if els[i].kind == "blank" and not any(e.kind == "row" for e in els[i + 1:i + 3] if e.kind != "blank"):
            break  # a blank line ends the table unless another row follows it
        if els[i].kind == "row":
            rows.append(els[i].text)
        i += 1
    header = _cells(rows[0]) if len(rows) > 1 else None
    if into is None:
        intro = _take_intro(b)
        into = b.start("table", [("intro", intro)] if intro else [])
        if header:
            into.lines.append(("header", " | ".join(h for h in header if h)))
    for row in rows[1:] if header else rows:
        into.lines.append(("row", _row_text(row, header)))
    if into.kind == "table":
        b.close()
    return i


def render(blocks: list[Block]) -> str:
    """The blocks as one text: section headings, then each line on its own line. Quotes are taken
    from these lines, so a citation can always be found in it."""
    out: list[str] = []
    section = None
    for blk in blocks:
        if blk.section != section:
            section = blk.section
            if section:
                out.append("")
                out.append("# " + section.split(" > ")[-1])
        out.append("")
        out.extend(text for _, text in blk.lines)
    return "\n".join(out).strip()
