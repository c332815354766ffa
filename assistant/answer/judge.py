"""Judge whether the evidence answers *this* question.

Retrieval always returns something; the judge is what keeps an answer-shaped list of unrelated
quotes from reaching a user. In order:

1. A question about the future, or about another platform only, is not covered; a question
   with no content word at all is too broad to answer.
2. Each unit carries the probability, from :mod:`assistant.relevance`, that it holds the
   answer: fitted on the eval sets over what the unit names of the question (glossary terms in
   any of their forms, rare words), how close it is in meaning, what kind of unit it is and
   whether it gives what was asked (a figure, a date). The knowledge base answers when one of
   its three best units clears the threshold (the best still leads); otherwise the answer says
   what is not covered, naming it.
3. When the knowledge base itself says the answer is not public, so does the answer.
4. A figure question needs a unit giving a figure of the asked kind.
5. The lead is the unit that gives what the question asks for: a list of the thing asked about
   for a which-items question, a time (else the event it follows) for a when question, the
   sentence tracing a change for a how-has-it-changed question, two things set side by side for
   a difference question.
6. A yes/no question leads with a unit that settles it; "No." is written only when the unit
   plainly denies what was asked.

``confidence`` is the probability of the lead (or, for a refusal, that no unit answers).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..kb.domain import Domain
from ..kb.glossary import names_form as _names
from ..lang.asking import asking_word, same_asking
from ..lang.cues import cue
from ..lang.fragments import fragment
from ..lang.same import Point, redundant, same_meaning, same_thing
from ..learn.relevance import Relevance, accept_features
from ..schema import Evidence, Question, Topic, Verdict, row_cells

# What a passage says and how (lang/tables/statements.yaml): opens_yes_no (it answers yes or
# no itself), denial (the words before what was asked deny it), conflict, trajectory and moved (it
# traces a change), enumeration (it names three or more things), contrast and clause_break (it sets
# two things side by side); a time it gives (dates.yaml): year, time_point, event; negation in a
# question (questions.yaml); mixed_code, phrase_token and phrase_stop (text.yaml).
CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")
COMPARE_SPAN = 3.5  # logit: how much less likely a contrasting unit may be than the best one
MAX_POINTS = 4  # supporting points after the lead: every likely unit that adds something, up to this many
NAMED_SHARE = 0.6  # of a question's content-word weight a unit names to answer it about later
LIKELY_SPAN = 2.0  # logit: units this close to the best are likely answers too
# a list that opens with what was asked about may lead from this far below the best unit
LIST_SPAN = 2.5
OWN_LANGUAGE_MARGIN = 2.0  # logit
FAQ_MATCH = 0.75  # an FAQ question this close to the user's is the same question
FAQ_LOOSE = 0.5  # this close, when it also names most of the user's words
FAQ_SPAN = 1.0  # a unit this close to the best (in rank logit) may lead instead when it fits the question better
GAIN_SPAN = 4.0  # a point that covers what the lead leaves out may be this much less likely
SUPPORT_SPAN = 5.0  # logit: the further points after those, from units this close to the lead


class Judge:
    """Decides answer / partial / not covered and picks the lead and supporting units.

    Args:
        domain: entities (for comparison tables) and other platforms.
        relevance: the thresholds on a unit's probability of holding the answer.
        has_lang: whether a document exists in a language (other-language units then yield).
    """

    def __init__(self, domain: Domain, relevance: Relevance | None = None, has_lang=lambda _d, _l: True) -> None:
        self.domain = domain
        self.relevance = relevance or Relevance()
        self.has_lang = has_lang
        self._brings_platform: dict[str, bool] = {}  # unit text -> names another platform
        self._on_page: dict[tuple, bool] = {}  # (document, version, term forms) -> the page names the term

    def judge(self, q: Question, units: list[Evidence]) -> Verdict:
        v = self._decide(q, self.usable(q, units))
        if v.kind != "answer" and q.platforms and not q.names_scope and v.reason in ("not_public", "no_evidence"):
            # what is not known of another platform is not known because it is another platform
            v = replace(v, kind="not_covered", reason="other_platform", missing=q.platforms, lead=None, support=[])
        if v.reason in ("future", "other_platform", "too_broad", "not_advised"):
            v.confidence = 0.9
        return v

    def _accept(self, top: Evidence | None, ranked: list[Evidence], gap: Evidence | None, topic: bool = False) -> float:
        """Probability that the knowledge base answers the question, ``top`` being its best unit."""
        if top is None:
            return 0.0
        logit = self._topic_logit(top) if topic else top.logit
        # a statement that the figure is not known lacks it by saying so
        features = {**top.features, "figure_missing": 0.0} if topic else top.features
        others = [u.features for u in ranked if u is not top][:2]
        gap_logit = self._topic_logit(gap) if gap is not None else None
        return self.relevance.accept_probability(accept_features([features, *others], logit, gap_logit))

    def _topic_logit(self, u: Evidence) -> float:
        """How well a unit matches the question, whatever it says about it."""
        return self.relevance.logit({**u.features, "not_public": 0.0})

    # ---- decision -----------------------------------------------------------------------------
    def _decide(self, q: Question, units: list[Evidence]) -> Verdict:
        if q.future and not units:
            return Verdict(q, "not_covered", "future")
        if q.platforms and not q.names_scope and "comparison" not in q.kinds:
            # another platform's rules: only what names that platform can answer
            units = [u for u in units if self._names_platform(q, u)]
            if not units:
                return Verdict(q, "not_covered", "other_platform", missing=q.platforms)
            # the knowledge base speaks of another platform only to set it beside its own: what it
            # never says of that platform (how sellers get paid there) is outside it
            best = max(units, key=lambda u: u.logit)
            unsaid = [t.label for t in q.topics if t.kind != "term" and not t.everyday and t.weight >= 0.5
                      and not best.covered.get(t.label)]
            if unsaid:
                return Verdict(q, "not_covered", "other_platform", missing=[" ".join([*q.platforms, *unsaid])],
                               related=[best])
        if not q.topics:
            return Verdict(q, "not_covered", "too_broad", missing=[q.text])
        at = self.relevance.answer_at
        pool = sorted((u for u in units if not self._other_platform_only(q, u)), key=lambda u: -u.logit)
        if q.chooses:
            # the knowledge base advises choosing among its own kinds of thing (models, shipping
            # methods); which software or forwarder to use it does not say
            return Verdict(q, "not_covered", "not_advised", missing=[q.chooses], related=self._related(q, pool))
        answering = self._own_language_first(q, [u for u in pool if not u.features.get("not_public")])
        # what-is and comparison questions are answered from what is known, whatever is not
        known_only = bool({"comparison", "definition"} & q.kinds)
        # a list of several things not known matches a question through any of them: its items,
        # each read with the lead-in that says so, stand for it one by one
        gaps = [] if known_only else [u for u in pool[:12]
                                      if u.features.get("not_public") and u.kind not in ("list", "table")]
        top = answering[0] if answering else None
        # an FAQ asking what the user asks, answered "not known", when none of the best answers asks it
        asked_gap = None if known_only or any(self._asks_same(q, u) for u in answering[:3]) else \
            next((u for u in pool if u.features.get("not_public") and self._asks_same(q, u)), None)
        gap = asked_gap or max(gaps, key=self._topic_logit, default=None)
        newer = next((u for u in answering[:3] if gap is not None and u.meta.get("type") == "notice"
                      and _dated(u) > _dated(gap)), None)
        if newer is not None:
            top, gap = newer, None  # a notice dated after the statement that something was not known settles it
        p = self._accept(top, answering, gap)
        if top is not None and not top.features.get("terms"):
            # the best match does not name the question's terms: a close one that does may answer
            naming = next((u for u in answering[:5] if u.features.get("terms")), None)
            if naming is not None and (pn := self._accept(naming, answering, gap)) > p:
                top, p = naming, pn
        if top is not None:
            # the knowledge base answers when one of its best units does (the best still leads:
            # a close second may hold the question's words where the best says it otherwise)
            p = max([p, *(self._accept(u, answering, gap) for u in answering[1:3])])
        v_conf = p
        matches_better = gap is not None and (top is None or self._topic_logit(gap) > top.logit
                                              or self._topic_logit(gap) == top.logit and not _contains(gap, top)
                                              or self._asked_most_alike(q, gap, answering))
        if gap is not None and (gap is asked_gap or matches_better and self._accept(gap, [gap], None, topic=True) >= 0.8 * at):
            # the knowledge base says itself that this is not known, and that statement matches
            # the question at least as well as anything that would answer it (on a tie, not when it
            # quotes that answer with a caveat: it matches through the answer)
            return _tagged(_not_known(q, gap, pool, p, [u for u in answering[:1] if p >= 0.5 * at and not redundant(u, gap)]),
                           "gap_asked" if gap is asked_gap else "gap_matches")
        if top is not None and p < at:
            # a what-is question the knowledge base defines, or a which-should-I-choose question
            # its guidance answers by naming one of the options, is answered even when the
            # user's own words (their product, their situation) are not in it
            top = self._defining(q, answering) or self._advising(q, answering) or top
            p = max(p, at) if top.features.get("defines") or self._names_entity(top) and "suitability" in q.kinds else p
        if top is not None and p < at:
            # the knowledge base holds this very question as an FAQ, and its answer names the
            # question's terms and gives what kind of figure is asked: that answers it
            asked = [u for u in answering[:12] if self._same_question(q, u)
                     and u.features.get("terms") and (q.figure is None or u.figure)]
            if asked:
                top, p = asked[0], max(p, at)
        if top is not None and p < at and q.future and self._names_asked(q, top):
            # a question about later, and a rule announced for later that names what it asks about
            # (only announced rules reach the judge for such a question): that answers it
            p = at
        if top is None or p < at:
            if gap is not None and self._accept(gap, [gap], None, topic=True) >= 0.8 * at:
                # nothing answers it, and the knowledge base says itself that this is not known
                return _tagged(_not_known(q, gap, pool, p), "gap_only")
            missing = self._missing(q, pool[:12])
            terms = {t.label for t in q.core}
            known = {t.label for t in q.topics if t.kind != "unknown"}
            spoken = terms & {label for u in pool[:12] for label, c in u.covered.items() if c >= 1.0}
            # a glossary term or a word the knowledge base has seen, missing only beside the others
            # asked about (a deadline asked for one programme, a rule asked for one country): not
            # stated for it, which is not the same as knowing nothing of it
            reason = "not_specific" if missing and spoken and set(missing) <= known else "no_evidence"
            v = Verdict(q, "not_covered", reason, missing=missing, related=self._related(q, pool))
            v.confidence = round(1.0 - p, 3)
            v.features["rule"] = "below_threshold"
            return v
        asked_years = [y for y in cue("year").findall(q.text)]
        if asked_years and "temporal" not in q.kinds:
            dated = [u for u in answering[:5]
                     if any(y in f"{u.text} {u.context} {u.meta.get('title', '')}" or _in_force_in(u, y) for y in asked_years)]
            # a change dated after the asked year says what held in it: the value it changed from
            dated += [u for u in answering[:5] if u not in dated and any(_changed_after(u, y) for y in asked_years)]
            if not dated:
                # asked about a year the best evidence does not speak of: say so, show what is known
                return _tagged(Verdict(q, "not_covered", "no_evidence", missing=asked_years,
                               related=self._related(q, answering) or answering[:1], confidence=round(1.0 - p, 3)), "asked_year")
            top = top if top in dated else dated[0]  # what speaks of the asked year leads
        named = [t.label for t in q.unknown if _named(t.label, q.text) and top.covered.get(t.label, 0.0) < 1.0]
        if named:
            # a named thing the knowledge base has never seen ("3C", "ERP", "GST"): what it holds
            # is general, so the answer says first that the named thing itself is not covered
            v = Verdict(q, "not_covered", "no_evidence", missing=_joined(named, q.text), related=[top],
                        confidence=round(1.0 - p, 3))
            v.features["rule"] = "named_unknown"
            return v
        programmes = [t.label for t in q.topics if t.kind == "term" and self._is_entity(t)]
        naming = [u for u in answering[:12] if u.logit >= top.logit - LIKELY_SPAN and all(x in u.named for x in programmes)]
        general = [x for x in programmes if x not in top.named]
        if general and naming:
            top = naming[0]  # a close second that speaks of the programme asked about
        elif general and not {"comparison", "definition", "temporal"} & q.kinds:
            # the best evidence is about something wider than the programme the question names (a
            # fee in general, asked for one programme): say first that it is not stated for it
            return _tagged(Verdict(q, "not_covered", "not_specific", missing=general, related=[top],
                           confidence=round(1.0 - p, 3)), "general_evidence")
        if self._answers_another(q, top):
            # "能：…" says yes to its own FAQ question, not to this one: a plain statement leads
            top = next((u for u in answering[:12] if not self._answers_another(q, u)), top)
        likely = [u for u in answering if u.logit >= top.logit - LIKELY_SPAN]
        lead = self._asked_lead(q, top, answering)
        if q.figure is not None and "comparison" not in q.kinds and not lead.figure:
            giving = [u for u in likely if u.figure]
            if not giving:
                said = [u for u in likely[:4] if u.features.get("not_public")]
                if said:
                    return _tagged(_not_known(q, said[0], pool, p), "figure_gap")
                return _tagged(Verdict(q, "not_covered", "no_figure", missing=[m for m in [_figure_label(q, pool[:12], None, self.nameable)] if m],
                               related=self._related(q, likely)), "no_figure")
            lead = giving[0]
        v = Verdict(q, "answer", pool=likely, confidence=round(v_conf, 3))
        if "comparison" in q.kinds and not self._contrasts(q, lead) and not self._says_respect(q, lead):
            # a difference is answered by a passage that sets the things side by side (a lead that
            # answers the respect asked for one side, "甲的店铺运营由商家负责", stays first: the
            # other side and the table follow it)
            contrasting = [u for u in answering[:12] if u.logit >= lead.logit - COMPARE_SPAN and self._contrasts(q, u)]
            if contrasting:
                lead = contrasting[0]
                v.pool = [lead, *(u for u in likely if u is not lead)]
        if "list" in q.kinds and not (_lists(lead) and _opens_with(q, lead)):
            # a list of what was asked about (its opening names it) before a list that only
            # mentions it; a list before a plain sentence
            listing = [u for u in answering[:8] if _lists(u) and u.logit >= lead.logit - LIST_SPAN
                       and (u.lang == q.lang or lead.lang != q.lang)]  # never a list in the other language over the question's
            own = [u for u in listing if _opens_with(q, u)]
            plain = [u for u in listing if u.logit >= lead.logit - 0.7] if not _lists(lead) else []
            lead = (own or plain or [lead])[0]
        if "when" in q.kinds and _says_when(lead) < 2:
            # the date may sit in a plainer sentence than the best match ("effective from …"); a
            # time beats the event it follows, and an event beats nothing
            dated = [u for u in answering[:16] if _says_when(u) > _says_when(lead) and u.lex >= 0.7 * lead.lex
                     and u.logit >= lead.logit - 2.5 and not self._answers_another(q, u)]
            dated.sort(key=lambda u: -_says_when(u))
            lead = dated[0] if dated else lead
        if "yes_no" in q.kinds:
            lead, v.yes_no = self._settle(q, likely, lead)
        if lead.superseded and "temporal" not in q.kinds:
            # the rule in force leads; the replaced one may follow as a point
            current = [u for u in answering[:12] if not u.superseded and u.logit >= lead.logit - 2.5
                       and u.lex >= 0.8 * lead.lex]
            lead = current[0] if current else lead
        if "temporal" in q.kinds and not _traces(lead):
            # how something changed is told best by the sentence that traces it ("from … to …")
            tracing = [u for u in answering[:12] if _traces(u) and u.logit >= lead.logit - 2.5 and u.lex >= 0.8 * lead.lex]
            lead = tracing[0] if tracing else lead
        if self._fragment(lead) or self._answers_another(q, lead):
            # a bare reply, a pointer, advice, an intro without its list or a yes or no to another
            # FAQ question never leads, whichever rule chose it: the next likeliest unit that
            # stands alone does
            lead = next((u for u in [*likely, *answering[:12]]
                         if not self._fragment(u) and not self._answers_another(q, u)), lead)
        if not any(u.upcoming for u in [lead, *likely]):
            # a rule announced for later on what is asked, though less likely than today's: the
            # answer says what applies now and what changes from when
            later = next((u for u in answering[:12] if u.upcoming and self._names_asked(q, u)
                          and (q.figure is None or u.figure)), None)
            if later is not None:
                v.pool = [*v.pool, later]
        v.lead = lead
        v.layout = self._layout(q, lead)
        rows = self._table_rows(q, units) if v.layout in ("table", "contrast") else []
        if rows:
            # the knowledge base's own side-by-side table of the things compared, every row of it
            v.layout, v.pool = "table", [*rows, *v.pool]
            if lead.kind in ("table", "row"):
                # a sentence saying something of each thing compared in a clause of its own leads
                # the table ("A is …; B is …"); one saying only that they differ does not
                lead = v.lead = next((u for u in answering[:12] if u.kind not in ("table", "row", "list")
                                      and u.logit >= lead.logit - COMPARE_SPAN and not self._fragment(u)
                                      and self._clause_each(q, u)), lead)
        v.support = self._support(q, lead, answering, shown=rows)
        conflict = cue("conflict")
        disagreeing = [u for u in likely[:10] if conflict.search(u.text) and u is not lead and u not in v.support
                       and not redundant(u, lead)]
        if disagreeing and not any(conflict.search(u.text) for u in [lead, *v.support]):
            # the sources disagree on what was asked: the answer says so and shows the other view
            v.support = [*v.support[:MAX_POINTS - 1], disagreeing[0]]
        v.conflict = any(conflict.search(u.text) for u in [lead, *v.support])
        return v

    def _asked_lead(self, q: Question, top: Evidence, answering: list[Evidence]) -> Evidence:
        """The unit that answers this very question: an FAQ answer to it, else the best unit (or a
        near one when the best answers another FAQ question), quoted with the sentence that goes
        on from it when that pair is as good."""
        lead = top
        faq = [u for u in answering[:12] if self._same_question(q, u) and u.logit >= top.logit - 3.0]
        if faq:
            # the knowledge base holds this very question as an FAQ: its answer leads
            lead = max(faq, key=lambda u: u.qsim)
        elif lead.kind == "answer" and not self._same_question(q, lead, loose=True):
            # the best unit answers another FAQ question; one nearly as good whose question
            # names the user's words and asks the same way answers this one
            close = [u for u in answering[:12] if u.logit >= lead.logit - FAQ_SPAN and self._same_question(q, u, loose=True)]
            lead = close[0] if close else lead
        continued = [u for u in answering[:12] if u.lines[:-1] == lead.lines and u.doc_id == lead.doc_id
                     and u.lang == lead.lang and u.logit >= lead.logit - FAQ_SPAN]
        if lead.kind == "sentence" and continued:
            lead = continued[0]  # "A cancellation can count too." + "It is attributed to the seller."
        return lead

    @staticmethod
    def _names_asked(q: Question, u: Evidence) -> bool:
        """The unit names what the question asks about: every glossary term it names or, when it
        names none, most of the weight of its content words (never a question of everyday words)."""
        if any(t.kind == "term" for t in q.topics):
            return bool(u.features.get("terms"))
        content = [t for t in q.topics if not t.everyday]
        total = sum(t.weight for t in content)
        return total > 0 and sum(t.weight * min(u.covered.get(t.label, 0.0), 1.0) for t in content) >= NAMED_SHARE * total

    @staticmethod
    def _fragment(u: Evidence) -> bool:
        """A unit that cannot stand alone as the first thing a seller reads."""
        return bool(fragment(u.text, introduces_block=u.kind in ("list", "table")))

    def usable(self, q: Question, units: list[Evidence]) -> list[Evidence]:
        """Units in the question's language, or from documents that only exist in the other one;
        glossary definitions only for what-is questions."""
        out = [u for u in units if (u.lang == q.lang or not self.has_lang(u.doc_id, q.lang))
               and (not u.is_glossary or "definition" in q.kinds)]
        return out or [u for u in units if not u.is_glossary]

    @staticmethod
    def _says_respect(q: Question, u: Evidence) -> bool:
        """The unit speaks of every word a comparison asks about besides the things compared
        ("由谁负责店铺运营"), and there is such a word."""
        core = {t.label for t in q.core}
        respect = [t for t in q.topics if t.label not in core and not t.everyday]
        return bool(respect) and all(u.covered.get(t.label, 0.0) >= 1.0 for t in respect)

    @staticmethod
    def _contrasts(q: Question, u: Evidence) -> bool:
        """The unit names two or more of the things compared and sets them side by side (a
        table, or words of contrast)."""
        named = [t for t in q.core if u.covered.get(t.label, 0.0) >= 1.0]
        if len(named) < 2 or cue("conflict").search(u.text):
            return False  # sources disagreeing on one thing do not set two things side by side
        if u.kind == "table":
            return True
        low = u.text.lower()
        if cue("contrast").search(u.text) and sum(any(_names(low, f.lower()) for f in t.forms) for t in named) >= 2:
            return True  # "A … whereas B …", both named in the sentence itself
        return Judge._clause_each(q, u)

    @staticmethod
    def _clause_each(q: Question, u: Evidence) -> bool:
        """"A is …; B is …": two of the things compared named in clauses of their own."""
        named = [t for t in q.core if u.covered.get(t.label, 0.0) >= 1.0]
        if len(named) < 2 or cue("conflict").search(u.text):
            return False
        clauses = cue("clause_break").split(u.text)
        where = [{i for i, c in enumerate(clauses) if any(_names(c, f) for f in t.forms)} for t in named]
        return any(a != b for a in where[0] for b in where[1])

    @staticmethod
    def _own_language_first(q: Question, ranked: list[Evidence]) -> list[Evidence]:
        """A passage in the question's language leads over one in the other language that
        matches only a little better: its words were seen, the other's meaning only estimated."""
        if not ranked or ranked[0].lang == q.lang:
            return ranked
        own = next((u for u in ranked[:8] if u.lang == q.lang and u.logit >= ranked[0].logit - OWN_LANGUAGE_MARGIN), None)
        return ranked if own is None else [own, *(u for u in ranked if u is not own)]

    def _missing(self, q: Question, units: list[Evidence]) -> list[str]:
        """What to name in a refusal: the question's terms and named things that no unit speaks
        of, things the knowledge base has never seen first. An ordinary word is never named: a
        small knowledge base lacking it says nothing of what is missing."""
        spoken = {label for u in units[:12] for label, c in u.covered.items() if c >= 1.0}
        absent = [t for t in q.topics if t.label not in spoken and not t.everyday]
        named = [t for t in absent if self.nameable(q, t)]
        if not named:
            # only ordinary words are missing: name the question's own phrase around them
            # ("办出口退税", "payment methods"), or nothing ("nothing answers this directly")
            phrase = _phrase(q, [t.label for t in absent if t.weight >= 0.5])
            return [phrase] if phrase else []
        named.sort(key=lambda t: (t.kind != "unknown", t.kind != "term", -t.weight))
        return list(dict.fromkeys(t.label if t.kind == "term" else _whole_name(t.label, q.text) for t in named[:2]))

    def nameable(self, q: Question, t: Topic) -> bool:
        """Whether a refusal may name this topic as what is missing: a glossary term, a named
        thing (a place, company or category of the domain, another platform, a code, an acronym,
        a proper name as the seller wrote it), or the word the question word asks about."""
        if t.kind == "term" or (q.attribute is not None and t.label == q.attribute.label):
            return True
        return _named(t.label, q.text) or bool(self.domain.named_in(t.label) or self.domain.other_platforms_in(t.label))

    def _defining(self, q: Question, ranked: list[Evidence]) -> Evidence | None:
        if "definition" not in q.kinds:
            return None
        return next((u for u in ranked[:6] if u.features.get("defines")), None)

    def _advising(self, q: Question, ranked: list[Evidence]) -> Evidence | None:
        if "suitability" not in q.kinds:
            return None
        return next((u for u in ranked[:6] if self._names_entity(u) and (u.features.get("terms") or u.sim >= 0.35)), None)

    @staticmethod
    def _same_question(q: Question, u: Evidence, loose: bool = False) -> bool:
        """An FAQ answer whose question is the user's: close in meaning and asked with a
        compatible question word ("Who ships it?" does not answer "Where are the warehouses?").
        ``loose``: less close in meaning, but its question names most of the user's own words."""
        if u.kind != "answer" or not u.first or not same_asking(q.asks, asking_word(u.faq_question)):
            return False
        if u.qsim >= FAQ_MATCH:
            return True
        words = [t for t in q.topics if t.kind != "term"]
        total = sum(t.weight for t in words)
        asked = u.faq_question.lower()
        named = sum(t.weight for t in words if any(_names(asked, f.lower()) for f in t.forms))
        return loose and u.qsim >= FAQ_LOOSE and total > 0 and named >= 0.5 * total

    @staticmethod
    def _asked_most_alike(q: Question, u: Evidence, answering: list[Evidence]) -> bool:
        """An FAQ answer whose question, of all the FAQ questions found, is the closest to the
        user's, names its terms and asks with a compatible question word."""
        if u.kind != "answer" or not u.first or not u.features.get("terms") or u.qsim < FAQ_LOOSE:
            return False
        if not same_asking(q.asks, asking_word(u.faq_question)):
            return False
        return u.qsim > max((v.qsim for v in answering[:8] if v.kind == "answer"), default=0.0)

    def _asks_same(self, q: Question, u: Evidence) -> bool:
        """An FAQ answer whose question asks, with a compatible question word, about the very
        word the user's question word asks about ("What score does each grade need?" for "service
        level excellent what score"), on a page that speaks of the question's terms."""
        if q.attribute is None or u.kind != "answer" or not u.first:
            return False
        asked = u.faq_question.lower()
        if not (same_asking(q.asks, asking_word(u.faq_question)) and any(_names(asked, f.lower()) for f in q.attribute.forms)):
            return False
        return bool(u.features.get("terms")) or all(self._page_names(u, t) for t in q.core)

    def _page_names(self, u: Evidence, t: Topic) -> bool:
        """Whether the unit's page names a term anywhere (its other questions speak of it)."""
        key = (u.rec.uid, u.rec.version, t.forms)
        found = self._on_page.get(key)
        if found is None:
            if len(self._on_page) > 50_000:
                self._on_page.clear()
            page = " ".join([str(u.meta.get("title", "")), *u.rec.sentences]).lower()
            found = self._on_page[key] = any(_names(page, f.lower()) for f in t.forms)
        return found

    def _answers_another(self, q: Question, u: Evidence) -> bool:
        """An FAQ answer that opens with yes or no ("能：…", "No, …") to a question that is not
        the user's: its yes or no would read as the answer to theirs."""
        return u.kind == "answer" and bool(cue("opens_yes_no").match(u.text.lower())) \
            and not self._same_question(q, u, loose=True)

    def _is_entity(self, t: Topic) -> bool:
        """One of the things the knowledge base is organised around (its models, programmes)."""
        forms = {f.lower() for f in t.forms}
        return any(f.lower() in forms for e in self.domain.entities for f in e.forms)

    def _names_entity(self, u: Evidence) -> bool:
        low = u.text.lower()
        return any(_names(low, f) for e in self.domain.entities for f in e.forms)

    def _names_platform(self, q: Question, u: Evidence) -> bool:
        named = {p.lower() for p in self.domain.other_platforms_in(f"{u.text} {u.context}")}
        return any(p.lower() in named for p in q.platforms)

    def _other_platform_only(self, q: Question, u: Evidence) -> bool:
        """A unit that brings in another platform does not answer a question that names none:
        the user asked about this one (a comparison with another is not the answer)."""
        if q.platforms:
            return False
        found = self._brings_platform.get(u.text)
        if found is None:
            if len(self._brings_platform) > 100_000:
                self._brings_platform.clear()
            found = self._brings_platform[u.text] = bool(self.domain.other_platforms_in(u.text))
        return found

    def _related(self, q: Question, units: list[Evidence]) -> list[Evidence]:
        """For a refusal: at most two units that are truly about what the question names (its
        rarest term or word) and fairly likely to matter."""
        if not q.topics:
            return []
        named = {label for u in units[:12] for label, c in u.covered.items() if c >= 1.0}
        main = max(q.topics, key=lambda t: (t.label in named, t.kind == "term", t.weight))
        out: list[Evidence] = []
        for u in units:
            if len(out) >= 2:
                break
            if u.covered.get(main.label, 0.0) >= 1.0 and u.sim >= 0.35 and u.lex >= 0.5 \
                    and not any(set(u.lines) & set(o.lines) or redundant(u, o) for o in out):
                out.append(u)
        return out

    def _settle(self, q: Question, on_topic: list[Evidence], lead: Evidence) -> tuple[Evidence, str]:
        """The unit that settles a yes/no question, and "no" when it plainly denies what the
        question asks ("没有强制", "not mandatory"). A missing denial is no evidence of "yes", so
        "yes" is never inferred: the quote itself then answers."""
        if cue("negation").search(q.text):
            return lead, ""  # "不是…吗": let the quote speak
        forms = [p.lower() for p in q.predicate if len(p) >= 2]
        for u in [lead, *on_topic[:6]]:
            if u.logit < lead.logit - 1.0:
                break
            low = u.text.lower()
            if cue("opens_yes_no").match(low) and not self._answers_another(q, u):
                return u, ""  # the document answers yes or no itself
            for f in forms:
                hit = low.find(f)
                if hit < 0:
                    continue
                window = low[max(0, hit - (4 if CJK_CHAR.search(f) else 14)):hit]
                if cue("denial").search(window):
                    return u, "no"
        return lead, ""

    def _table_rows(self, q: Question, units: list[Evidence]) -> list[Evidence]:
        """The rows, in order, of the best-ranked table whose header names two or more of the
        things the question compares (in the question's language when it has one)."""
        compared = self._compared(q)

        def sets_side_by_side(u: Evidence) -> bool:
            return u.kind in ("row", "table") and sum(any(_names(u.context, f) for f in forms) for forms in compared) >= 2
        found = sorted((u for u in units if sets_side_by_side(u)), key=lambda u: (u.lang != q.lang, -u.logit))
        if not found:
            return []
        best = found[0]
        rows = [u for u in units if u.kind == "row" and u.rec is best.rec and u.context == best.context]
        return sorted(rows, key=lambda u: u.lines[0])

    def _entities_named(self, q: Question) -> list[tuple[str, ...]]:
        """The forms of each of the domain's entities (models) the question names."""
        return [tuple(e.forms) for e in self.domain.entities_in(q.text)]

    def _compared(self, q: Question) -> list[tuple[str, ...]]:
        """The forms of each thing a comparison sets side by side: the domain's entities it names
        (models), else its glossary terms (two ways of shipping, two programmes) and the other
        platforms it names (a model here and its namesake there)."""
        named = self._entities_named(q)
        return named if len(named) >= 2 else [*(tuple(t.forms) for t in q.core), *((p,) for p in q.platforms)]

    def _layout(self, q: Question, lead: Evidence) -> str:
        if "comparison" in q.kinds:
            return "table" if len(self._entities_named(q)) >= 2 and not q.platforms else "contrast"
        if "temporal" in q.kinds:
            return "timeline"
        if "suitability" in q.kinds:
            return "suitability"
        if lead.kind in ("list", "table"):
            return "list"
        return "points"

    @staticmethod
    def said_once(verdicts: Sequence[Verdict]) -> list[Verdict]:
        """The parts of one message in turn: a point any part leads with, or an earlier part has
        made, is not made again as a point; each part keeps its own lead."""
        said: list[Evidence] = [v.lead for v in verdicts if v.lead is not None]  # each part leads with its own
        out: list[Verdict] = []
        for v in verdicts:
            kept = [u for u in v.support if not any(u is s or redundant(u, s) for s in said)]
            out.append(v if len(kept) == len(v.support) else replace(v, support=kept))
            said += kept
        return out

    def _support(self, q: Question, lead: Evidence, ranked: list[Evidence], shown: Sequence[Evidence] = ()) -> list[Evidence]:
        """First the units that speak of what the lead leaves out of the question ("…and who
        handles logistics?"), then the next likeliest ones within a span of the lead, so that a
        question's second fact is there when the knowledge base holds it close by; never one
        that repeats another or a cell of a table ``shown`` with the answer."""
        chosen: list[Evidence] = []
        limit = MAX_POINTS + (1 if "list" in q.kinds and lead.kind not in ("list", "table") else 0)
        cells = [Point(c) for row in shown for c in row_cells(row.text).values() if c]

        def fits(u: Evidence) -> bool:
            if u is lead or set(u.lines) & set(lead.lines) or any(set(u.lines) & set(c.lines) for c in chosen):
                return False
            if u.lang != q.lang and lead.lang == q.lang:
                return False  # an answer in the question's language is not padded with quotes in the other
            if lead.kind in ("list", "table") and u.rec is lead.rec and u.kind in ("item", "row"):
                return False
            if any(same_thing(Point(u.text), c) is not None for c in cells) or self._fragment(u):
                return False  # a cell the table shows, or a pointer or bare reply that says nothing here
            return not (redundant(u, lead) or any(redundant(u, c) for c in chosen))

        said = {t.label for t in q.topics if lead.covered.get(t.label, 0.0) >= 1.0}
        for u in ranked[:20]:
            if len(chosen) >= limit or u.logit < lead.logit - GAIN_SPAN:
                break
            gain = [t for t in q.topics if t.kind != "unknown" and t.label not in said
                    and u.covered.get(t.label, 0.0) >= 1.0]
            if gain and u.sim >= 0.25 and fits(u):
                chosen.append(u)
                said |= {t.label for t in gain}
        for u in ranked[:20]:
            if len(chosen) >= limit or u.logit < lead.logit - SUPPORT_SPAN:
                break
            if fits(u):
                chosen.append(u)
        if not chosen and lead.kind == "answer":
            # a one-sentence lead from an FAQ answer goes on with that answer's next sentence
            block = lead.rec.block_of[lead.lines[-1]]
            nxt = [u for u in ranked[:20] if u.rec is lead.rec and u.lines[0] == lead.lines[-1] + 1
                   and len(u.lines) == 1 and lead.rec.block_of[u.lines[0]] == block and u.logit >= lead.logit - GAIN_SPAN]
            # it shares the lead's words because it goes on from it: only a restatement is left out
            chosen += [u for u in nxt[:1] if not same_meaning(u, lead)]
        return chosen


