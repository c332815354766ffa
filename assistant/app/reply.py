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
from ..lang.phrases import TEXT

if TYPE_CHECKING:
    from ..pipeline import Assistant

GREETING = re.compile(r"^(你好|您好|hi|hello|hey|dear [^,，]*|谢谢|感谢|thanks|thank you|在吗|亲)[!！,，.。~～\s]*", re.I)
# "想问三个问题：" / "I have two questions:" before the questions themselves
PREAMBLE = re.compile(r"^[^？?]{0,24}?(问题|问一下|想问|请教|questions?|ask)[^？?:：]{0,8}[:：]\s*", re.I)
CLOSING_ONLY = re.compile(r"^(谢谢|感谢|多谢|thanks|thank you|thx|辛苦了|盼复|looking forward.*)[!！.。~～\s]*$", re.I)

WORDS = {
    "zh": {
        "greet_friendly": "您好！感谢您的咨询，以下是针对您问题的回复：",
        "greet_formal": "尊敬的卖家，您好：\n\n感谢您联系我们。关于您咨询的问题，答复如下：",
        "close_friendly": "如果还有其他问题，欢迎随时联系我们！",
        "close_formal": "如有其他疑问，请随时与我们联系。此致。",
        "unanswered": "关于「{q}」：我们目前的资料中没有可靠信息，将核实后再回复您。{where}",
        "note_title": "内部备注（不要发给卖家）",
        "confidence": "置信度",
        "sources": "引用来源",
        "not_answered": "未能回答的部分",
        "partly": "只回答了一部分，知识库没有涉及",
        "check": "需要人工核对",
        "none": "无",
    },
    "en": {
        "greet_friendly": "Hi, thanks for reaching out! Here are the answers to your questions:",
        "greet_formal": "Dear seller,\n\nThank you for contacting us. Please find our answers below:",
        "close_friendly": "If anything else comes up, just message us any time!",
        "close_formal": "Should you have any further questions, please do not hesitate to contact us. Kind regards.",
        "unanswered": "About \"{q}\": our reference material has no reliable information on this yet; we will check and get back to you. {where}",
        "note_title": "Internal note (do not send to the seller)",
        "confidence": "Confidence",
        "sources": "Sources cited",
        "not_answered": "Parts not answered",
        "partly": "answered in part; the knowledge base does not cover",
        "check": "Needs a human check",
        "none": "none",
    },
}


class ReplyDraft(BaseModel):
    lang: Literal["zh", "en"]
    reply: str
    internal_note: str
    answers: list[Answer] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list)
    unanswered: list[str] = Field(default_factory=list)
    needs_check: list[str] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    confidence: float = 0.0


def extract_questions(message: str) -> list[str]:
    """The questions inside a seller's message: greetings and thanks dropped, then split the way
    a multi-part question is (statements before a question stay with it as context)."""
    pieces = [PREAMBLE.sub("", GREETING.sub("", p.strip(" ，,。.!！")).strip()) for p in cue("part_split").split(message) if p]
    kept = [p for p in pieces if len(p) >= 3 and not CLOSING_ONLY.match(p)]
    if not kept:
        return []
    return [p.strip(" ，,。.!！") for p in split_parts("\n".join(kept))]


def split_body(answer: Answer) -> str:
    """The answer text without its sources block (the reply lists sources once, at the end)."""
    marker = f"\n\n**{TEXT[answer.lang]['sources']}**"
    return answer.answer.split(marker)[0].strip()


def draft_reply(assistant: "Assistant", message: str, lang: str | None = None, tone: str = "friendly") -> ReplyDraft:
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
    unanswered: list[str] = []
    needs: list[str] = []
    where = assistant.domain.check_where.get(lang, "")
    for i, q in enumerate(questions, 1):
        # the reply rests on the same verdicts as a chat answer: refused parts are flagged,
        # partly covered ones say what is missing
        ans, verdicts = assistant.answer(q, lang=lang)
        answers.append(ans)
        if ans.refused:
            unanswered.append(q)
            blocks.append(f"{i}. " + W["unanswered"].format(q=q, where=where).strip())
            continue
        missing = [m for v in verdicts if v.kind != "answer" for m in v.missing]
        if missing:
            needs.append(f"{q}: {W['partly']} " + ", ".join(dict.fromkeys(missing)))
        mapping = {}
        for c in ans.citations:
            existing = next((g for g in citations if g.doc_id == c.doc_id and g.quote == c.quote), None)
            if existing is None:
                existing = c.model_copy(update={"n": len(citations) + 1})
                citations.append(existing)
            mapping[c.n] = existing.n
        body = re.sub(r"\[(\d+)\]", lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", split_body(ans))
        blocks.append(f"**{i}. {q}**\n\n{body}")
        if ans.confidence < 0.5:
            needs.append(f"{q}: low confidence ({ans.confidence:.2f})")
        for c in ans.citations:
            if c.superseded:
                needs.append(f"{q}: cites a superseded rule ({c.doc_id})")
    weak: dict[str, list[int]] = {}
    for c in citations:
        rec = assistant.index.records.get(f"{c.doc_id}.{c.lang}")
        if rec is not None and rec.meta.get("confidence") == "low":
            weak.setdefault(c.doc_id, []).append(c.n)
    for doc_id, ns in weak.items():
        needs.append(f"{''.join(f'[{n}]' for n in ns)} {doc_id} rests on a single or weak source; confirm before sending")
    for q in unanswered:
        needs.append(f"not answered by the knowledge base: {q}")
    greet = W["greet_formal"] if tone == "formal" else W["greet_friendly"]
    close = W["close_formal"] if tone == "formal" else W["close_friendly"]
    sources = [f"[{c.n}] {c.title} ({Writer.provenance(c, lang)}) {c.url}".rstrip() for c in citations]
    reply = "\n\n".join([greet, *blocks, close])
    if sources:
        reply += f"\n\n**{TEXT[lang]['sources']}**\n" + "\n".join(sources)
    answered = [a for a in answers if not a.refused]
    confidence = min((a.confidence for a in answered), default=0.0)
    note_lines = [
        f"**{W['note_title']}**",
        f"- {W['confidence']}: {confidence:.2f}",
        f"- {W['sources']}: " + ("; ".join(f"[{c.n}] {c.doc_id} ({Writer.provenance(c, lang)})" for c in citations)
                                 or W["none"]),
        f"- {W['not_answered']}: " + ("; ".join(unanswered) or W["none"]),
        f"- {W['check']}: " + ("; ".join(dict.fromkeys(needs)) or W["none"]),
    ]
    return ReplyDraft(lang=lang, reply=reply, internal_note="\n".join(note_lines), answers=answers,
                      questions=questions, unanswered=unanswered, needs_check=list(dict.fromkeys(needs)),
                      citations=citations, confidence=round(confidence, 3))
