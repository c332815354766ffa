"""The extractive composer: picks the sentences that answer a question and lays them out by the
kind of question, each point ending in [n]; refuses when the knowledge base does not hold the
answer. It never writes a figure of its own: every number in an answer is inside a quote."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .embed import encode
from .glossary import Glossary
from .index import PolicyIndex
from .question import ALIEXPRESS, INJECTION, OTHER_PLATFORMS, Question, analyse, figure_unit
from .retrieve import HybridRetriever
from .schema import Answer, Citation
from .text import Tokenizer

NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万]+(天|小时|个|%|成|倍|年|月|日)")
NOT_PUBLIC = re.compile(r"(未公开|没有公开|未披露|没有披露|不公开|未说明|没有说明|未找到|没有找到|查不到|没有收录|未收录|没有记载|"
                        r"本知识库没有|知识库中没有|not public|not been published|not disclosed|undisclosed|not stated|"
                        r"not in (our|the|this) (sources|knowledge base)|does not (state|give|publish|have)|"
                        r"no (reliable |public )?(source|figure|table))", re.I)
# Words every question and sentence here shares; overlap on them says nothing about relevance.
DOMAIN_TOKENS = frozenset({"aliexpress", "速卖通", "seller", "商家", "卖家", "platform", "平台", "ae"})
CONFLICT = re.compile(r"(说法不一|说法不同|不同来源|另一来源|有来源称|有的来源|存在分歧|相互矛盾|与.{0,12}定义不同|sources (differ|disagree)|"
                      r"conflict|other sources|another source|some sources|differs from the .{0,20}definition)", re.I)
NOW = re.compile(r"(起|以后|之后|现在|目前|如今|\bnow\b|currently|\bsince\b|today)", re.I)
PAST = re.compile(r"(之前|以前|原来|原先|此前|\bbefore\b|\buntil\b|previously|used to|\bwas\b)", re.I)
MANDATORY = re.compile(r"(不强制|没有强制|并不强制|not mandatory|does not (force|require)|no obligation)", re.I)
SENT_DATE = re.compile(r"(20\d\d)(?:年?(?:[-/.]|年)(\d{1,2})月?)?(?:(?:[-/.]|月)?(\d{1,2})日?)?")
EN_MONTHS = {m: i + 1 for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                              "september", "october", "november", "december"])}
EN_DATE = re.compile(r"(?:(\d{1,2}) )?(January|February|March|April|May|June|July|August|September|October|November|December)"
                     r"(?: (\d{1,2}))?,? (20\d\d)", re.I)

MODELS = {
    "pop": ("POP", "POP", ("pop", "自运营", "self-operated")),
    "semi": ("半托管", "semi-managed", ("半托管", "semi-managed", "semi-hosted", "semi-fulfil", "半托")),
    "full": ("全托管", "fully-managed", ("全托管", "fully-managed", "full-managed", "fully managed", "full custody", "全托")),
}
ASPECTS = {
    "pricing": (("定价", "零售价", "价格", "供货价", "报价"), ("price", "pricing")),
    "logistics": (("物流", "发货", "仓", "配送", "履约"), ("logistic", "ship", "warehouse", "fulfil", "deliver")),
    "after_sales": (("售后", "退货", "退款", "逆向"), ("after-sales", "return", "refund", "reverse")),
    "suits": (("适合", "适用", "标品", "非标", "轻小件"), ("suit", "best for", "standard", "light", "non-standard")),
}
ASPECT_LABEL = {
    "zh": {"pricing": "谁定价", "logistics": "谁负责物流/发货", "after_sales": "谁负责售后", "suits": "适合什么商品"},
    "en": {"pricing": "Who sets the price", "logistics": "Who handles logistics / shipping",
           "after_sales": "Who handles after-sales", "suits": "What goods it suits"},
}
TEXT = {
    "zh": {
        "refuse": "抱歉，知识库中没有可以回答这个问题的可靠信息，我不能给出确切答案。",
        "refuse_public": "这个问题的答案在现有公开资料中没有披露，知识库里也没有，所以我不能给出具体数字。",
        "refuse_platform": "这个问题涉及其他平台的规则，不在本知识库（速卖通卖家政策）范围内，我无法回答。",
        "refuse_future": "知识库只记录已经公布的规则，无法预测未来的政策变化。",
        "refuse_lang": "抱歉，我目前只能用中文或英文回答速卖通卖家政策的问题。 Sorry, I can only answer in Chinese or English.",
        "related": "我知道的相关内容：",
        "check": "请以速卖通卖家后台（跨境卖家中心）公告中的最新规则为准。",
        "sources": "来源",
        "timeline": "时间线（由新到旧）：",
        "superseded": "（已被新规取代）",
        "conflict": "注意：不同来源对此说法不一，以下列出各方说法。",
        "compare": "主要区别见下表（每格注明出处）：",
        "model": "模式",
        "recommend": "建议：",
        "reason": "依据：",
        "none": "知识库未说明",
        "quoted_other": "（引自英文资料）",
        "part": "问题",
    },
    "en": {
        "refuse": "Sorry, the knowledge base has no reliable information that answers this question, so I can't give a definite answer.",
        "refuse_public": "This has not been published in the sources the knowledge base is built from, so I can't give a figure.",
        "refuse_platform": "This is about another platform's rules, which are outside this knowledge base (AliExpress seller policy).",
        "refuse_future": "The knowledge base only records rules that have been announced; it can't predict future policy.",
        "refuse_lang": "Sorry, I can only answer questions about AliExpress seller policy in English or Chinese. 抱歉，我目前只能用中文或英文回答。",
        "related": "What I do know that is related:",
        "check": "Please check the latest announcements in the AliExpress Seller Center (seller backend) for the current rule.",
        "sources": "Sources",
        "timeline": "Timeline (newest first):",
        "superseded": " (superseded by a newer rule)",
        "conflict": "Note: sources disagree on this; each view is listed below.",
        "compare": "The main differences are in the table below (each cell cites its source):",
        "model": "Model",
        "recommend": "Recommendation: ",
        "reason": "Why:",
        "none": "not stated in the knowledge base",
        "quoted_other": " (quoted from a Chinese source)",
        "part": "Question",
    },
}


@dataclass
class Candidate:
    text: str
    doc_uid: str
    doc_id: str
    lang: str
    idx: int
    meta: dict[str, Any]
    score: float = 0.0
    sim: float = 0.0
    lex: float = 0.0
    vec: np.ndarray | None = None


@dataclass
class Composition:
    answer: Answer
    evidence: list[Candidate] = field(default_factory=list)


class Citations:
    """Numbers sentences as they are cited; the same sentence keeps its number."""

    def __init__(self) -> None:
        self.items: list[Citation] = []
        self._by_key: dict[tuple[str, int], int] = {}
        self.cands: list[Candidate] = []

    def cite(self, c: Candidate) -> int:
        key = (c.doc_uid, c.idx)
        if key not in self._by_key:
            sources = c.meta.get("sources") or [{}]
            self.items.append(Citation(
                n=len(self.items) + 1, doc_id=c.doc_id, title=c.meta.get("title", ""), url=sources[0].get("url", ""),
                published=c.meta.get("published", ""), quote=c.text, lang=c.lang,
                publisher=sources[0].get("publisher", ""), superseded=bool(c.meta.get("superseded_by")),
            ))
            self.cands.append(c)
            self._by_key[key] = len(self.items)
        return self._by_key[key]


class ExtractiveComposer:
    """Answers from the corpus sentences themselves.

    Args:
        index: the loaded index (document records with sentence vectors).
        embedder: used only for sentences whose vectors are not stored.
        tokenizer: keyword tokenizer, for lexical overlap.
        glossary: for synonyms when matching models and aspects.
    """

    min_score = 0.34
    min_support_ratio = 0.72
    max_points = 4

    def __init__(self, index: PolicyIndex, embedder, tokenizer: Tokenizer, glossary: Glossary) -> None:
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.glossary = glossary
        self._tok_cache: dict[str, frozenset[str]] = {}

    # ---- public -------------------------------------------------------------------------------
    def answer(self, raw: str, retriever: HybridRetriever, history: list[dict[str, Any]] | None = None,
               lang: str | None = None, mode: str | None = None, max_chars: int = 4000) -> Composition:
        q = analyse(raw, history or [], self.glossary, max_chars, lang)
        timings: dict[str, float] = {}
        if q.lang == "other":
            return Composition(Answer(question=raw, lang="en", answer=TEXT["en"]["refuse_lang"], refused=True,
                                      confidence=0.0, notes=q.notes + ["unsupported language"]))
        lang = q.lang
        cites = Citations()
        if len(q.parts) > 1:
            blocks, refused_parts, conf = [], 0, []
            for i, part in enumerate(q.parts, 1):
                # a later part may lean on an earlier one ("…怎么变化的？以前是多少？"): resolve it
                # like a follow-up in a conversation
                before = [{"role": "user", "content": p} for p in q.parts[: i - 1]]
                sub = analyse(part, before, self.glossary, max_chars, lang)
                body, refused, c = self._answer_one(sub, retriever, cites, timings, mode)
                refused_parts += refused
                conf.append(c)
                blocks.append(f"**{i}. {part}**\n\n{body}")
            body = "\n\n".join(blocks)
            refused = refused_parts == len(q.parts)
            confidence = float(np.mean(conf)) if conf else 0.0
            if refused_parts and not refused:
                q.notes.append(f"{refused_parts} of {len(q.parts)} parts are not answered by the knowledge base")
        else:
            body, refused, confidence = self._answer_one(q, retriever, cites, timings, mode)
        text = body + self._sources_block(cites, lang)
        return Composition(
            Answer(question=raw, lang=lang, answer=text, refused=refused, confidence=round(confidence, 3),
                   citations=cites.items, mode="extractive", timings_ms=timings, notes=q.notes),
            cites.cands,
        )

    # ---- one question -------------------------------------------------------------------------
    def _answer_one(self, q: Question, retriever: HybridRetriever, cites: Citations, timings: dict[str, float],
                    mode: str | None) -> tuple[str, bool, float]:
        t = time.perf_counter()
        temporal = "temporal" in q.kinds
        k = 12 if ({"comparison", "temporal", "suitability"} & q.kinds) else retriever.k
        result = retriever.search(q.text, k=k, lang=q.lang, mode=mode, prefer_current=not temporal)
        for name, ms in result.timings_ms.items():
            timings[name] = round(timings.get(name, 0.0) + ms, 3)
        t2 = time.perf_counter()
        timings["retrieve"] = round(timings.get("retrieve", 0.0) + (t2 - t) * 1000, 3)
        cands = self._candidates(q, result, whole_docs="comparison" in q.kinds or temporal)
        T = TEXT[q.lang]
        refusal = self._refusal(q, cands)
        if refusal:
            body = self._refusal_body(q, refusal, cands, cites)
            timings["compose"] = round(timings.get("compose", 0.0) + (time.perf_counter() - t2) * 1000, 3)
            return body, True, 0.05
        if "comparison" in q.kinds and self._model_table_wanted(q):
            body = self._comparison(q, cands, cites)
        elif "comparison" in q.kinds:
            body = self._contrast(q, cands, cites)
        elif temporal:
            body = self._timeline(q, cands, cites)
        elif "suitability" in q.kinds:
            body = self._suitability(q, cands, cites)
        else:
            body = self._points(q, cands, cites)
        if any(CONFLICT.search(c.text) for c in cites.cands[-self.max_points:]):
            body = T["conflict"] + "\n\n" + body
        timings["compose"] = round(timings.get("compose", 0.0) + (time.perf_counter() - t2) * 1000, 3)
        top = cands[0].score if cands else 0.0
        confidence = max(0.05, min(0.99, (top - 0.2) / 0.5))
        if any(c.meta.get("confidence") == "low" for c in cites.cands):
            confidence = min(confidence, 0.5)
        return body, False, confidence

    # ---- sentence candidates ------------------------------------------------------------------
    def _candidates(self, q: Question, result, whole_docs: bool) -> list[Candidate]:
        qvec = result.query_vector
        if qvec is None:
            qvec = np.asarray(self.embedder.embed_query(q.text), dtype=np.float32)
        q_tokens = self._tokens(q.text + " " + " ".join(result.expansion)) - DOMAIN_TOKENS
        q_tokens_core = self._tokens(q.text) - DOMAIN_TOKENS
        seen: set[tuple[str, int]] = set()
        cands: list[Candidate] = []
        must_q = bool(re.search(r"(必须|强制|一定要|非要|have to|must|mandatory|required|obliged|forced)", q.text, re.I))
        now_q = "temporal" not in q.kinds and bool(NOW.search(q.text))
        # Latin names inside a Chinese question ("Quokka Lamp 商品…") point at the document that names them
        known = {f.lower() for t in self.glossary.terms for f in t.forms}
        names = [w.lower() for w in re.findall(r"\b[A-Z][a-z0-9]{2,}\b", q.text)
                 if q.lang == "zh" and w.lower() not in known and w.lower() not in ("aliexpress",)]
        n = max(1, len(result.passages))
        top_score = result.passages[0].score if result.passages else 1.0
        for rank, p in enumerate(result.passages):
            rec, chunk = self.index.chunks[p.chunk_id]
            if rec.sentence_vectors() is None:
                # a replica rebuilt from the shared store has no sentence vectors yet: embed once
                rec.vectors = encode(self.embedder, rec.sentences).astype(np.float16)
            rng = range(len(rec.sentences)) if (whole_docs and rank < 6) else range(chunk.start, chunk.end)
            passage_weight = p.score / top_score if top_score else 0.0
            for i in rng:
                key = (rec.uid, i)
                if key in seen:
                    continue
                seen.add(key)
                text = rec.sentences[i]
                if len(text) < 6 or INJECTION.search(text):
                    # an instruction planted in a document is not a fact: never quote it, never
                    # hand it to the LLM as evidence
                    continue
                vec = rec.vectors[i].astype(np.float32) if rec.vectors is not None else None
                sim = float(vec @ qvec) if vec is not None else 0.0
                toks = self._tokens(text)
                lex = len(q_tokens & toks) / max(1, len(q_tokens)) if q_tokens else 0.0
                core = len(q_tokens_core & toks) / max(1, len(q_tokens_core)) if q_tokens_core else 0.0
                if names and any(n in text.lower() for n in names):
                    score_names = 0.1 * sum(n in text.lower() for n in names) / len(names)
                else:
                    score_names = 0.0
                score = 0.5 * sim + 0.25 * lex + 0.15 * core + 0.12 * passage_weight - 0.01 * (rank / n) + score_names
                if rec.lang != q.lang:
                    score -= 0.2 if self.index.has_lang(rec.doc_id, q.lang) else 0.05
                if p.meta.get("superseded_by") and "temporal" not in q.kinds:
                    score -= 0.15
                if i == 0 and "definition" in q.kinds:
                    score += 0.04
                if "when" in q.kinds and sentence_date(text):
                    score += 0.05
                if must_q and MANDATORY.search(text):
                    score += 0.1
                if now_q and PAST.search(text):
                    score -= 0.06
                if rec.meta.get("type") == "glossary" and "definition" not in q.kinds:
                    score -= 0.05
                cands.append(Candidate(text, rec.uid, rec.doc_id, rec.lang, i,
                                       {**rec.meta, "superseded_by": p.meta.get("superseded_by", "")},
                                       score, sim, lex, vec))
        cands.sort(key=lambda c: -c.score)
        return cands

    def _tokens(self, text: str) -> frozenset[str]:
        cached = self._tok_cache.get(text)
        if cached is None:
            cached = frozenset(self.tokenizer.tokenize(text))
            if len(self._tok_cache) > 200_000:
                self._tok_cache.clear()
            self._tok_cache[text] = cached
        return cached

    def _select(self, q: Question, cands: list[Candidate], limit: int | None = None) -> list[Candidate]:
        """Best sentences in the question's language, without near-duplicates; list questions
        ("what perks ...", "有哪些") take more of them."""
        listing = "list" in q.kinds
        limit = limit or (self.max_points + 2 if listing else self.max_points)
        ratio = self.min_support_ratio - (0.12 if listing else 0.0)
        # the question's language, plus documents that exist only in the other language (an
        # English-only notice must still answer a Chinese question)
        pool = [c for c in cands if c.lang == q.lang or not self.index.has_lang(c.doc_id, q.lang)] or cands
        if not pool:
            return []
        top = pool[0].score
        chosen: list[Candidate] = []
        for c in pool:
            if len(chosen) >= limit:
                break
            if chosen and c.score < top * ratio:
                break
            if any(_redundant(c, o) for o in chosen):
                continue
            chosen.append(c)
        return chosen

    # ---- refusal ------------------------------------------------------------------------------
    def _refusal(self, q: Question, cands: list[Candidate]) -> str:
        if q.other_platform and not ALIEXPRESS.search(q.text) and not ({"comparison"} & q.kinds) \
                and not re.search(r"(半托管|semi|托管|managed)", q.text, re.I):
            return "refuse_platform"
        if q.other_platform and ("figure" in q.kinds) and not ALIEXPRESS.search(q.text):
            return "refuse_platform"
        if q.future:
            return "refuse_future"
        if not cands or cands[0].score < self.min_score:
            return "refuse"
        best = self._select(q, cands, 3)
        stated = [c for c in best if c.meta.get("type") != "glossary"]
        if "definition" not in q.kinds and len(stated) >= 2 and all(NOT_PUBLIC.search(c.text) for c in stated[:2]):
            return "refuse_public"
        if "figure" in q.kinds:
            wide = [c for c in self._select(q, cands, 6) if c.meta.get("type") != "glossary"] or best
            unit = figure_unit(q.text)
            giving = [c for c in wide[:5] if has_figure(c.text) and not NOT_PUBLIC.search(c.text)
                      and (unit is None or unit.search(c.text))]
            years = set(re.findall(r"20\d\d", q.text))
            if years:
                giving = [c for c in giving if any(y in c.text for y in years)]
            if not giving:
                said = any(NOT_PUBLIC.search(c.text) for c in wide[:3])
                return "refuse_public" if said else "refuse"
        if best and ((best[0].sim < 0.15 and best[0].lex < 0.3) or (best[0].lex < 0.1 and best[0].sim < 0.35)):
            return "refuse"
        return ""

    def _refusal_body(self, q: Question, kind: str, cands: list[Candidate], cites: Citations) -> str:
        T = TEXT[q.lang]
        lines = [T[kind]]
        related = [c for c in self._select(q, cands, 2) if c.score >= self.min_score * 0.8] if kind != "refuse_platform" else []
        if kind == "refuse_public":
            said = [c for c in cands if c.lang == q.lang and NOT_PUBLIC.search(c.text)][:1]
            related = said + [c for c in related if c not in said][:1]
        if kind == "refuse_platform":
            related = [c for c in cands if c.lang == q.lang and c.doc_id == "other-platforms"][:1]
        if related:
            lines.append("")
            lines.append(T["related"])
            for c in related:
                lines.append(f"- {c.text} [{cites.cite(c)}]")
        lines.append("")
        lines.append(T["check"])
        return "\n".join(lines)

    # ---- shapes -------------------------------------------------------------------------------
    def _point(self, c: Candidate, cites: Citations, q: Question) -> str:
        T = TEXT[q.lang]
        suffix = T["superseded"] if c.meta.get("superseded_by") else ""
        other = T["quoted_other"] if c.lang != q.lang else ""
        return f"{c.text} [{cites.cite(c)}]{suffix}{other}"

    def _points(self, q: Question, cands: list[Candidate], cites: Citations) -> str:
        chosen = self._select(q, cands)
        # a sentence saying sources disagree belongs in the answer when it is nearly as relevant
        top = chosen[0].score
        conflict = [c for c in cands[:12] if CONFLICT.search(c.text) and c.lang == q.lang and c not in chosen
                    and c.score >= top * 0.6]
        if conflict:
            chosen = chosen[: self.max_points - 1] + conflict[:1]
        # the direct answer states the rule in force; superseded rules follow, labelled as such
        chosen.sort(key=lambda c: bool(c.meta.get("superseded_by")))
        first, rest = chosen[0], chosen[1:]
        lines = [self._point(first, cites, q)]
        if rest:
            lines.append("")
            lines.extend(f"- {self._point(c, cites, q)}" for c in rest)
        return "\n".join(lines)

    def _timeline(self, q: Question, cands: list[Candidate], cites: Citations) -> str:
        T = TEXT[q.lang]
        pool = [c for c in cands if c.lang == q.lang] or cands
        top = pool[0].score
        dated = []
        for c in pool[:40]:
            d = sentence_date(c.text) or (c.meta.get("effective_from") or "")
            if d:
                dated.append((d, c))
        # measured against the best dated sentence: a general remark ("the share changed over
        # time") may top the ranking without being a point on the timeline
        best_dated = max((c.score for _, c in dated), default=0.0)
        dated = [(d, c) for d, c in dated if c.score >= max(top * 0.5, best_dated * 0.75)]
        labels = {id(c): date_label(c.text) or d for d, c in dated}
        if len(dated) < 2:
            return self._points(q, cands, cites)
        picked: list[tuple[str, Candidate]] = []
        for d, c in sorted(dated, key=lambda x: -x[1].score):
            if len(picked) >= 6:
                break
            if any(_redundant(c, o) for _, o in picked) or sum(1 for pd, _ in picked if pd == d) >= 2:
                continue
            picked.append((d, c))
        picked.sort(key=lambda x: x[0], reverse=True)
        head = max(picked, key=lambda x: x[1].score)[1] if not any(c.meta.get("superseded_by") for _, c in picked) \
            else next((c for _, c in picked if not c.meta.get("superseded_by")), picked[0][1])
        lines = [self._point(head, cites, q), "", T["timeline"]]
        for d, c in picked:
            lines.append(f"- {labels[id(c)]}: {self._point(c, cites, q)}")
        return "\n".join(lines)

    def _model_table_wanted(self, q: Question) -> bool:
        """The who-prices / who-ships table answers POP vs semi- vs fully-managed; comparisons of
        anything else (JIT vs warehouse, AliExpress vs Temu) are answered point by point."""
        if q.other_platform:
            return False
        models = self._models_in(q.text)
        if len(models) >= 2:
            return True
        others = [t for t in self.glossary.matches(q.text) if t.zh not in ("POP", "半托管", "全托管", "速卖通")]
        return not models and not others and bool(re.search(r"(模式|model|三种|three)", q.text, re.I))

    def _contrast(self, q: Question, cands: list[Candidate], cites: Citations) -> str:
        """Best sentences overall, plus for each side of the comparison the best sentence about
        that side alone (so both sides are stated, not only the sentences naming both)."""
        chosen = self._select(q, cands, 3)
        pool = [c for c in cands if c.lang == q.lang and c.meta.get("type") != "glossary"]
        terms = [[f.lower() for f in t.forms] for t in self.glossary.matches(q.text)
                 if not ALIEXPRESS.search(t.en or "")]
        platforms = [m.lower() for m in dict.fromkeys(OTHER_PLATFORMS.findall(q.text))]
        if platforms:
            # AliExpress vs Temu on one topic: the platforms are the sides, the topic is shared
            sides, topic = [[p] for p in platforms] + [["速卖通", "aliexpress"]], [f for fs in terms for f in fs]
        else:
            sides, topic = terms, []
        for i, forms in enumerate(sides):
            others = [f for j, fs in enumerate(sides) if j != i for f in fs]
            best = next((c for c in pool if c not in chosen and any(f in c.text.lower() for f in forms)
                         and not any(f in c.text.lower() for f in others)
                         and (not topic or any(f in c.text.lower() for f in topic))), None)
            if best is not None:
                chosen.append(best)
        first, rest = chosen[0], chosen[1:]
        return "\n".join([self._point(first, cites, q), "", *(f"- {self._point(c, cites, q)}" for c in rest)])

    def _models_in(self, text: str) -> list[str]:
        low = text.lower()
        return [m for m, (_, _, forms) in MODELS.items() if any(f in low for f in forms)]

    def _comparison(self, q: Question, cands: list[Candidate], cites: Citations) -> str:
        T = TEXT[q.lang]
        models = self._models_in(q.text)
        if len(models) < 2:
            models = list(MODELS)
        pool = [c for c in cands if c.lang == q.lang and c.meta.get("type") != "glossary"]
        header = [T["model"]] + [MODELS[m][0 if q.lang == "zh" else 1] for m in models]
        rows = []
        for aspect, (zh_kw, en_kw) in ASPECTS.items():
            kws = zh_kw if q.lang == "zh" else en_kw
            row = [ASPECT_LABEL[q.lang][aspect]]
            for m in models:
                forms = MODELS[m][2]
                best = None
                for c in pool:
                    low = c.text.lower()
                    if any(f in low for f in forms) and any(k in low for k in kws) \
                            and not any(f in low for om in MODELS if om != m for f in MODELS[om][2] if om != "pop" or m != "semi"):
                        if best is None or c.score + 0.3 * c.sim > best.score + 0.3 * best.sim:
                            best = c
                row.append(f"{_cell(best.text)} [{cites.cite(best)}]" if best else T["none"])
            rows.append(row)
        table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        table += ["| " + " | ".join(cell.replace("|", "/") for cell in r) + " |" for r in rows]
        lead = self._select(q, cands, 2)
        lines = [T["compare"], "", *table]
        if lead:
            lines += ["", *(f"- {self._point(c, cites, q)}" for c in lead)]
        return "\n".join(lines)

    def _suitability(self, q: Question, cands: list[Candidate], cites: Citations) -> str:
        """Lead with a sentence that names a model and the kind of goods the seller described."""
        T = TEXT[q.lang]
        goods = [t for t in self.glossary.matches(q.text) if not any(t.zh == MODELS[m][0] for m in MODELS)]
        goods_forms = [f.lower() for t in goods for f in t.forms]
        def fits(c: Candidate) -> float:
            low = c.text.lower()
            named = any(f in low for m in MODELS.values() for f in m[2]) or any(
                w in low for w in ("仓发", "jit", "warehouse"))
            return c.score + (0.12 if named else -0.1) + (0.08 if any(f in low for f in goods_forms) else 0.0)
        ranked = sorted((c for c in cands if c.lang == q.lang and c.meta.get("type") != "glossary"), key=fits, reverse=True)
        for c in ranked:
            c.score = fits(c)
        chosen = self._select(q, ranked or cands, 3)
        lines = [T["recommend"] + self._point(chosen[0], cites, q)]
        reasons = chosen[1:]
        mandatory = next((c for c in cands if c.lang == q.lang and MANDATORY.search(c.text)), None)
        if mandatory and mandatory not in reasons and mandatory is not chosen[0]:
            reasons.append(mandatory)
        if reasons:
            lines += ["", T["reason"], *(f"- {self._point(c, cites, q)}" for c in reasons)]
        return "\n".join(lines)

    def _sources_block(self, cites: Citations, lang: str) -> str:
        if not cites.items:
            return ""
        T = TEXT[lang]
        lines = ["", "", f"**{T['sources']}**", ""]
        for c in cites.items:
            where = ", ".join(x for x in (c.publisher, c.published) if x)
            lines.append(f"[{c.n}] {c.title}" + (f" ({where})" if where else "") + (f" {c.url}" if c.url else ""))
            lines.append(f"    > {c.quote}")
        return "\n".join(lines)


def _redundant(a: Candidate, b: Candidate) -> bool:
    if a.text == b.text:
        return True
    if a.vec is not None and b.vec is not None and float(a.vec @ b.vec) > 0.9:
        return True
    return False


def _cell(text: str) -> str:
    """Drop the leading 'Under POP,' / 'POP模式下，' so a table cell says only the fact."""
    text = re.sub(r"^(Under|In|With) (the )?[A-Za-z\- ]{2,30}?( model| models)?, ", "", text)
    text = re.sub(r"^(速卖通)?(POP|半托管|全托管)(模式)?(下|中)[，,]", "", text)
    return text[:1].upper() + text[1:] if text[:1].isalpha() and text[:1].islower() else text


def has_figure(text: str) -> bool:
    """A number other than a date: a count, duration, share or amount."""
    stripped = EN_DATE.sub(" ", text)
    stripped = re.sub(r"20\d\d(年\d{1,2}月(\d{1,2}日)?|年|-\d{1,2}(-\d{1,2})?)?", " ", stripped)
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