def _contains(a: Evidence, b: Evidence) -> bool:
    """Whether unit ``a`` quotes every line of unit ``b``."""
    return a.doc_id == b.doc_id and a.lang == b.lang and set(b.lines) <= set(a.lines)


def _traces(u: Evidence) -> bool:
    """The unit tells a change from one value or date to another ("moved from over 50% … to about
    70%", "由72小时放宽为96小时")."""
    return bool(cue("trajectory").search(u.text)) \
        or bool(cue("moved").search(u.text)) and len(re.findall(r"\d+", u.text)) >= 3


def _opens_with(q: Question, u: Evidence) -> bool:
    """The unit's first line names every glossary term of the question."""
    first = u.quotes[0].lower()
    return bool(q.core) and all(any(f.lower() in first for f in t.forms) for t in q.core)


def _lists(u: Evidence) -> bool:
    """A list, a table, or a sentence naming three or more things ("分为三项：A、B、C")."""
    return u.kind in ("list", "table") or u.kind not in ("item", "row") and bool(cue("enumeration").search(u.text))


def _says_when(u: Evidence) -> int:
    """2 when the unit gives a date or a point in time ("12 hours after you create it",
    "付款后48小时内", "at 24:00"), 1 when it names the event something happens on ("once the
    buyer confirms receipt"), else 0."""
    return 2 if u.date or cue("time_point").search(u.text) else 1 if cue("event").search(u.text) else 0


