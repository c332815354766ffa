"""Reply drafts for support staff: a seller's message in, a cited reply in the seller's language
out, with an internal note that says what the agent must still check."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from ..errors import QuestionError
from ..schema import Answer, Citation
from ..lang.text import detect_lang
from ..answer.understand import clean_question, split_parts
from ..lang.cues import cue
from ..answer.write import Writer
from ..lang.fragments import fragment
from ..lang.phrases import TEXT

if TYPE_CHECKING:
    from ..pipeline import Assistant

# Around the questions of a seller's message (lang/tables/messages.yaml): message_greeting,
# message_preamble ("想问三个问题：", "I have two questions:"), message_closing. In an answer read
# back as plain sentences (lang/tables/answers.yaml): table_rule, bullet, sentence_end.

WORDS = {
    "zh": {
        "greet_friendly": "您好！感谢您的咨询。",
        "greet_formal": "尊敬的卖家，您好：\n\n感谢您联系我们，现就您咨询的问题答复如下。",
        "close_friendly": "如果还有其他问题，欢迎随时联系我们！",
        "close_formal": "如有其他疑问，请随时与我们联系。",
        "not_covered": "这一点我们目前的资料中没有可靠信息。",
        "not_covered_several": "这几点我们目前的资料中都没有可靠信息。",
        "check_where": "{where}",
        "partly_missing": "其中{what}，我们的资料中没有说明。",
        "sources": "来源",
        "note_title": "内部备注（不要发给卖家）",
        "parts": "消息中的问题",
        "answered": "已回答",
        "partly": "部分回答",
        "not_answered": "未涵盖",
        "confidence": "置信度",
        "cited": "引用来源",
        "check": "发送前请核对",
        "weak": "{ns} {doc} 只有单一或较弱的来源，发送前请确认",
        "superseded": "{ns} {doc} 是已被取代的旧规则",
        "low": "“{q}”的回答置信度较低（{c:.2f}）",
        "unanswered": "知识库没有回答“{q}”，请人工核实后再补充",
        "none": "无",
        "sep": "；",
    },
    "en": {
        "greet_friendly": "Hi, thanks for reaching out!",
        "greet_formal": "Dear seller,\n\nThank you for contacting us. Please find our answers below.",
        "close_friendly": "If anything else comes up, just message us any time!",
        "close_formal": "Should you have any further questions, please do not hesitate to contact us. Kind regards.",
        "not_covered": "Our reference material has no reliable information on this point.",
        "not_covered_several": "Our reference material has no reliable information on these points.",
        "check_where": "{where}",
        "partly_missing": "Our material does not say {what}.",
        "sources": "Sources",
        "note_title": "Internal note (do not send to the seller)",
        "parts": "Questions in the message",
        "answered": "answered",
        "partly": "partly answered",
        "not_answered": "not covered",
        "confidence": "Confidence",
        "cited": "Sources cited",
        "check": "Check before sending",
        "weak": "{ns} {doc} rests on a single or weak source; confirm it",
        "superseded": "{ns} {doc} is a superseded rule",
        "low": "low confidence ({c:.2f}) for \"{q}\"",
        "unanswered": "the knowledge base does not answer \"{q}\"; check before adding anything",
        "none": "none",
        "sep": "; ",
    },
}


class ReplyDraft(BaseModel):
    lang: Literal["zh", "en"]
    reply: str
    internal_note: str
    answers: list[Answer] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    unanswered: list[str] = Field(default_factory=list)
    partly: list[str] = Field(default_factory=list)  # answered in part: what is missing is said in the reply
    needs_check: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    confidence: float = 0.0


def extract_questions(message: str) -> list[str]:
    """The questions inside a seller's message: greetings and thanks dropped, then split the way
    a multi-part question is (statements before a question stay with it as context)."""
    greeting, preamble = cue("message_greeting"), cue("message_preamble")
    pieces = [preamble.sub("", greeting.sub("", p.strip(" ，,。.!！")).strip()) for p in cue("part_split").split(message) if p]
    kept = [p for p in pieces if len(p) >= 3 and not cue("message_closing").match(p)]
    if not kept:
        return []
    return [p.strip(" ，,。.!！") for p in split_parts("\n".join(kept))]


def split_body(answer: Answer) -> str:
    """The answer text without its sources block (the reply lists sources once, at the end)."""
    marker = f"\n\n**{TEXT[answer.lang]['sources']}**"
    return answer.answer.split(marker)[0].strip()


def plain(markdown: str, lang: str) -> str:
    """An answer body as sentences a seller reads in a message: no bold, no table, no bullets
    (a table row becomes "label: cell; cell", a bullet its own sentence), no pointer to a page."""
    sep = "；" if lang == "zh" else "; "
    end = "。" if lang == "zh" else "."
    out: list[str] = []
    header: list[str] = []
    for raw in markdown.replace("**", "").splitlines():
        line = raw.strip()
        if not line or cue("table_rule").match(line):
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not header:
                header = cells
                continue
            pairs = [f"{h}：{c}" if lang == "zh" else f"{h}: {c}" for h, c in zip(header[1:], cells[1:]) if c and c != "—"]
            if pairs:
                out.append(f"{cells[0]}{'：' if lang == 'zh' else ': '}{sep.join(pairs)}{end}")
            continue
        header = []
        line = cue("bullet").sub("", line)
        if fragment(re.sub(r"\s*\[\d+\]", "", line)) in ("pointer", "advice"):
            continue
        out.append(line if cue("sentence_end").search(line) else line + end)
    return ("" if lang == "zh" else " ").join(out).replace("：。", "：").strip()


def draft_reply(assistant: "Assistant", message: str, lang: str | None = None, tone: str = "friendly") -> ReplyDraft:
    """A reply an agent can send after a glance: a greeting, each question of the message
    answered in plain sentences (what is not covered said plainly, with where to check), a
    closing and the sources; and an internal note, in the same language, with each question's
    status, the sources with their dates and what to check. The tone changes wording only."""
    text, _notes = clean_question(message, assistant.settings.max_question_chars * 3)
    lang = lang or detect_lang(text)
    if lang not in ("zh", "en"):
        lang = "en"
    W = WORDS[lang]
    questions = extract_questions(text)
    if not questions:
        raise QuestionError("no question found in the seller's message / 没有在卖家消息中找到问题")
    answers: list[Answer] = []
    citations: list[Citation] = []
    blocks: list[str] = []
    status: list[str] = []
    unanswered: list[str] = []
    partly: list[str] = []
    needs: list[str] = []
    where = assistant.domain.check_where.get(lang, "")
    generic_at = -1  # the block saying plainly that a question is not covered, when it is the last one
    for q in questions:
        # the reply rests on the same verdicts as a chat answer
        ans, verdicts = assistant.answer(q, lang=lang)
        answers.append(ans)
        mapping = {}
        for c in ans.citations:
            existing = next((g for g in citations if g.doc_id == c.doc_id and g.quote == c.quote), None)
            if existing is None:
                existing = c.model_copy(update={"n": len(citations) + 1})
                citations.append(existing)
            mapping[c.n] = existing.n
        body = re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", split_body(ans))
        if ans.refused:
            unanswered.append(q)
            status.append(f"{q}: {W['not_answered']}")
            needs.append(W["unanswered"].format(q=q))
            stated = [v.lead for v in verdicts if v.lead is not None]
            if not stated and blocks and generic_at == len(blocks) - 1:
                # questions in a row that nothing covers are said to be not covered once
                blocks[-1] = " ".join(x for x in (W["not_covered_several"], W["check_where"].format(where=where)) if x)
                continue
            # the knowledge base's own statement of the gap, else a plain "not covered"
            said = plain(body.split("\n\n")[0], lang) if stated else W["not_covered"]
            blocks.append(" ".join(x for x in (said, W["check_where"].format(where=where)) if x).strip())
            generic_at = -1 if stated else len(blocks) - 1
            continue
        missing = [m for v in verdicts if v.kind != "answer" for m in v.missing]
        reply = plain(body, lang)
        if missing or any(v.kind == "partial" for v in verdicts):
            if missing:
                what = W["sep"].join(f"“{m}”" for m in dict.fromkeys(missing))
                reply += ("" if lang == "zh" else " ") + W["partly_missing"].format(what=what)
            reply += ("" if lang == "zh" else " ") + where
            status.append(f"{q}: {W['partly']}")
            partly.append(q)
        else:
            status.append(f"{q}: {W['answered']}")
        blocks.append(reply)
        if ans.confidence < 0.5:
            needs.append(W["low"].format(q=q, c=ans.confidence))
    for c in citations:
        if c.superseded:
            needs.append(W["superseded"].format(ns=f"[{c.n}]", doc=c.title))
    weak: dict[str, list[int]] = {}
    for c in citations:
        rec = assistant.index.records.get(f"{c.doc_id}.{c.lang}")
        if rec is not None and rec.meta.get("confidence") == "low":
            weak.setdefault(c.title, []).append(c.n)
    needs += [W["weak"].format(ns="".join(f"[{n}]" for n in ns), doc=title) for title, ns in weak.items()]
    greet = W["greet_formal"] if tone == "formal" else W["greet_friendly"]
    close = W["close_formal"] if tone == "formal" else W["close_friendly"]
    numbered = [f"{i}. {b}" for i, b in enumerate(blocks, 1)] if len(blocks) > 1 else blocks
    reply = "\n\n".join([greet, *numbered, close])
    shown = [c for c in citations if f"[{c.n}]" in reply]  # a source whose sentence was left out is not listed
    if shown:
        reply += f"\n\n{W['sources']}：\n" if lang == "zh" else f"\n\n{W['sources']}:\n"
        reply += "\n".join(f"[{c.n}] {c.title} ({Writer.provenance(c, lang)}) {c.url}".rstrip() for c in shown)
    answered = [a for a in answers if not a.refused]
    confidence = min((a.confidence for a in answered), default=0.0)
    note_lines = [
        W["note_title"],
        f"- {W['parts']}: " + W["sep"].join(status),
        f"- {W['confidence']}: {confidence:.2f}",
        f"- {W['cited']}: " + (W["sep"].join(f"[{c.n}] {c.title} ({Writer.provenance(c, lang)})" for c in citations)
                              or W["none"]),
        f"- {W['check']}: " + (W["sep"].join(dict.fromkeys(needs)) or W["none"]),
    ]
    return ReplyDraft(lang=lang, reply=reply, internal_note="\n".join(note_lines), answers=answers,
                      questions=questions, unanswered=unanswered, partly=partly, needs_check=list(dict.fromkeys(needs)),
                      citations=citations, confidence=round(confidence, 3))
