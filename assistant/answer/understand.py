"""Understand a question before retrieval: clean it, find its language, kind and parts, resolve
a follow-up from the chat history, and name its topic, the thing it is about.

The topic is what the judge later requires the evidence to speak of: the glossary terms the
question names (in any of their forms, in either language) and the content words the knowledge
base has never seen at all ("直播带货" in a knowledge base without it), which make a question
uncoverable however close the retrieved text looks.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import QuestionError
from ..kb.domain import Domain
from ..kb.glossary import Glossary, Term, dehyphen
from ..lang import cues
from ..lang.asking import asked_word, asking_word
from ..lang.cues import cue, family
from ..lang.numbers import figure_units
from ..lang.text import CJK, EN_STOP, LATIN_WORD, ZH_STOP, Tokenizer, clean_text, detect_lang, split_sentences, stem, to_simplified
from ..schema import Question, Topic

YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")
# The cue rows: what kind of answer a question wants (kind_<kind>, lang/tables/kinds.yaml), how it
# asks for a figure (figures.yaml), how it is put together (questions.yaml), future words (dates.yaml).


def asked_attribute(text: str, topics: list[Topic]) -> Topic | None:
    """The topic word the question word asks about: the one written right after "what / 哪些"
    or right before "谁 / 是多少" ("excellent what score" -> score, "运费谁出" -> 运费)."""
    low = text.lower()
    for t in topics:
        if t.kind == "term" or t.everyday:
            continue
        if asked_word(t.label, low):
            return t
    return None


NUMBER_TOKEN = re.compile(r"^[\d.%]+$")


@functools.lru_cache(maxsize=1)
def question_frame() -> frozenset[str]:
    """Words that frame a question rather than name its topic (the ``question_frame`` row)."""
    return frozenset(cues.words("question_frame", "zh") + cues.words("question_frame", "en"))


# everyday words (zipf at or above this, per language; the two word lists differ in scale) weigh
# this much of a topic word
EVERYDAY_ZIPF = {"zh": 5.0, "en": 4.7}
EVERYDAY_WEIGHT = 0.4
# a never-seen word whose removal moves the question's meaning by this much (1 - cosine) or more
# keeps its full weight; one that moves it less weighs in proportion, down to the floor
MEANING_FULL = 0.07
UNKNOWN_FLOOR = 0.25
# a never-seen word carrying at least this weight counts as the knowledge base's own word of the
# same script closest to it in meaning when their cosine is at least ALIKE ("罚钱" -> "罚款"); word
# vectors are loose (at 0.8 "退税" meets "关税" and "差评" meets "评价"), so the bar is high
ALIKE = 0.85
ALIKE_WEIGHT = 0.5
# Characters that glue a Chinese sentence together; a run of other single characters is a word
# the dictionary does not know ("抽"+"佣" -> "抽佣").
FUNCTION_CHARS = frozenset("的了是在和与及或吗呢吧啊呀么有我你他她它这那个一从到给对把被让跟就都也还又再才没不很太更最天起"
                           "时后前上下里中内外多少几哪谁啥咋怎要会能可该将已并而且但如若则为以于之其此每各些")


def clean_question(raw: str, max_chars: int) -> tuple[str, list[str]]:
    if raw is None or not str(raw).strip():
        raise QuestionError("The question is empty. Please type a question. / 问题为空，请输入问题。")
    notes: list[str] = []
    text = clean_text(str(raw)).replace("\t", " ")
    if len(text) > max_chars:
        text = text[:max_chars]
        notes.append(f"question truncated to {max_chars} characters")
    sentences = split_sentences(text)
    kept = [s for s in sentences if not cue("injection").search(s)]
    if len(kept) < len(sentences):
        # drop the sentences that carry instructions (an instruction opens its sentence); keep
        # the user's actual question
        notes.append("ignored instructions embedded in the question")
        text = " ".join(kept)
    text = re.sub(r"[ \u3000]+", " ", text).strip()
    # "96h" / "72H" as people write hours
    text = re.sub(r"(\d+)\s*[hH]\b", lambda m: f"{m.group(1)}小时" if CJK.search(text) else f"{m.group(1)} hours", text)
    if not CJK.search(text) and not LATIN_WORD.search(text):
        raise QuestionError("I could not find a question in that message. Please ask in Chinese or English. / 没有识别到问题，请用中文或英文提问。")
    return to_simplified(text), notes


def classify(text: str) -> set[str]:
    if cue("ends_asking_yes_no").search(text):
        text = cue("few_before_counter").sub("些", text)  # "拿几个商品试试，可以吗": a few, not how many
    kinds = {k for k, p in family("kind_") if p.search(text)}
    if "comparison" in kinds and "suitability" in kinds:
        kinds.discard("suitability") if not cue("suits_over_compares").search(text) else kinds.discard("comparison")
    if cue("yes_no").search(text.strip()) and not ({"comparison", "list"} & kinds):
        kinds.add("yes_no")
    if {"figure", "list", "when"} & kinds:
        kinds.discard("definition")  # "what is the fee / the list / the date": not a what-is
    return kinds or {"fact"}


def asks_what_it_is(text: str, topics: list["Topic"]) -> bool:
    """Whether a what-is question asks what its subject is: the subject ("the daily cut-off time"
    in "what is the daily cut-off time at the warehouse", "…的截单时间" before "是什么") ends in
    one of its glossary terms, or is short enough to be a name itself ("what is dropshipping")."""
    low = dehyphen(text.lower()).strip(" ?？。.!！")
    forms = [dehyphen(f.lower()) for t in topics if t.kind == "term" for f in t.forms]
    m = cue("what_is_en").search(low)
    if m:
        subject = cue("en_subject_end").split(f" {m.group(1)} ")[0].strip()
        return any(f in subject for f in forms) or len(subject.split()) <= 2
    m = cue("what_is_zh").search(low)
    if m:
        subject = re.sub(r"[^\u4e00-\u9fffa-z0-9+ ]", "", m.group(1) or m.group(2)).strip()
        subject = cue("zh_subject_tail").sub("", subject)  # "A和B分别是指什么"
        return any(subject.endswith(f) for f in forms) or len(subject) <= 4
    return True  # "含义", "意思", "what does … mean": asks for a meaning


def figure_unit(text: str, money_words: tuple[str, ...] = (),
                known: Callable[[str], bool] = lambda _w: True) -> re.Pattern[str] | None:
    """The pattern a sentence must match to answer this figure question: that of the asking
    phrase nearest the end ("被投诉好几次，最多扣几分" asks for points, not times); a question
    naming one of the domain's sums of money wants an amount."""
    text = cue("not_asking").sub("  ", text)
    low = text.lower()
    count = cue("gives_count")
    best: tuple[int, re.Pattern[str]] | None = None
    ends: list[tuple[int, re.Pattern[str]]] = []  # where each specific asking phrase ends
    for asked, answered in figure_units():
        for m in asked.finditer(text):
            if answered is not count:
                ends.append((m.end(), answered))
            if best is None or m.start() > best[0]:
                best = (m.start(), answered)
    if best is not None and best[1] is count:
        # "门槛是多少", "the fee is how much": the bare "多少" asks the value of the phrase before it
        before = [answered for end, answered in ends if 0 <= best[0] - end <= 2]
        best = (best[0], before[-1]) if before else best
    if any(w.lower() in low for w in money_words) and (best is None or best[1] is count):
        return cue("gives_amount")  # "how much is the fee" wants an amount; "how long until the fee is back" a time
    if best is not None and best[1] is count:
        return counted(text, known) or count
    return best[1] if best else None