def _named(label: str, text: str) -> bool:
    """Whether a word, as the question writes it, names a specific thing: a code ("3C"), an
    acronym ("ERP"), or a proper name capitalised inside a sentence ("… in Guangzhou")."""
    if cue("mixed_code").search(label):
        return True
    if not label.isascii():
        return False
    if 2 <= len(label) <= 6 and re.search(rf"(?<![A-Za-z]){re.escape(label.upper())}(?![A-Za-z])", text):
        return True
    proper = label[:1].upper() + label[1:].lower()
    return len(label) >= 3 and bool(re.search(rf"(?<=[a-z,] ){re.escape(proper)}\b", text))


PHRASE_MIN = {"zh": 5, "en": 2}  # Han characters / words: shorter, and a phrase is one ordinary word
PHRASE_MAX = {"zh": 14, "en": 7}


def _phrase(q: Question, words: list[str]) -> str:
    """The shortest stretch of the question that holds ``words`` and is more than one ordinary
    word: their span when it holds two of them ("直播带货"), else widened to the question's nearest
    content words (never across punctuation) until it is long enough ("打包规则解析", "payment
    methods"); "" when it cannot be."""
    text = q.text
    low = text.lower()

    def spans(labels: list[str]) -> list[tuple[int, int]]:
        return [(m.start(), m.end()) for w in labels for m in re.finditer(re.escape(w.lower()), low)]

    inside = spans(words)
    if not inside:
        return ""
    start, end = min(a for a, _ in inside), max(b for _, b in inside)
    around = sorted(spans([t.label for t in q.topics if t.label not in words]))

    def size(a: int, b: int) -> int:
        if q.lang == "en":
            return len(cue("phrase_token").findall(text[a:b]))
        return len(re.findall(r"[\u3400-\u9fff]", text[a:b]))

    while size(start, end) < PHRASE_MIN[q.lang] and len({w for w in words if w.lower() in low[start:end]}) < 2:
        near = [(a, b) for a, b in around if (b <= start or a >= end) and not cue("phrase_stop").search(
            text[min(b, start):max(a, end)] if b <= start else text[end:a])]
        if not near:
            return ""
        a, b = min(near, key=lambda s: start - s[1] if s[1] <= start else s[0] - end)
        start, end = min(start, a), max(end, b)
    phrase = text[start:end].strip()
    if _names_joined(phrase, [t.label for t in q.topics]):
        return ""  # "fulfillment and fill" reads as two ordinary words, not the name of one thing
    return phrase if size(start, end) <= PHRASE_MAX[q.lang] else ""


