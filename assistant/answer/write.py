"""Write the answer from the judge's verdict: the answer first, then at most three supporting
points, each with [n], then the sources with their own dates.

The lead sentence answers the question itself: "是的。"/"No." first for a yes/no question, the
figure for a how-long, the list for a which/what-are, the rule in force for a question about
change. A refusal says plainly what the knowledge base does not cover, naming it, and where the
user can check. Nothing here writes a figure of its own: every number is inside a quote.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..kb.domain import Domain
from ..kb.glossary import names_form
from ..lang.cues import cue
from ..lang.fragments import ENDS_WITH_COLON, MARKER
from ..lang.numbers import date_label, sentence_date
from ..lang.phrases import TEXT
from ..lang.same import redundant
from ..schema import Citation, Evidence, SourceRef, Verdict, row_cells, rule_status


@dataclass
class Citations:
    """Numbers units as they are cited; the same unit keeps its number."""

    items: list[Citation] = field(default_factory=list)
    units: list[Evidence] = field(default_factory=list)
    _by_key: dict[tuple[str, tuple[int, ...]], int] = field(default_factory=dict)
    today: str = ""  # ISO: the day a cited rule's status is told for (default: the system date)
    as_of: str = ""  # ISO: the day the question asks about, for what applies then (default: today)

    def cite(self, u: Evidence) -> int:
        key = (u.rec.uid, tuple(u.lines))
        if key not in self._by_key:
            self.items.append(citation(u, len(self.items) + 1, self.today or dt.date.today().isoformat()))
            self.units.append(u)
            self._by_key[key] = len(self.items)
        return self._by_key[key]


def citation(u: Evidence, n: int, today: str = "") -> Citation:
    """A citation carrying the source's own date: a source document's ``published`` (or
    "undated" with its estimate), or for a knowledge-base summary the sources it rests on; and
    where the rule it quotes stands on ``today`` (upcoming, in force, expired, superseded)."""
    meta = u.meta
    sources = meta.get("sources") or []
    summary = meta.get("voice") == "summary"
    first = sources[0] if sources and not summary else {}
    published = "" if summary else (meta.get("published") or "undated")
    approx = meta.get("approx_date") or ""
    return Citation(
        n=n, doc_id=u.doc_id, title=meta.get("title", ""), url=first.get("url", ""), published=published,
        quote="\n".join(u.quotes), lang=u.lang, publisher=first.get("publisher", ""), superseded=u.superseded,
        section=u.section, summary=summary, date_note=f"≈{approx}" if approx and published == "undated" else "",
        sources=[SourceRef(title=s.get("title", ""), publisher=s.get("publisher", ""), url=s.get("url", ""),
                           date=s.get("date") or "undated") for s in sources] if summary else [],
        effective_from=str(meta.get("effective_from") or ""), effective_until=str(meta.get("effective_until") or ""),
        status=rule_status(meta, today or dt.date.today().isoformat(), "" if u.replaced_by else None),
    )


class Writer:
    """Lays out verdicts as Markdown with [n] markers and a sources block.

    Args:
        domain: where users can check what is not covered, the scope's name, table entities/aspects.
    """

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def body(self, v: Verdict, cites: Citations) -> str:
        T = TEXT[v.question.lang]
        if v.kind == "not_covered":
            return self._refusal(v, cites)
        writer = {"table": self._table, "contrast": self._contrast, "timeline": self._timeline,
                  "suitability": self._suitability, "list": self._list}.get(v.layout, self._points)
        text = writer(v, cites)
        if v.conflict and any(cue("conflict").search(u.text) for u in cites.units):
            # only when a passage shown says so (a table quoted from one page shows none of them)
            text = _after_lead(text, T["conflict"])
        if v.kind == "partial" and v.missing:
            text += "\n\n" + T["partial"].format(topics=T["sep"].join(f"“{m}”" for m in v.missing))
        return text

    def sources(self, cites: Citations, lang: str) -> str:
        if not cites.items:
            return ""
        T = TEXT[lang]
        lines = ["", "", f"**{T['sources']}**", ""]
        for c in cites.items:
            lines.append(f"[{c.n}] {c.title}" + (f" · {c.section}" if c.section and c.section != c.title else "")
                         + f" ({self.provenance(c, lang)}{self.standing(c, lang)})" + (f" {c.url}" if c.url else ""))
            lines.extend(f"    > {q}" for q in c.quote.split("\n"))
        return "\n".join(lines)

    @staticmethod
    def provenance(c: Citation, lang: str) -> str:
        T = TEXT[lang]
        if c.summary:
            based = T["sep"].join(f"{s.publisher} {s.date}".strip() for s in c.sources[:4])
            return f"{T['summary']}" + (f", {T['based_on']}: {based}" if based else "")
        date = c.published if c.published and c.published != "undated" else T["undated"] + (f" {c.date_note}" if c.date_note else "")
        return ", ".join(x for x in (c.publisher, date) if x)

    @staticmethod
    def standing(c: Citation, lang: str) -> str:
        """Where the cited rule stands today when it is upcoming or expired (a superseded quote
        already says so beside it)."""
        T = TEXT[lang]
        sep = "；" if lang == "zh" else "; "
        if c.status == "upcoming":
            return sep + T["status_upcoming"].format(date=c.effective_from)
        if c.status == "expired":
            return sep + T["status_expired"].format(date=c.effective_until)
        return ""

    # ---- pieces -------------------------------------------------------------------------------
    def _quote(self, u: Evidence, cites: Citations, lang: str) -> str:
        T = TEXT[lang]
        suffix = T["superseded"] if u.superseded else ""
        other = T["quoted_other"] if u.lang != lang else ""
        if u.kind in ("list", "table"):
            quotes = u.quotes
            intro, items = (quotes[0], quotes[1:]) if u.intro else (self._frame(u, lang), quotes)
            bullets = "\n".join(f"- {q}" for q in items)
            return f"{intro} [{cites.cite(u)}]{suffix}{other}\n\n{bullets}"
        return f"{u.text} [{cites.cite(u)}]{suffix}{other}"

    @staticmethod
    def _frame(u: Evidence, lang: str) -> str:
        """The words a list without an intro of its own stands under: the question it answers,
        else its heading (framing, not a quote)."""
        rec = u.rec
        block = rec.block_of[u.lines[0]]
        question = next((rec.sentences[i] for i in rec.block_lines(block) if rec.roles[i] == "question"), "")
        heading = question or (u.section.split(" > ")[-1] if u.section else rec.meta.get("title", ""))
        return TEXT[lang]["list_of"].format(topic=heading.rstrip("。.?？:："))

    def _lead(self, v: Verdict, cites: Citations) -> str:
        T = TEXT[v.question.lang]
        prefix = T[v.yes_no] + " " if v.yes_no else ""
        if v.question.lang == "zh" and prefix:
            prefix = prefix.strip()
        return prefix + self._quote(v.lead, cites, v.question.lang)

    def _points(self, v: Verdict, cites: Citations) -> str:
        lang = v.question.lang
        timed = self._over_time(v, cites)
        if timed:
            return timed
        lines = [self._lead(v, cites)]
        if v.support:
            lines.append("")
            lines.extend(f"- {self._quote(u, cites, lang)}" for u in v.support if u.kind not in ("list", "table"))
            for u in v.support:
                if u.kind in ("list", "table"):
                    lines += ["", self._quote(u, cites, lang)]
        return "\n".join(lines)

    def _over_time(self, v: Verdict, cites: Citations) -> str:
        """When an announced rule has not taken effect yet, what applies today comes first and
        then what changes and from when ("Until 2027-01-15: … From 2027-01-15: …"); a temporary
        rule that has expired says so with its period. "" when time changes nothing here."""
        T = TEXT[v.question.lang]
        lang = v.question.lang
        today = cites.as_of or cites.today or dt.date.today().isoformat()
        units = list(dict.fromkeys(u for u in [v.lead, *v.support, *v.pool] if u is not None))
        status = {id(u): rule_status(u.meta, today, "" if u.replaced_by else None) for u in units}
        upcoming = [u for u in units if status[id(u)] == "upcoming"]
        lead = v.lead
        if lead is not None and status[id(lead)] == "expired":
            start, end = lead.meta.get("effective_from") or "", lead.meta.get("effective_until") or ""
            period = T["expired_period"].format(start=start or "…", end=end)
            return self._lead(v, cites) + period + self._rest(v, cites, [lead])
        if not upcoming:
            return ""
        tracing = [u for u in upcoming if cue("trajectory").search(u.text)] or _tracing_sentence(upcoming[0])
        new = (tracing or upcoming)[0]
        date = str(new.meta.get("effective_from"))
        # a sentence telling the change ("from 48 to 36 hours") says what applies until then itself;
        # otherwise what is in force today comes first, the lead when it is
        current = None if tracing else next((u for u in units if status[id(u)] == "in_force"), None)
        parts = []
        if current is not None:
            parts.append(T["until_then"].format(date=date) + self._quote(current, cites, lang))
        said = sentence_date(new.text) == date  # the quote names the day itself
        parts.append(("" if said else T["from_then"].format(date=date)) + self._quote(new, cites, lang))
        return "\n\n".join(parts) + self._rest(v, cites, [u for u in (current, new) if u is not None])

    def _rest(self, v: Verdict, cites: Citations, shown: list[Evidence]) -> str:
        """The supporting points not yet shown, as bullets."""
        rest = [u for u in [v.lead, *v.support] if u is not None and u not in shown and u.kind not in ("list", "table")
                and not any(u.rec is s.rec and u.lines == s.lines for s in shown)]
        return ("\n\n" + "\n".join(f"- {self._quote(u, cites, v.question.lang)}" for u in rest)) if rest else ""

    def _list(self, v: Verdict, cites: Citations) -> str:
        return self._points(v, cites)

    def _refusal(self, v: Verdict, cites: Citations) -> str:
        lang = v.question.lang
        T = TEXT[lang]
        topic = "、".join(v.missing[:3]) if lang == "zh" else ", ".join(v.missing[:3])
        key = {"future": "future", "too_broad": "too_broad", "other_platform": "other_platform",
               "not_public": "not_public", "no_figure": "not_covered_figure",
               "not_specific": "not_specific", "not_advised": "not_advised"}.get(v.reason, "not_covered")
        if not topic:
            key, topic = ("not_answered" if key == "not_covered" else key), v.question.text
        if v.lead is not None:
            # the knowledge base's own statement of what is not known says it best
            lines = [self._quote(v.lead, cites, lang)]
            related = [u for u in v.related if u is not v.lead]
        else:
            lines = [T[key].format(topic=topic, scope=self.domain.name.get(lang, ""))]
            related = v.related
        if related:
            lines += ["", T["related"]]
            lines += [f"- {self._quote(u, cites, lang)}" for u in related]
        where = self.domain.check_where.get(lang)
        if where and v.reason not in ("too_broad",):
            lines += ["", where]
        return "\n".join(lines)

    def _timeline(self, v: Verdict, cites: Citations) -> str:
        lang = v.question.lang
        T = TEXT[lang]
        top = v.lead.score
        dated = [(u.date, u) for u in v.pool[:40]
                 if u.date and u.score >= 0.5 * top and u.lex >= 0.8 * v.lead.lex and u.kind not in ("list", "table")]
        if len(dated) < 2:
            return self._points(v, cites)
        picked: list[tuple[str, Evidence]] = []
        for d, u in sorted(dated, key=lambda x: -x[1].score):
            if len(picked) >= 4:
                break
            if u is v.lead or any(redundant(u, o) for _, o in picked) or redundant(u, v.lead):
                continue
            picked.append((d, u))
        picked.sort(key=lambda x: x[0], reverse=True)
        lines = [self._lead(v, cites)]
        if picked:
            lines += ["", T["timeline"]]
            lines += [f"- {date_label(u.text) or d}: {self._quote(u, cites, lang)}" for d, u in picked]
        return "\n".join(lines)

    def _table(self, v: Verdict, cites: Citations) -> str:
        """Entities as columns, aspects as rows: the knowledge base's own side-by-side table when
        it has one (its columns for the things asked about, every row), else a row per aspect
        with at least two cells answered by passages about one entity each."""
        lang = v.question.lang
        T = TEXT[lang]
        named: list = list(self.domain.entities_in(v.question.text))
        if len(named) < 2:
            # two things the domain does not list as models (two ways of shipping, a model here and
            # its namesake on another platform): the question's own terms and platforms are the columns
            terms = [Side(t.label, tuple(t.forms)) for t in v.question.topics if t.kind == "term"]
            terms += [Side(p, (p,)) for p in v.question.platforms if not any(p.lower() == s.id.lower() for s in terms)]
            named = terms if len(terms) >= 2 else named
        entities = named if len(named) >= 2 else list(self.domain.entities)
        # the respect asked about, in the words around the things compared (a word inside the
        # name of one of them is no respect asked about)
        rest = v.question.text.lower()
        for form in sorted({f.lower() for e in named for f in e.forms}, key=len, reverse=True):
            rest = rest.replace(form, " ")
        asked = [a for a in self.domain.aspects if any(x.lower() in rest for x in a.words.get(lang, ()))]
        if asked:
            # a difference in one respect: the sentence that answers it first, the whole table after
            # (led by the table itself, the table with that row on top is the answer: never twice)
            if v.lead is not None and v.lead.kind in ("row", "table"):
                quoted = self._quoted_table(v, entities, cites, on_top=asked)
                if quoted:
                    return quoted
            text = self._contrast(v, cites, table_follows=True)
            quoted = self._quoted_table(v, entities, cites, on_top=asked)
            return f"{text}\n\n{quoted}" if quoted else text
        # the sentence the judge chose leads the table (cited first, it is numbered first)
        lead = v.lead if v.lead is not None and v.lead.kind not in ("row", "table", "list") else None
        first = [self._quote(lead, cites, lang), ""] if lead is not None else []
        quoted = self._quoted_table(v, entities, cites)
        if quoted:
            # two things that are not models (two ways of shipping): the points that add to the
            # table follow it (the models' table says all the knowledge base sets side by side)
            points = [u for u in v.support if u is not lead and u.kind not in ("row", "table", "list")] \
                if isinstance(entities[0], Side) else []
            return "\n".join([*first, quoted, *(["", *(f"- {self._quote(u, cites, lang)}" for u in points)] if points else [])])
        pool = [u for u in v.pool if u.kind not in ("list", "table")]
        rows = []
        for aspect in self.domain.aspects:
            words = [w.lower() for w in aspect.words.get(lang, ())]
            cells = []
            for e in entities:
                forms = [f.lower() for f in e.forms]
                others = [f.lower() for o in entities if o is not e for f in o.forms]
                best = next((u for u in pool if any(f in u.text.lower() for f in forms)
                             and not any(f in u.text.lower() for f in others if f not in forms)
                             and any(w in u.text.lower() for w in words)), None)
                cells.append(f"{_cell(best.text, forms)} [{cites.cite(best)}]" if best else T["none"])
            if sum(c != T["none"] for c in cells) >= 2:
                rows.append([aspect.label.get(lang, aspect.id), *cells])
        if not rows:
            return self._contrast(v, cites)
        header = [T["model"], *(e.label.get(lang, e.id) for e in entities)]
        table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        table += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
        return "\n".join([*first, T["compare"], "", *table])

    def _quoted_table(self, v: Verdict, entities: list, cites: Citations, on_top: list = ()) -> str:
        """The rows of a knowledge-base table (``key: value; …`` lines under a header naming the
        entities), with the columns of the entities asked about, the rows of the ``on_top`` aspects
        asked about on top; one citation quotes the rows."""
        rows = list({tuple(u.lines): u for u in v.pool if u.kind == "row"}.values())
        if len(rows) < 2:
            return ""
        T = TEXT[v.question.lang]
        parsed = [row_cells(u.text) for u in rows]
        columns = list(dict.fromkeys(k for cells in parsed for k in cells))
        picked = []
        for e in entities:
            column = self._column(e, entities, [c for c in columns[1:] if c not in {c for _, c in picked}])
            if column is not None:
                picked.append((e, column))
        if len(picked) < 2:
            return ""
        asked = v.question.text.lower()
        # the columns in the order the question names them
        picked.sort(key=lambda ec: min((asked.find(f.lower()) for f in ec[0].forms if f.lower() in asked), default=len(asked)))
        first = rows[0]
        quoted = Evidence(rec=first.rec, lines=sorted({i for u in rows for i in u.lines}), kind="table",
                          context=first.context, rank=first.rank, replaced_by=first.replaced_by)
        n = cites.cite(quoted)
        header = [T["model"], *(_bare(c, lower=False) if isinstance(e, Side) else e.label.get(v.question.lang, e.id)
                                for e, c in picked)]
        table = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        words = [x.lower() for a in on_top for x in a.words.get(v.question.lang, ())]
        parsed.sort(key=lambda cells: not any(x in cells.get(columns[0], "").lower() for x in words))
        for cells in parsed:
            label = cells.get(columns[0], "")
            values = [cells.get(column) or T["none"] for _, column in picked]
            if label and any(x != T["none"] for x in values):
                table.append("| " + " | ".join(c.replace("|", "/") for c in [label, *values]) + " |")
        if len(table) < 4:
            return ""
        return "\n".join([f"{T['compare']} [{n}]", "", *table])

    def _column(self, side, sides: list, columns: list[str]) -> str | None:
        """The table column of one thing compared: the one named by its form, else (for a side
        that is no model) of the columns naming it the one naming the fewest other things compared
        or other platforms ("Our plan" for a plan beside another platform's, "Rival plan" for the rival)."""
        forms = [f.lower() for f in side.forms]
        exact = next((c for c in columns if _bare(c) in forms), None)
        if exact is not None or not isinstance(side, Side):
            return exact

        def names(column: str, fs) -> bool:
            return any(names_form(_bare(column), f) for f in fs)

        def others(column: str) -> int:
            platforms = [p for p in self.domain.other_platforms_in(column) if p.lower() not in forms]
            return len(platforms) + sum(names(column, s.forms) for s in sides if s is not side)
        naming = [c for c in columns if names(c, forms)]
        return min(naming, key=others) if naming else None

    def _contrast(self, v: Verdict, cites: Citations, table_follows: bool = False) -> str:
        """The best unit, then for each side named in the question the best unit about that side
        (none for a side the lead speaks of alone)."""
        lang = v.question.lang
        sides = [[f.lower() for f in t.forms] for t in v.question.topics if t.kind == "term"]
        sides += [[p] for p in v.question.platforms]
        chosen: list[Evidence] = []
        lead = v.lead.text.lower() if v.lead is not None else ""
        for forms in sides:
            others = [f for s in sides if s is not forms for f in s]
            if any(f in lead for f in forms) and not any(f in lead for f in others):
                continue  # the lead speaks of this side alone: the others follow it
            best = next((u for u in v.pool if u is not v.lead and u not in chosen and u.kind not in ("list", "table")
                         and any(f in u.text.lower() for f in forms) and not any(f in u.text.lower() for f in others)
                         and not redundant(u, v.lead)), None)
            if best is not None:
                chosen.append(best)
        # a table quoted after this text is not quoted again as a point
        chosen = (chosen + [u for u in v.support if u not in chosen and not (table_follows and u.kind in ("table", "row"))])[:3]
        lines = [self._lead(v, cites)]
        if chosen:
            lines += ["", *(f"- {self._quote(u, cites, lang)}" for u in chosen)]
        return "\n".join(lines)

    def _suitability(self, v: Verdict, cites: Citations) -> str:
        """Lead with a unit that names one of the domain's entities (what to choose)."""
        lang = v.question.lang
        T = TEXT[lang]
        forms = [f.lower() for e in self.domain.entities for f in e.forms]
        naming = [u for u in v.pool[:8] if any(f in u.text.lower() for f in forms) and u.score >= 0.8 * v.lead.score]
        lead = naming[0] if naming else v.lead
        rest = [u for u in [v.lead, *v.support] if u is not lead and not redundant(u, lead)][:3]
        lines = [T["recommend"] + self._quote(lead, cites, lang)]
        if rest:
            lines += ["", *(f"- {self._quote(u, cites, lang)}" for u in rest)]
        return "\n".join(lines)


def _tracing_sentence(u: Evidence) -> list[Evidence]:
    """The sentence of a unit's document that tells the change from the old value to the new one
    ("由48小时调整为36小时"), as a unit of its own; [] when the document has none."""
    rec = u.rec
    at = next((i for i, s in enumerate(rec.sentences)
               if rec.roles[i] not in ("intro", "question", "header") and cue("trajectory").search(s)), None)
    if at is None:
        return []
    return [Evidence(rec=rec, lines=[at], kind="sentence", context=u.context, rank=u.rank, replaced_by=u.replaced_by)]


@dataclass(frozen=True)
class Side:
    """One thing a comparison sets beside another, when it is not one of the domain's entities:
    a glossary term as the question names it."""

    id: str
    forms: tuple[str, ...]
    label: dict = field(default_factory=dict)


def _bare(column: str, lower: bool = True) -> str:
    """A table column's name without a gloss in brackets ("name (别名)"), lower-cased."""
    bare = re.sub(r"\s*[（(][^）)]*[）)]\s*$", "", column).strip()
    return bare.lower() if lower else bare


def _cell(text: str, forms: list[str]) -> str:
    """A table cell says only the fact: drop a leading 'Under X,' / 'X模式下，' naming the column."""
    for f in sorted(forms, key=len, reverse=True):
        text = cue("cell_opening_en", form=re.escape(f)).sub("", text)
        text = cue("cell_opening_zh", form=re.escape(f)).sub("", text)
    return text[:1].upper() + text[1:] if text[:1].isalpha() and text[:1].islower() else text


def _after_lead(text: str, note: str) -> str:
    """The note after the lead (and the list or table the lead introduces): the first thing read
    answers the question."""
    paragraphs = text.split("\n\n")
    intro = bool(ENDS_WITH_COLON.search(MARKER.sub("", paragraphs[0])))
    at = 2 if intro and len(paragraphs) > 1 else 1
    return "\n\n".join([*paragraphs[:at], note, *paragraphs[at:]])