def counted(text: str, known: Callable[[str], bool] = lambda _w: True) -> re.Pattern[str] | None:
    """For "how many listings" / "几家店": a number followed closely by what is counted (the last
    word of the phrase after "how many": "summer sale promos"), when the knowledge base
    knows that word (else any number: "promos" may be "activities" there)."""
    m = cue("how_many_en").search(text)
    head = m.group(1).split()[-1].lower() if m and m.group(1).split() else ""
    if len(head) >= 3 and known(head):
        return cue("counted_en", stem=re.escape(head[:5]))
    m = cue("zh_how_many_what").search(cue("not_asking").sub("  ", text))
    if m and m.group(3) not in ("钱", "天", "小时") and m.group(3)[0] not in FUNCTION_CHARS:  # "多少啊" counts nothing
        return cue("counted_zh", thing=re.escape(m.group(3)[0]))
    return None


def is_future(text: str, today: dt.date | None = None) -> bool:
    """Asks about a rule not yet announced: "明年", "next year", or a year after this one."""
    year = (today or dt.date.today()).year
    return bool(cue("future_words").search(text)) or any(int(y) > year for y in YEAR.findall(text))


def split_parts(text: str) -> list[str]:
    """Split a multi-question message into parts that each carry a question of their own; a
    fragment without a question of its own ("请列出完整名单") stays with the part before it."""
    pieces = [p.strip(" ，,。.") for p in cue("part_split").split(text) if p and p.strip(" ，,。.")]
    pieces = [p for p in pieces if not cue("part_joiner").fullmatch(p)]
    parts: list[str] = []
    context = ""  # statements before the first question ("I sell shoes, ...") belong to it
    for p in pieces:
        if not cue("question_cue").search(p) or len(p) < 4:
            if parts:
                parts[-1] = f"{parts[-1]} {p}"
            else:
                context = f"{context} {p}".strip()
            continue
        parts.append(f"{context}, {p}" if context else p)
        context = ""
    return parts if len(parts) > 1 else [text]