def _names_joined(phrase: str, words: list[str]) -> bool:
    """Whether a phrase is only some of the question's ``words`` joined by "and", "or", "和", "、"."""
    marked = phrase.lower()
    for w in sorted(words, key=len, reverse=True):
        marked = marked.replace(w.lower(), "#")
    joiners = re.sub(r"[#\s]", "", marked)
    return marked.count("#") > 1 and bool(joiners) and not cue("term_joiner", mark="#").sub("", marked).strip()


def _in_force_in(u: Evidence, year: str) -> bool:
    """Whether a unit states a rule of a bounded period that covers ``year``: its document says
    until when the rule held, or the rule that replaced it says from when (an open-ended rule says
    nothing of a given year by itself)."""
    start = str(u.meta.get("effective_from") or "")
    end = str(u.meta.get("effective_until") or "") or u.replaced_from
    return bool(end) and end[:4] >= year and (not start or start[:4] <= year)


def _changed_after(u: Evidence, year: str) -> bool:
    """The unit traces a change ("由72小时放宽为96小时") and dates it after ``year``."""
    return _traces(u) and any(y > year for y in cue("year").findall(u.text))


def _dated(u: Evidence) -> str:
    """The latest date a unit's document rests on: its own, its rule's, or its newest source's."""
    meta = u.meta
    dates = [str(meta.get(k) or "") for k in ("published", "effective_from")]
    dates += [str(s.get("date") or "") for s in meta.get("sources") or [] if isinstance(s, dict)]
    return max((re.sub(r"[^\d-]", "", d) for d in dates if d and d != "undated"), default="")  # "≈2024-06" too


