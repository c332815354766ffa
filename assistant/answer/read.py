"""Read retrieved chunks as evidence: the units an answer can quote, each with what it is about.

A unit is what a person would quote: a sentence (with the one before it when it leans on it:
"It only applies to new listings."), a list with the line that introduces it, an item of that
list, an FAQ answer (its question is context), a table or one of its rows with the header. A
heading, an FAQ question or a list's intro is context that tells what a unit is about; it is
never quoted as the answer itself.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np

from ..index.docstore import DocRecord
from ..index.embed import encode
from ..index.index import PolicyIndex
from ..kb.domain import Domain
from ..lang.cues import cue
from ..lang.numbers import has_figure, sentence_date, without_dates
from ..lang.text import CJK, Tokenizer
from ..learn.relevance import Relevance
from ..schema import Evidence, Question, Retrieval, Topic

CONTEXT_ROLES = frozenset({"intro", "question", "header"})
# words of one language are not found in the other: a unit in the other language is credited
# for meaning instead, never as fully as a unit whose words were seen
CROSS_GAIN, CROSS_CAP = 2.0, 0.85
# an FAQ answer of at most this many sentences and characters is quoted whole
SHORT_ANSWER_SENTENCES = 3
SHORT_ANSWER_CHARS = {"zh": 90, "en": 260}
SIGN = re.compile(r"[+&#@]")
INTRO_END = re.compile(r"[:：]\s*$")
# What a passage says and how (lang/tables/statements.yaml): not_public (how a page says that
# something is not known), negated, conflict, leans (a sentence that points back to the one
# before it), defines, setting, tally, lateness, clause_end.


class Reader:
    """Turns a :class:`~assistant.retrieve.Retrieval` into scored evidence units.

    Args:
        index: the loaded index (document records with their layout and sentence vectors).
        embedder: embeds sentences whose vectors are not stored (a replica's first use).
        tokenizer: keyword tokens, to see which of the question's topics a unit speaks of.
        relevance: turns a unit's features into the probability that it holds the answer.
        domain: the knowledge base's own-voice cues ("not public", "check the backend").
    """

    def __init__(self, index: PolicyIndex, embedder, tokenizer: Tokenizer, relevance: Relevance | None = None,
                 domain: Domain | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.tokenizer = tokenizer
        self.relevance = relevance or Relevance()
        cues = [c for lang in ("zh", "en") for c in (domain or Domain()).kb_voice.get(lang, ())]
        self._kb_voice = re.compile("|".join(re.escape(c).replace("…", ".{0,12}") for c in cues), re.I) if cues else None
        self._tok_cache: dict[str, Words] = {}
        self._unit_facts: dict[tuple[Any, ...], tuple[str, bool, str, str]] = {}
        self._credits: dict[tuple[str, tuple[str, ...]], float] = {}  # titles and contexts repeat across units

    def read(self, q: Question, retrieval: Retrieval, whole_docs: bool = False, as_of: str = "") -> list[Evidence]:
        """Evidence units of the retrieved passages, each scored; ``as_of`` (ISO, default today):
        the day whose rules are in force, so a rule replaced by then counts as superseded."""
        today = as_of or dt.date.today().isoformat()
        qvec = retrieval.query_vector
        if qvec is None:
            qvec = np.asarray(self.embedder.embed_query(q.text), dtype=np.float32)
        units: list[Evidence] = []
        seen: set[tuple[str, int]] = set()
        top = retrieval.passages[0].score if retrieval.passages else 1.0
        for rank, p in enumerate(retrieval.passages):
            rec, chunk = self.index.chunks[p.chunk_id]
            if rec.sentence_vectors() is None:
                rec.vectors = encode(self.embedder, rec.sentences).astype(np.float16)
            blocks = range(len(rec.blocks)) if whole_docs and rank < 6 else \
                dict.fromkeys(rec.block_of[chunk.start:chunk.end])
            sims = rec.vectors.astype(np.float32) @ qvec
            for b in blocks:
                if (rec.uid, b) in seen:
                    continue
                seen.add((rec.uid, b))
                for unit in self._units(rec, b, rank):
                    unit.replaced_by = self.index.replaced(rec.doc_id, today)
                    unit.replaced_from = self.index.effective.get(unit.replaced_by, ("", ""))[0] if unit.replaced_by else ""
                    unit.upcoming = str(rec.meta.get("effective_from") or "") > today
                    self._describe(unit, q, sims, p.score / top if top else 0.0)
                    units.append(unit)
        units.sort(key=lambda u: -u.logit)
        return units

    # ---- units --------------------------------------------------------------------------------
    def _units(self, rec: DocRecord, block: int, rank: int) -> list[Evidence]:
        positions = list(rec.block_lines(block))
        kind = rec.blocks[block]["kind"]
        section = rec.blocks[block]["section"]
        context_lines = [i for i in positions if rec.roles[i] in CONTEXT_ROLES]
        content = [i for i in positions if rec.roles[i] not in CONTEXT_ROLES
                   and not cue("injection").search(rec.sentences[i]) and len(rec.sentences[i].strip()) >= 2]
        if not content:
            return []
        context = " ".join(x for x in (section, *(rec.sentences[i] for i in context_lines)) if x)
        if kind == "faq" and 1 < len(content) <= SHORT_ANSWER_SENTENCES \
                and all(rec.roles[i] in ("body", "answer") for i in content) \
                and sum(len(rec.sentences[i]) for i in content) <= SHORT_ANSWER_CHARS.get(rec.lang, SHORT_ANSWER_CHARS["en"]):
            # a short FAQ answer is one statement: quoted whole, judged by everything it says; one
            # that says both a fact and what is not known is also read sentence by sentence
            whole = Evidence(rec, content, "answer", context, rank, first=True)
            gaps = [bool(cue("not_public").search(rec.sentences[i])) for i in content]
            if not any(gaps) or all(gaps):
                return [whole]
            out: list[Evidence] = [whole]
        else:
            out = []
        intro_line = next((i for i in context_lines if rec.roles[i] == "intro"), None)
        gap_intro: dict[int, int] = {}  # item line -> the lead-in saying its list is of what is not known
        for run in _item_runs(rec, content):
            # a list (or table) is quoted whole, under the sentence that introduces it
            before = positions.index(run[0]) - 1
            lead_in = intro_line if kind in ("list", "table") else (
                positions[before] if before >= 0 and rec.roles[positions[before]] not in CONTEXT_ROLES
                and INTRO_END.search(rec.sentences[positions[before]]) else None)
            if len(run) > 1 or lead_in is not None:
                lines = ([lead_in] if lead_in is not None else []) + run
                whole = Evidence(rec, lines, "table" if rec.roles[run[0]] == "row" else "list", context, rank,
                                 intro=lead_in is not None)
                out.append(whole)
                if lead_in is not None and self._facts(whole)[1]:
                    gap_intro.update((i, lead_in) for i in run)
        for n, i in enumerate(content):
            role = rec.roles[i]
            text = rec.sentences[i]
            if role in ("item", "row"):
                if not _label_like(text, rec.lang):  # "Limited-time discounts" alone answers nothing
                    # an item of a list of what is not known says so only with its lead-in
                    lines = [gap_intro[i], i] if i in gap_intro else [i]
                    out.append(Evidence(rec, lines, "item" if role == "item" else "row", context, rank))
                continue
            if INTRO_END.search(text) and n + 1 < len(content) and rec.roles[content[n + 1]] in ("item", "row"):
                continue  # quoted with its list
            if role == "body" and _label_like(text, rec.lang):
                continue  # an unmarked heading ("Limited-time discounts") is not a statement
            lines = [i]
            prev = self._leans_on(rec, i, positions, n, content)
            if prev is not None:
                lines = [prev, i]
            elif INTRO_END.search(text) and n + 1 < len(content):
                lines = [i, content[n + 1]]  # "Discounts are applied in this order:" + what follows
            elif n + 1 < len(content) and len(text) < (14 if rec.lang == "zh" else 36) \
                    and rec.roles[content[n + 1]] == role:
                lines = [i, content[n + 1]]  # "可以。" / "Not for every item." alone says too little
            out.append(Evidence(rec, lines, "answer" if kind == "faq" else "sentence", context, rank, first=n == 0))
        return out

    @staticmethod
    def _leans_on(rec: DocRecord, i: int, positions: list[int], n: int, content: list[int]) -> int | None:
        if not cue("leans").match(rec.sentences[i].strip()):
            return None
        if n > 0:
            return content[n - 1]
        j = i - 1
        if j >= 0 and rec.roles[j] not in CONTEXT_ROLES and j not in positions \
                and rec.blocks[rec.block_of[j]]["section"] == rec.blocks[rec.block_of[i]]["section"]:
            return j
        return None

    # ---- features -----------------------------------------------------------------------------
    def _describe(self, u: Evidence, q: Question, sims: np.ndarray, passage_weight: float) -> None:
        rec = u.rec
        u.sim = float(max(sims[i] for i in u.lines))
        ctx = [i for i in rec.block_lines(rec.block_of[u.lines[0]]) if rec.roles[i] in CONTEXT_ROLES]
        u.qsim = float(max((sims[i] for i in ctx), default=0.0))
        if u.kind in ("list", "table"):
            u.sim = max(u.sim, 0.95 * u.qsim)
        vecs = rec.vectors[u.lines].astype(np.float32)
        v = vecs.mean(axis=0)
        u.vec = v / (np.linalg.norm(v) or 1.0)
        near = f"{u.text} {u.context}"
        title = str(rec.meta.get("title", ""))
        u.covered = {}
        ctx_w = 0.0
        titled: set[str] = set()  # terms the document's title names: what the whole page is about
        words = self._words_near(u)
        for t in q.topics:
            in_title = self._cached_credit(title, t)
            if in_title >= 1.0:
                titled.add(t.label)
            credit = self.credit(near, t, words)
            if credit >= 1.0:
                u.named.add(t.label)
            if not credit and bool(CJK.search(t.label)) != (u.lang == "zh"):
                # a word in the other script ("order share 最新是多少"): meaning stands in for it
                credit = min(CROSS_CAP, CROSS_GAIN * u.sim)
            credit = credit or 0.3 * in_title
            if credit:
                u.covered[t.label] = credit
                ctx_w += t.weight * self._cached_credit(u.context, t)
        u.named |= titled
        core = q.core
        total = sum(t.weight for t in core)
        u.coverage = sum(t.weight * u.covered.get(t.label, 0.0) for t in core) / total if total else 1.0
        all_w = sum(t.weight for t in q.topics)
        u.lex = sum(t.weight * u.covered.get(t.label, 0.0) for t in q.topics) / all_w if all_w else 0.0
        if u.lang != q.lang:
            # words of one language are not found in the other: meaning stands in for them
            u.lex = max(u.lex, min(CROSS_CAP, CROSS_GAIN * u.sim))
        u.ctx_lex = ctx_w / all_w if all_w else 0.0
        u.date, gap, undated, untallied = self._facts(u)
        u.figure = bool(q.figure and q.figure.search(untallied if q.figure is cue("gives_count") else undated))
        if u.figure and q.asks == "deadline" and cue("lateness").search(undated):
            u.figure = False  # how late a penalty grades ("overdue by up to 48 hours") is not the time allowed
        terms = [t for t in q.topics if t.kind == "term"]
        words = [t for t in q.topics if t.kind != "term"]
        words_w = sum(t.weight for t in words)
        unknown_w = sum(t.weight for t in q.unknown)
        said = sum(t.weight * u.covered.get(t.label, 0.0) for t in words) / words_w if words_w else 1.0
        if u.lang != q.lang:
            said = max(said, min(CROSS_CAP, CROSS_GAIN * u.sim))
        u.features = {
            "sim": u.sim, "qsim": u.qsim, "lex": u.lex, "words": said,
            "terms": float(all(u.covered.get(t.label, 0.0) >= 1.0 or t.label in titled for t in terms)),
            "ctx": u.ctx_lex, "passage": passage_weight, "rank": 1.0 / (1.0 + u.rank), "first": float(u.first),
            "answer": float(u.kind == "answer"), "faq_match": u.qsim if u.kind == "answer" else 0.0,
            "list": float(u.kind in ("list", "table")),
            "item": float(u.kind in ("item", "row")),
            "figure_ok": float(q.figure is not None and u.figure),
            "figure_missing": float(q.figure is not None and not u.figure),
            "date_ok": float("when" in q.kinds and bool(u.date)),
            "defines": float("definition" in q.kinds and self.defines(u.text, terms or q.topics)),
            "other_lang": float(u.lang != q.lang and self.index.has_lang(u.doc_id, q.lang)),
            "superseded": float(u.superseded and "temporal" not in q.kinds),
            "glossary": float(u.is_glossary and "definition" not in q.kinds),
            "unknown": unknown_w / (unknown_w + words_w + 3.0 * len(terms)) if unknown_w else 0.0,
            "not_public": float(gap),
        }
        u.logit = self.relevance.logit(u.features)
        u.score = 1.0 / (1.0 + np.exp(-u.logit))

    def _facts(self, u: Evidence) -> tuple[str, bool, str, str]:
        """What a unit says whatever the question, worked out once per unit: its date, whether it
        states a gap, its text without dates and without tallies."""
        key = (u.rec.uid, u.rec.version, u.kind, tuple(u.lines), u.context)
        known = self._unit_facts.get(key)
        if known is None:
            if len(self._unit_facts) > 200_000:
                self._unit_facts.clear()
            undated = without_dates(u.text)
            known = self._unit_facts[key] = (sentence_date(u.text), self.states_a_gap(u), undated,
                                             cue("tally").sub(" ", undated))
        return known

    def says_not_public(self, text: str) -> bool:
        """The knowledge base's own voice: the answer is not public, or check elsewhere."""
        return bool(cue("not_public").search(text) or (self._kb_voice and self._kb_voice.search(text)))

    @staticmethod
    def defines(text: str, topics: list[Topic]) -> bool:
        """The text opens with one of the topics and says what it is ("灯笼计划（Lantern）是…",
        "The Lantern plan is …", "Lantern (灯笼计划): …")."""
        low = text.lower()
        opener = cue("setting").match(low)  # "On <platform>, X means …", "在<平台>上，X是…"
        start = opener.end() if opener else 0
        for t in topics:
            for form in t.forms:
                f = form.lower()
                at = low.find(f, start) - start
                if 0 <= at <= 12 and cue("defines").match(low[start + at + len(f):start + at + len(f) + 40]):
                    return True
        return False

    def states_a_gap(self, u: Evidence) -> bool:
        """The unit's point is that something is not known ("The list of countries … is not in
        our sources", "本知识库的来源没有公开…"), not a fact with a caveat at its end: it says
        so, in those words or in the knowledge base's own voice with a negation, and gives no
        figure, or it sits on a page or under a heading about what is not known."""
        # a sentence quoted with the one it leans on makes its point in the second one; an FAQ
        # answer makes it in its first ("Our sources do not say. They give …")
        text = u.quotes[-1] if len(u.lines) == 2 and cue("leans").match(u.quotes[-1].strip()) else u.text
        if u.kind in ("list", "table") and u.intro:
            text = u.quotes[0]  # a cell or item saying "not mentioned" is a caveat; the intro says what the list is
        # a number its heading or title names is part of a name ("the 96-hour rule"), not a figure it gives
        named = set(re.findall(r"\d+", f"{u.context} {u.meta.get('title', '')}"))

        def gives(s: str) -> bool:
            return has_figure(re.sub(r"\d+", lambda m: " " if m.group() in named else m.group(), s))

        not_public = cue("not_public")
        if u.kind == "answer" and len(u.lines) > 1 and not_public.search(u.quotes[0]) and not gives(u.quotes[0]):
            return True
        own_voice = bool(self._kb_voice and self._kb_voice.search(text) and cue("negated").search(text))
        if cue("conflict").search(text) or not (not_public.search(text) or own_voice):
            return False
        opening = cue("clause_end").split(text, maxsplit=1)[0]
        if opening != text and not_public.search(opening) and not gives(opening):
            return True  # "Our sources hold no table of …; the '7 days' seen online is …": its point comes first
        return not gives(text) or bool(not_public.search(f"{u.context} {u.meta.get('title', '')}"))

    def _cached_credit(self, text: str, topic: Topic) -> float:
        key = (text, topic.forms)  # what the credit depends on, so it holds across questions and threads
        found = self._credits.get(key)
        if found is None:
            if len(self._credits) > 100_000:
                self._credits.clear()
            found = self._credits[key] = self.credit(text, topic)
        return found

    def credit(self, text: str, topic: Topic, words: Words | None = None) -> float:
        """How fully ``text`` names ``topic``: 1 when one of its forms is there (Chinese forms as
        substrings, English ones by word, a word also matching its longer forms: 'cancel' in
        'cancellation'), 0.5 when most characters of a Chinese word are there, else 0. ``words``:
        the text's word tokens, when known."""
        low = text.lower()
        words = words or self._tokens(low)
        best = 0.0
        for form in topic.forms:
            f = form.lower()
            if CJK.search(f):
                if f in low:
                    return 1.0
                if len(f) >= 3 and sum(ch in low for ch in set(f)) / len(set(f)) >= 0.67:
                    best = 0.5
            elif SIGN.search(f):
                # a name carrying a sign the word tokens drop ("C++", "AT&T") is matched as written
                if re.search(rf"(?<![a-z0-9]){re.escape(f)}", low):
                    return 1.0
            else:
                ftoks = self._tokens(f).tokens
                if ftoks and all(words.has(t) for t in ftoks):
                    return 1.0
        return best

    def _tokens(self, text: str) -> Words:
        cached = self._tok_cache.get(text)
        if cached is None:
            cached = Words(frozenset(self.tokenizer.tokenize(text)))
            if len(self._tok_cache) > 100_000:
                self._tok_cache.clear()
            self._tok_cache[text] = cached
        return cached

    def _words_near(self, u: Evidence) -> Words:
        """The word tokens of a unit and its context, from those of its lines (which recur in
        many units, so each is tokenized once)."""
        parts = [self._tokens(line.lower()).tokens for line in u.quotes]
        if u.context:
            parts.append(self._tokens(u.context.lower()).tokens)
        return Words(frozenset().union(*parts))


class Words:
    """A text's word tokens, looked up whole or, from four letters on, as the start of a longer
    word or a longer form of a shorter one ('cancel' / 'cancellation')."""

    __slots__ = ("tokens", "_by_start")

    def __init__(self, tokens: frozenset[str]) -> None:
        self.tokens = tokens
        self._by_start: dict[str, list[str]] | None = None

    def has(self, token: str) -> bool:
        if token in self.tokens:
            return True
        if len(token) < 4:
            return False
        by_start = self._by_start
        if by_start is None:
            by_start = {}
            for x in self.tokens:
                if len(x) >= 4:
                    by_start.setdefault(x[:4], []).append(x)
            self._by_start = by_start  # set whole, so another thread never sees it half built
        return any(_same_word(x, token) for x in by_start.get(token[:4], ()))


def _same_word(a: str, b: str) -> bool:
    """Whether two tokens are forms of one word: one is the other plus a word ending."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if not long.startswith(short):
        return False
    rest = long[len(short):]
    if rest[:1] == short[-1:] and rest[1:]:
        rest = rest[1:]  # 'cancel' + 'l' + 'ation'
    return not rest or cue("en_word_ending").fullmatch(rest) is not None


def _item_runs(rec: DocRecord, content: list[int]) -> list[list[int]]:
    """Consecutive list items or table rows among a block's lines."""
    runs: list[list[int]] = []
    for i in content:
        if rec.roles[i] in ("item", "row"):
            if runs and runs[-1][-1] == i - 1 and rec.roles[runs[-1][-1]] == rec.roles[i]:
                runs[-1].append(i)
            else:
                runs.append([i])
    return runs


def _label_like(text: str, lang: str) -> bool:
    """A short line without a full stop or a figure: a heading the page did not mark up."""
    return len(text) < (12 if lang == "zh" else 30) and not re.search(r"[。！？.!?；;\d]", text)