def resolve_follow_up(text: str, history: list[dict[str, Any]], glossary: Glossary) -> str:
    """Make a follow-up self-contained from the previous user turn.

    A new subject without a predicate ("那B呢?" after "A的X是什么?") swaps the subject in; a
    predicate without a subject ("When was it launched?") carries the old subject over; a
    question with both is left alone.
    """
    previous = [h.get("content") or h.get("question") or "" for h in history if h.get("role", "user") == "user"]
    previous = [p for p in previous if p and p.strip() != text.strip()]
    if not previous:
        return text
    prev = to_simplified(previous[-1])
    new_terms = glossary.matches(text)
    old_terms = glossary.matches(prev)
    has_pred = bool(cue("predicate").search(re.sub(r"呢[？?]?$", "", text.strip())))
    if cue("points_back").search(text) and old_terms:
        # "it" is the previous question's subject
        return " ".join((t.zh if CJK.search(text) else t.en) for t in old_terms if t not in new_terms) + f" {text}"
    if new_terms and has_pred:
        return text
    if new_terms and old_terms:
        for old in old_terms:
            form = max((f for f in old.forms if f.lower() in prev.lower()), key=len, default="")
            if form:
                target = new_terms[0].zh if CJK.search(prev) else new_terms[0].en
                return re.sub(re.escape(form), target, prev, count=1, flags=re.I)
    if new_terms:
        return f"{prev} {text}"
    subject = " ".join((t.zh if CJK.search(text) else t.en) for t in old_terms) if old_terms else prev
    return f"{subject} {text}"


def _without(text: str, word: str) -> str:
    """The question with one word taken out (a space for a Latin word)."""
    return re.sub(re.escape(word), " " if word.isascii() else "", text, flags=re.I)