def _tagged(v: Verdict, rule: str) -> Verdict:
    """The verdict, marked with the rule that decided it (for reports and tuning, never shown)."""
    v.features["rule"] = rule
    return v


def _not_known(q: Question, gap: Evidence, pool: list[Evidence], p: float, also: Sequence[Evidence] = ()) -> Verdict:
    """An answer resting on the knowledge base's own statement that this is not known: the
    statement leads (it names what is missing in its own words); when it also gives a figure of
    the kind asked ("no official time limit; one Q&A says about 10 working days"), the answer is
    partial: what is known, and that it is not official."""
    kind = "partial" if q.figure is not None and q.figure.search(gap.text) else "not_covered"
    return Verdict(q, kind, "not_public", lead=gap, support=list(also), related=[gap, *also],
                   missing=[] if kind == "partial" else [_figure_label(q, pool[:12], gap)],
                   confidence=round(1.0 - p, 3))


def _whole_name(label: str, text: str) -> str:
    """A capitalised name as the question writes it, with the capitalised words next to it
    ("North" -> "North Korea", "Kong" -> "Hong Kong"); never the word opening a sentence."""
    if not label.isascii() or not label[:1].isupper():
        return label
    m = re.search(rf"((?:[A-Z][\w'-]*\s+)*){re.escape(label)}((?:\s+[A-Z][\w'-]*)*)(?![\w'-])", text)
    if m is None:
        return label
    before = m.group(1).split()
    if before and (m.start() == 0 or re.search(r"[.?!。？！]\s*$", text[:m.start()])):
        before = before[1:]  # "Does North Korea …": the sentence's first word is no part of the name
    return " ".join([*before, label, *m.group(2).split()])


