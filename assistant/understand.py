"""Understanding a question before retrieval: cleaning, language, kind, parts and follow-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import QuestionError
from .glossary import Glossary
from .text import CJK, LATIN_WORD, clean_text, detect_lang, split_sentences, to_simplified

INJECTION = re.compile(
    r"(ignore (all |any )?(the )?(previous|prior|above|earlier) (instructions|prompts?|rules)|disregard .{0,20}instructions|"
    r"system prompt|you are now|act as|pretend to be|忽略(之前|以上|前面|上述)?的?(所有)?(指令|指示|说明|规则|提示)|"
    r"无视(之前|以上|前面)?的?(指令|规则)|系统提示|你现在是|扮演)",
    re.IGNORECASE,
)
OTHER_PLATFORMS = re.compile(r"(temu|shein|amazon|亚马逊|tiktok|抖音|拼多多|淘宝|天猫|京东|1688|taobao|tmall|lazada|shopee|虾皮|ebay|wish|ozon|mercado)", re.I)
ALIEXPRESS = re.compile(r"(aliexpress|速卖通|ae\b|菜鸟|cainiao)", re.I)
FUTURE = re.compile(r"(明年|后年|将来|未来|下个月|下一年|next year|in the future|will .{0,40} (in|by) 20[3-9]\d|20(2[7-9]|[3-9]\d)年?)", re.I)

KIND_PATTERNS: dict[str, re.Pattern[str]] = {
    "comparison": re.compile(r"(区别|不同|差异|对比|比较|相比|异同|哪个好|\bvs\.?\b|versus|difference|differ|compare|comparison|contrast)", re.I),
    "suitability": re.compile(r"(适合|应该选|该选|选哪|选择哪|用哪|哪种模式|哪个模式|推荐|建议.{0,6}(模式|选)|which (model|mode|option)|"
                              r"should i (use|choose|pick|go)|suit|best for|recommend|right for)", re.I),
    "temporal": re.compile(r"(变化|变了|改了|改成|调整|以前|之前|过去|历史|时间线|演变|从.{0,6}起|后来|"
                           r"since when|changed?|history|timeline|used to|before|previously|over time|evolv|later)", re.I),
    "when": re.compile(r"(什么时候|何时|哪天|哪一天|哪年|哪个月|\bwhen\b|what date|which date|which year)", re.I),
    "figure": re.compile(r"(多少|几天|几小时|几点|几层|几次|哪几天|多久|多长|多大|多高|比例|占比|费率|佣金|手续费|费用|收费|金额|额度是|门槛|"
                         r"名单|列出|完整|地址|截单|条件|how much|how many|how long|how large|how big|how deep|what percentage|"
                         r"percent|rate\b|fee|commission|cost|threshold|amount|size of|full list|exact|address|cut-off|"
                         r"requirement|need to reach|gmv)", re.I),
    "list": re.compile(r"(哪些|有哪几|包括什么|包含什么|什么好处|什么权益|what (support|perks|benefits|are the)|which .{0,30}(are|include)|"
                       r"\blist\b|perks|benefits)", re.I),
    "definition": re.compile(r"(什么是|是什么|是指|指的是|含义|意思|定义|what is|what are|what does .* mean|meaning of|define|explain)", re.I),
}
# What kind of figure a question asks for, and how a sentence that gives one looks.
FIGURE_UNITS: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (re.compile(r"(多少(个)?(国家|市场)|几个(国家|市场)|how many (countries|markets))", re.I),
     re.compile(r"\d+\s*个?(国家|市场)|\d+ (countries|markets)|(six|six new) markets|六个", re.I)),
    (re.compile(r"(多少小时|几小时|how many hours)", re.I), re.compile(r"\d+\s*(小时|h\b|hours?)", re.I)),
    (re.compile(r"(多少天|几天|多少个?工作日|how many days)", re.I),
     re.compile(r"\d+\s*(天|个?工作日|个?自然日|days?|business days|calendar days|working days)", re.I)),
    (re.compile(r"(占比|比例|share|percentage|percent)", re.I), re.compile(r"\d+\s*(%|％)|一半|half|过半", re.I)),
    (re.compile(r"(多少次|几次|how many times)", re.I), re.compile(r"\d+\s*(次|times)", re.I)),
    (re.compile(r"(佣金|费率|费用|收费|手续费|多少钱|金额|门槛|补贴|commission|fee|cost|how much|threshold|subsid)", re.I),
     re.compile(r"\d+(\.\d+)?\s*(%|％|元|万元|美元|欧元|亿元|bn)|(US\$|\$|€|RMB|¥)\s*\d", re.I)),
]


# Everyday question words and the words the corpus uses for the same idea (query side only).
QUERY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "include": ("cover", "covers", "covering"), "includes": ("covers", "covering"), "contain": ("cover",),
    "包括": ("涵盖", "包含"), "包含": ("涵盖",), "decide": ("sets",), "decides": ("sets",), "决定": ("定",),
    "mandatory": ("force", "require"), "必须": ("强制",), "benefits": ("perks", "support"), "好处": ("权益", "扶持"),
}


def synonyms(text: str) -> list[str]:
    low = text.lower()
    return [syn for word, syns in QUERY_SYNONYMS.items()
            if (re.search(rf"\b{word}\b", low) if word.isascii() else word in low) for syn in syns]


def figure_unit(text: str) -> re.Pattern[str] | None:
    """The pattern a sentence must match to answer this figure question, if the kind is clear."""
    for asked, answered in FIGURE_UNITS:
        if asked.search(text):
            return answered
    return None


FOLLOW_UP = re.compile(r"^(那|那么|那如果|如果是|换成|还有|and|what about|how about|and for|and the|same for|what if)\b|(呢|呢？|呢\?)$", re.I)
PART_SPLIT = re.compile(r"(?<=[？?])\s*|[；;]\s*|\n+|(另外|还有|以及|此外)[，,]?|\b(also|and also|additionally)\b[,]?", re.I)


@dataclass
class Question:
    raw: str
    text: str  # cleaned, simplified, injection lines removed, follow-up resolved
    lang: str  # zh | en | other
    kinds: set[str] = field(default_factory=set)
    parts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    other_platform: bool = False
    future: bool = False


def clean_question(raw: str, max_chars: int) -> tuple[str, list[str]]:
    if raw is None or not str(raw).strip():
        raise QuestionError("The question is empty. Please type a question about AliExpress seller policy. / 问题为空，请输入关于速卖通卖家政策的问题。")
    notes: list[str] = []
    text = clean_text(str(raw)).replace("\t", " ")
    if len(text) > max_chars:
        text = text[:max_chars]
        notes.append(f"question truncated to {max_chars} characters")
    if INJECTION.search(text):
        # drop the sentences that carry instructions; keep the seller's actual question
        kept = [s for s in split_sentences(text) if not INJECTION.search(s)]
        notes.append("ignored instructions embedded in the question")
        text = " ".join(kept)
    text = re.sub(r"[ \u3000]+", " ", text).strip()
    # "96h" / "72H" as sellers write it; the corpus spells hours out
    text = re.sub(r"(\d+)\s*[hH]\b", lambda m: f"{m.group(1)}小时" if CJK.search(text) else f"{m.group(1)} hours", text)
    if not CJK.search(text) and not LATIN_WORD.search(text):
        raise QuestionError("I could not find a question in that message. Please ask in Chinese or English. / 没有识别到问题，请用中文或英文提问。")
    return to_simplified(text), notes


def classify(text: str) -> set[str]:
    kinds = {k for k, p in KIND_PATTERNS.items() if p.search(text)}
    if "comparison" in kinds and "suitability" in kinds:
        kinds.discard("suitability") if not re.search(r"(适合|suit|which (model|mode))", text, re.I) else kinds.discard("comparison")
    return kinds or {"fact"}


QUESTION_CUE = re.compile(
    r"([？?]|吗|呢|多少|什么|怎么|怎样|如何|是否|能否|能不能|可不可以|哪|谁|几|多久|区别|适合|"
    r"\b(how|what|when|which|who|why|can|could|does|do|is|are|should|will)\b)", re.I)


def split_parts(text: str) -> list[str]:
    """Split a multi-question message into parts that each carry a question of their own; a
    fragment without a question of its own ("请列出完整名单") stays with the part before it."""
    pieces = [p.strip(" ，,。.") for p in PART_SPLIT.split(text) if p and p.strip(" ，,。.")]
    pieces = [p for p in pieces if not re.fullmatch(r"(另外|还有|以及|此外|also|and also|additionally)", p, re.I)]
    parts: list[str] = []
    context = ""  # statements before the first question ("I sell shoes, ...") belong to it
    for p in pieces:
        if not QUESTION_CUE.search(p) or len(p) < 4:
            if parts:
                parts[-1] = f"{parts[-1]} {p}"
            else:
                context = f"{context} {p}".strip()
            continue
        parts.append(f"{context}, {p}" if context else p)
        context = ""
    return parts if len(parts) > 1 else [text]


PREDICATE = re.compile(r"(多少|什么|怎么|如何|哪|谁|几|多久|是否|吗|区别|适合|能不能|可以|\b(how|what|when|which|who|why|"
                       r"is|are|does|do|did|can|should|was|were)\b)", re.I)


def resolve_follow_up(text: str, history: list[dict[str, Any]], glossary: Glossary) -> str:
    """Make a follow-up self-contained from the previous user turn.

    '那半托管呢?' after '全托管谁定价?' -> '半托管谁定价?' (a new subject, no predicate: swap it in);
    'When was it launched?' after 'What is Choice?' -> 'Choice When was it launched?' (a predicate,
    no subject: carry the subject over); a question with both is left alone.
    """
    previous = [h.get("content") or h.get("question") or "" for h in history if h.get("role", "user") == "user"]
    previous = [p for p in previous if p and p.strip() != text.strip()]
    if not previous:
        return text
    prev = to_simplified(previous[-1])
    new_terms = glossary.matches(text)
    old_terms = glossary.matches(prev)
    # "那半托管呢？" has no predicate of its own; "仓发是强制的吗？" does
    has_pred = bool(PREDICATE.search(re.sub(r"呢[？?]?$", "", text.strip())))
    if new_terms and has_pred:
        return text
    if new_terms and old_terms:
        resolved = prev
        for old in old_terms:
            form = max((f for f in old.forms if f.lower() in prev.lower()), key=len, default="")
            if form:
                target = new_terms[0].zh if CJK.search(prev) else new_terms[0].en
                return re.sub(re.escape(form), target, resolved, count=1, flags=re.I)
    if new_terms:
        return f"{prev} {text}"
    subject = " ".join((t.zh if CJK.search(text) else t.en) for t in old_terms) if old_terms else prev
    return f"{subject} {text}"


def analyse(raw: str, history: list[dict[str, Any]], glossary: Glossary, max_chars: int,
            lang: str | None = None) -> Question:
    text, notes = clean_question(raw, max_chars)
    corrected = glossary.correct(text)
    if corrected != text:
        notes.append(f"read as: {corrected[:80]}")
        text = corrected
    detected = detect_lang(text)
    if history:
        text = resolve_follow_up(text, history, glossary)
    q = Question(raw=raw, text=text, lang=lang or detected, notes=notes)
    q.kinds = classify(text)
    q.parts = split_parts(text)
    q.other_platform = bool(OTHER_PLATFORMS.search(text))
    q.future = bool(FUTURE.search(text))
    return q