class Understander:
    """Turns raw text into a :class:`Question`.

    Args:
        glossary: terms and their forms (topic terms, typo correction, follow-ups).
        domain: scope words, generic words, other platforms, query synonyms.
        tokenizer: the keyword tokenizer (its jieba dictionary knows the glossary terms).
        doc_freq: how many indexed chunks contain a keyword token; 0 means the knowledge base
            has never seen the word.
        vocabulary: the knowledge base's Latin words and their counts (spelling correction).
        embedder: sentence embeddings (LangChain ``Embeddings``), to tell how much of the
            question's meaning a word the knowledge base has never seen carries.
        lexicon: the knowledge base's words with their vectors (:class:`assistant.lexicon.Lexicon`),
            to find its own word for one it has never seen.
    """

    def __init__(self, glossary: Glossary, domain: Domain, tokenizer: Tokenizer,
                 doc_freq: Callable[[str], int] = lambda _t: 1,
                 vocabulary: Callable[[], dict[str, int]] = dict, embedder: Any = None,
                 lexicon: Callable[[], Any] | None = None, today: Callable[[], dt.date] = dt.date.today) -> None:
        self.embedder = embedder
        self.today = today  # what "next year" and a later year are counted from
        self.lexicon = lexicon
        self.glossary = glossary
        self.domain = domain
        self.tokenizer = tokenizer
        self.doc_freq = doc_freq
        self.vocabulary = vocabulary
        self._spelling: dict[str, str] = {}

    def understand(self, raw: str, history: list[dict[str, Any]] | None = None, max_chars: int = 4000,
                   lang: str | None = None) -> Question:
        text, notes = clean_question(raw, max_chars)
        corrected = self.spell(self.glossary.correct(text, self.tokenizer.zipf))
        if corrected != text:
            notes.append(f"read as: {corrected[:80]}")
            text = corrected
        detected = detect_lang(text)
        if history:
            text = resolve_follow_up(text, history, self.glossary)
        q = self.describe(text, lang or detected)
        q.raw, q.notes = raw, notes
        q.parts = self._subject_parts(split_parts(text))
        if len(q.parts) == 1:
            q.parts = self._each(text, q)
        return q

    def _subject_parts(self, parts: list[str]) -> list[str]:
        """A later part naming no subject, after one whose only named subject is the platform
        itself, asks more of the same thing: one question with it ("…报名活动以后还能改吗？
        哪些不能改？"), not a part about the platform in general."""
        out = parts[:1]
        for p in parts[1:]:
            if all(self._is_scope(t) for t in self.glossary.matches(f"{out[-1]} {p}")):
                out[-1] = f"{out[-1]} {p}"
            else:
                out.append(p)
        return out

    def _each(self, text: str, q: Question) -> list[str]:
        """"A和B分别是指什么" / "what are A and B respectively": one question per term."""
        terms = [t for t in q.topics if t.kind == "term"]
        if len(terms) < 2 or not cue("each").search(text) or "comparison" in q.kinds:
            return [text]
        if len(self.domain.entities_in(text)) >= 2 and "definition" not in q.kinds:
            # "甲和乙分别由谁负责店铺运营": one respect asked of two models, set side by side
            q.kinds = (q.kinds - {"fact"}) | {"comparison"}
            return [text]
        rest = text
        for t in terms:
            rest = rest.replace(t.label, "\0")
        ask = cue("each").sub("", cue("term_joiner", mark=r"\0").sub("", rest)).strip(" ，,")
        if not ask or "\0" in ask:
            return [text]
        if q.lang != "zh":
            ask = cue("en_plural_question").sub(r"\1 is", ask.rstrip("?？ "))
            return [f"{ask} {t.label}?" for t in terms]
        return [f"{t.label}{ask}" for t in terms]

    def spell(self, text: str) -> str:
        """English words no dictionary knows, corrected to the closest word the knowledge base has
        ("prise" -> "price", "warehuose" -> "warehouse"): one edit for short words, two for long
        ones, the more frequent word on a tie. A real word is never turned into another."""
        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            low = word.lower()
            if len(low) < 4 or low in question_frame() or low in EN_STOP or self.doc_freq(stem(low)) \
                    or self.tokenizer.known_word(low):
                return word  # a word of the knowledge base, or a real word it lacks ("hope" is no "home")
            if low not in self._spelling:
                self._spelling[low] = _closest(low, self.vocabulary()) or low
            return self._spelling[low] if word.islower() else word if self._spelling[low] == low else self._spelling[low]
        return re.sub(r"[A-Za-z]{4,}", fix, text)

    def part(self, text: str, before: list[str], lang: str) -> Question:
        """One part of a multi-part question; a later part may lean on an earlier one
        ("…怎么变化的？以前是多少？"), which is resolved like a follow-up."""
        if before:
            text = resolve_follow_up(text, [{"role": "user", "content": p} for p in before], self.glossary)
        q = self.describe(text, lang)
        q.parts = [text]
        return q

    def describe(self, text: str, lang: str) -> Question:
        q = Question(raw=text, text=text, lang=lang)
        q.kinds = classify(text)
        q.asks = asking_word(text)
        q.topics = self.topics(text)
        if "definition" in q.kinds and not asks_what_it_is(text, q.topics):
            # "what is the daily cut-off time at …": a fact about the thing, not what the thing is
            q.kinds = (q.kinds - {"definition"}) or {"fact"}
        if q.kinds == {"fact"} and len(q.topics) == 1 and q.topics[0].kind == "term" and self._alone(text):
            # a glossary term typed alone, nothing asked about it, asks what it is
            q.kinds = {"definition"}
        q.platforms = list({p.lower(): p for p in self.domain.other_platforms_in(text)}.values())
        q.names_scope = self.domain.names_scope(text)
        q.future = is_future(text, self.today())
        self._weigh_unknown(text, q.topics)
        q.figure = figure_unit(text, self.domain.money_words, lambda w: bool(self.doc_freq(self._key(w)))) \
            if "figure" in q.kinds else None
        if "yes_no" in q.kinds:
            q.predicate = self.predicate(text, q.topics)
        # "which model suits us" picks from models: it asks what suits, not about models
        q.attribute = asked_attribute(text, q.topics) if q.asks != "which" and "suitability" not in q.kinds else None
        if "suitability" in q.kinds and self.domain.options:
            q.chooses = self._chooses(text, q.topics)
        return q

    def _chooses(self, text: str, topics: list[Topic]) -> str:
        """The kind of thing a which-one-to-use question picks from ("用哪个ERP好" -> ERP), when it
        is not one the domain advises choosing among; "" otherwise."""
        m = cue("choosing").search(text)
        thing = next((g for g in m.groups() if g), "") if m else ""
        if not thing or self.domain.is_option(thing):
            return ""
        named = [t.label for t in topics if t.kind != "term" and not t.everyday and t.label.lower() in thing.lower()]
        return " ".join(sorted(named, key=lambda w: thing.lower().index(w.lower()))) if named else ""

    # ---- topic --------------------------------------------------------------------------------
    def topics(self, text: str) -> list[Topic]:
        """Glossary terms named in the question, then its other content words, each weighted by
        how rare it is in the knowledge base. In a long message the words come from the
        sentences that ask something; the story around them ("我是做义乌小商品的…") names terms
        at most."""
        low = dehyphen(text.lower())
        asking = _asking_sentences(text)
        out: list[Topic] = []
        covered = low
        for term in self.glossary.matches(text):
            form = max((f for f in term.forms if dehyphen(f.lower()) in low), key=len, default=term.zh or term.en)
            covered = covered.replace(dehyphen(form.lower()), " ")
            if self._is_scope(term):
                continue
            out.append(Topic(form, _forms(term), "term", 3.0))
        for scope in self.domain.scope:
            covered = re.sub(rf"(?<![a-z0-9]){re.escape(scope.lower())}(?![a-z0-9])" if scope.isascii()
                             else re.escape(scope.lower()), " ", covered)
        for p in self.domain.other_platforms_in(text):
            covered = covered.replace(p.lower(), " ")
        words_from = covered if asking is None else self._strip_terms(asking.lower())
        words_from = cue("how_measure").sub(" ", words_from)  # "how large is …" asks; "large" names nothing
        for p in self.domain.other_platforms_in(text):
            # evidence about another platform must name it
            out.append(Topic(p, (p,), "term", 3.0))
        for word in self._content_words(words_from):
            df = self.doc_freq(self._key(word))
            forms = (word, *self._synonyms(word))
            everyday = self.everyday(word)
            scale = EVERYDAY_WEIGHT if everyday else 1.0
            written = re.search(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])", text, re.I) if word.isascii() else None
            label = written.group(0) if written else word  # named as the user wrote it ("3C", "GST")
            if df == 0 and not any(self.doc_freq(self._key(f)) for f in forms[1:]):
                out.append(Topic(label, forms, "unknown", 0.8 * scale, everyday))
            else:
                out.append(Topic(label, forms, "word", scale / (1.0 + df / 50.0), everyday))
        return out

    def _weigh_unknown(self, text: str, topics: list[Topic]) -> None:
        """A word the knowledge base has never seen weighs by how much of the question's meaning
        it carries: the question read without it is compared with the question itself. "发到买家手上"
        (delivered into the buyer's hands) says little the rest does not; "GST" or "jewelry" does.
        One that carries weight and is close in meaning to a word of the knowledge base ("罚钱",
        "罚款") counts as that word."""
        unknown = [t for t in topics if t.kind == "unknown"]
        if not unknown or self.embedder is None:
            return
        lexicon = self.lexicon() if self.lexicon is not None else None
        variants = [text] + [_without(text, t.label) for t in unknown]
        if lexicon is not None:
            variants += [t.label.lower() for t in unknown]
        vecs = np.asarray(self.embedder.embed_documents(variants), dtype=np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True) + 1e-9
        n = len(unknown)
        for i, t in enumerate(unknown):
            share = 1.0 - float(vecs[0] @ vecs[1 + i])
            weight = t.weight * min(1.0, max(UNKNOWN_FLOOR, share / MEANING_FULL))
            said = lexicon.alike(t.label, vecs[1 + n + i], ALIKE) if lexicon is not None and weight >= ALIKE_WEIGHT else ()
            if said:
                # the knowledge base says it otherwise: its own words count as this one
                topics[topics.index(t)] = replace(t, forms=(*t.forms, *said), kind="word", weight=weight)
            else:
                topics[topics.index(t)] = replace(t, weight=weight)

    def everyday(self, word: str) -> bool:
        """Whether a word is common in everyday language, so its absence from a passage (or from
        a small knowledge base) says little about whether the passage is on topic."""
        zipf = self.tokenizer.zipf(word)
        return zipf is not None and zipf >= EVERYDAY_ZIPF["zh" if CJK.search(word) else "en"]

    def _strip_terms(self, low: str) -> str:
        low = dehyphen(low)
        for term in self.glossary.matches(low):
            for form in sorted(term.forms, key=len, reverse=True):
                low = low.replace(dehyphen(form.lower()), " ")
        for name in (*self.domain.scope, *self.domain.other_platforms):
            low = re.sub(rf"(?<![a-z0-9]){re.escape(name.lower())}(?![a-z0-9])" if name.isascii()
                         else re.escape(name.lower()), " ", low)
        return low

    def _alone(self, text: str) -> bool:
        """Whether ``text`` says nothing but the term (and the platform's name, stop words)."""
        rest = self._strip_terms(text.lower())
        return all(w in EN_STOP for w in re.findall(r"[a-z]+", rest)) and \
            all(ch in FUNCTION_CHARS for ch in re.findall(r"[\u3400-\u9fff]", rest))

    def _is_scope(self, term: Term) -> bool:
        return any(self.domain.in_scope_word(f) for f in (term.zh, term.en, *term.forms))

    def _key(self, word: str) -> str:
        toks = self.tokenizer.tokenize(word)
        return max(toks, key=len) if toks else word

    def _synonyms(self, word: str) -> tuple[str, ...]:
        return self.domain.query_synonyms.get(word.lower(), ())

    def _content_words(self, text: str) -> list[str]:
        """Words that could name a topic: jieba's whole words for Chinese (runs of single
        characters joined, so an unknown word is kept whole), word stems for English; question
        words, stop words and the domain's generic words dropped."""
        generic, frame = self.domain.generic_words, question_frame()
        words: list[str] = []
        for piece in re.split(r"([\u3400-\u9fff]+)", text):
            if not piece.strip():
                continue
            if CJK.match(piece):
                run = ""
                for tok in [*self.tokenizer.cut(piece), ""]:
                    if len(tok) == 1 and tok not in FUNCTION_CHARS:
                        run += tok
                        continue
                    asked = cue("splits_verb_object").match(tok) if len(run) == 1 else None
                    if asked is not None and len(tok) - asked.end() <= 1:
                        # "买几个包": the verb waits for its object across the question word
                        run += tok[asked.end():]
                        continue
                    if len(run) >= 2:
                        words.append(run)
                    run = ""
                    if len(tok) >= 2:
                        words.append(tok)
            else:
                # "3c", "5g": a digit and a letter name a thing however short
                words.extend(w for w in re.findall(r"[a-z0-9]*[a-z][a-z0-9\-]*[a-z0-9]|[0-9]*[a-z]", piece.lower())
                             if len(w) >= 3 or re.fullmatch(r"\d+[a-z]+", w))
        keep = []
        for w in words:
            if w in ZH_STOP or w in EN_STOP or w in frame or w in generic or stem(w) in frame \
                    or NUMBER_TOKEN.match(w):
                continue
            if w not in keep:
                keep.append(w)
        return keep

    def predicate(self, text: str, topics: list[Topic]) -> list[str]:
        """What a yes/no question asks about its topic ("预售是强制的吗" -> 强制): the content
        words that are not a glossary term, with the domain's synonyms for them."""
        words = [t for t in topics if t.kind != "term"]
        return [f for t in words for f in t.forms][:6]


def _closest(word: str, vocabulary: dict[str, int]) -> str:
    limit = 1 if len(word) < 9 else 2
    best: tuple[int, int, str] | None = None
    for cand, count in vocabulary.items():
        if cand[:1] != word[:1] or abs(len(cand) - len(word)) > limit:
            continue
        d = _edits(word, cand, limit)
        if d <= limit and (best is None or (d, -count) < best[:2]):
            best = (d, -count, cand)
    return best[2] if best else ""


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up once it exceeds ``limit``."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        if min(cur) > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def _asking_sentences(text: str) -> str | None:
    """The sentences of a long message that ask something, or None for a short question."""
    if len(text) < (90 if CJK.search(text) else 220):
        return None
    asking = [s for s in split_sentences(text) if cue("question_cue").search(s) and not cue("greeting").match(s)]
    return " ".join(asking) if asking else None


def _forms(term: Term) -> tuple[str, ...]:
    return tuple(dict.fromkeys(f for f in (term.zh, term.en, *term.forms) if f))