def _joined(words: list[str], text: str) -> list[str]:
    """Names written next to each other in the question are one name ("Hong" "Kong" -> "Hong Kong")."""
    out: list[str] = []
    for w in sorted(words, key=lambda x: text.find(x)):
        if out and re.search(rf"{re.escape(out[-1])}\s+{re.escape(w)}", text):
            out[-1] = f"{out[-1]} {w}"
        else:
            out.append(w)
    return out


def _figure_label(q: Question, units: Sequence[Evidence] = (), gap: Evidence | None = None,
                  nameable=lambda _q, _t: True) -> str:
    """What the question asks a detail of: the word its question word asks about when the
    statement of the gap names it, else its heaviest nameable topic, of equal ones the one the
    knowledge base's own statement of the gap names, else the most specific (named by the fewest
    of the units found); "" when it names nothing that may be named."""
    low = f"{gap.text} {gap.context}".lower() if gap is not None else ""
    if q.attribute is not None and any(f.lower() in low for f in q.attribute.forms):
        return q.attribute.label  # what the question word asks about, and the statement names
    topics = [t for t in (q.core or q.topics) if nameable(q, t)]
    topics = [t for t in topics if any(f.lower() in low for f in t.forms)] or topics
    topic = max(topics, key=lambda t: (t.weight, -sum(t.label in u.named for u in units)), default=None)
    return topic.label if topic else ""