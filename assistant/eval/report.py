"""Eval reports: result.json, summary.md and report.html (charts embedded as PNG).

One table per set (all / zh / en, and the tutorial-RAG row when it ran) built once as rows of
strings and rendered both as Markdown and as HTML, so the two reports never disagree.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

FAILURES_SHOWN = 25
EXAMPLES_SHOWN = 3
LANGS = ("zh", "en")


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _num(v: Any) -> str:
    """Characters and milliseconds: no fixed decimals."""
    return "—" if v is None else f"{v:g}"


def _pair(a: Any, b: Any, fmt=_fmt) -> str:
    return f"{fmt(a)} / {fmt(b)}"


def _total(figures: dict[str, Any], key: str) -> Any:
    return figures.get("latency_ms", {}).get("total", {}).get(key)


# (label, how to read the value from one summary) in the order the table shows them
METRICS: list[tuple[str, Any]] = [
    ("questions (answerable / not)", lambda f: f"{f['questions']} ({f['answerable']} / {f['unanswerable']})"),
    ("**strict accuracy**", lambda f: _fmt(f["strict_accuracy"])),
    ("**acceptable**", lambda f: _fmt(f.get("acceptable"))),
    ("answer accuracy (answerable)", lambda f: _fmt(f["answer_accuracy"])),
    ("**answer-first**", lambda f: _fmt(f["answer_first"])),
    ("**irrelevant-answer rate**", lambda f: _fmt(f["irrelevant_answer_rate"])),
    ("**redundancy**", lambda f: _fmt(f["redundancy"])),
    ("refusal recall / precision", lambda f: _pair(f["refusal_recall"], f["refusal_precision"])),
    ("false refusals", lambda f: _fmt(f["false_refusals"])),
    ("bad refusals (share of answerable)", lambda f: _fmt(f.get("bad_refusal_rate"))),
    ("refusals naming an ordinary word", lambda f: _fmt(f.get("ordinary_word_refusals"))),
    ("fragment leads", lambda f: _fmt(f.get("fragment_leads"))),
    ("confidence AUROC", lambda f: _fmt(f.get("confidence_auroc"))),
    ("concision: median / p90 chars", lambda f: _pair(f["concision"]["median_chars"], f["concision"]["p90_chars"], _num)),
    ("calibration error (ECE, n)", lambda f: f"{_fmt(f['calibration']['ece'])} ({f['calibration']['n']})"),
    ("citation validity", lambda f: _fmt(f["citation_validity"])),
    ("language match", lambda f: _fmt(f["language_match"])),
    ("fabricated figures", lambda f: _fmt(f["fabricated_figures"])),
    ("must-not violations", lambda f: _fmt(f["must_not_violations"])),
    ("errors", lambda f: _fmt(f["errors"])),
    ("hit@5 / MRR", lambda f: _pair(f["hit@5"], f["mrr"])),
    ("latency p50 / p95 (ms)", lambda f: _pair(_total(f, "p50"), _total(f, "p95"), _num)),
]


def set_table(s: dict[str, Any]) -> list[list[str]]:
    """Rows of the per-set table; the first row is the header."""
    columns = [("all", s["overall"])] + [(lang, s["by_lang"][lang]) for lang in LANGS if lang in s["by_lang"]]
    columns += [(lang, f) for lang, f in s["by_lang"].items() if lang not in LANGS]
    tutorial = s.get("tutorial_baseline")
    if tutorial:
        columns.append(("tutorial RAG", tutorial["overall"]))
    rows = [["metric"] + [name for name, _ in columns]]
    for label, read in METRICS:
        rows.append([label] + [read(f) for _, f in columns])
    return rows


POOL_SPLITS = ("train", "dev", "sealed")
POOL_METRICS = [("acceptable", "acceptable"), ("bad refusals", "bad_refusal_rate"),
                ("ordinary-word refusals", "ordinary_word_refusals"), ("fragment leads", "fragment_leads"),
                ("answer-first", "answer_first"), ("irrelevant answers", "irrelevant_answer_rate"),
                ("confidence AUROC", "confidence_auroc"), ("ECE", None)]


def pool_table(result: dict[str, Any]) -> list[list[str]]:
    """The pool's splits side by side, all / zh / en per split (empty when none ran)."""
    splits = [n for n in POOL_SPLITS if n in result["sets"]]
    if not splits:
        return []
    rows = [["metric"] + [f"{n} all / zh / en" for n in splits]]

    def cell(figures: dict[str, Any] | None, key: str | None) -> str:
        if not figures:
            return "—"
        return _fmt(figures["calibration"]["ece"] if key is None else figures.get(key))

    rows.append(["questions (answerable / not)"] + [
        " / ".join(str(f["questions"]) if f else "—" for f in (result["sets"][n]["overall"],
                   result["sets"][n]["by_lang"].get("zh"), result["sets"][n]["by_lang"].get("en"))) for n in splits])
    for label, key in POOL_METRICS:
        rows.append([label] + [" / ".join(cell(f, key) for f in (result["sets"][n]["overall"],
                                                                 result["sets"][n]["by_lang"].get("zh"),
                                                                 result["sets"][n]["by_lang"].get("en")))
                               for n in splits])
    return rows


def calibration_table(s: dict[str, Any]) -> list[list[str]]:
    rows = [["confidence", "answers", "accuracy", "mean confidence"]]
    for b in s["overall"]["calibration"]["buckets"]:
        lo, hi = b["range"]
        rows.append([f"[{lo:.1f}, {hi:.1f}{']' if hi == 1.0 else ')'}", str(b["n"]), _fmt(b["accuracy"]),
                     _fmt(b["mean_confidence"])])
    return rows


def _markdown_table(rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows[1:]]
    return out


def _html_table(rows: list[list[str]]) -> str:
    def cell(text: str, tag: str) -> str:
        bold = text.startswith("**") and text.endswith("**")
        inner = html.escape(text.strip("*"))
        return f"<{tag}>{'<b>' + inner + '</b>' if bold else inner}</{tag}>"

    head = "".join(cell(c, "th") for c in rows[0])
    body = "".join("<tr>" + "".join(cell(c, "td") for c in row) + "</tr>" for row in rows[1:])
    return f"<table><tr>{head}</tr>{body}</table>"


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def redundancy_examples(s: dict[str, Any], limit: int = EXAMPLES_SHOWN) -> list[dict[str, Any]]:
    """Restatements first (they show what the measure catches), the same point repeated word
    for word after them."""
    rows = [r for r in s["rows"] if r.get("redundant")]
    return sorted(rows, key=lambda r: (r["redundant"][0] == r["redundant"][1], -(r.get("redundancy_score") or 0)))[:limit]


def failures(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in s["rows"] if not r["correct"]]


def summary_markdown(result: dict[str, Any]) -> str:
    cfg = result["settings"]
    total = sum(s["questions"] for s in result["sets"].values())
    lines = [f"# Eval report ({result['created']})", "",
             f"{total} questions in {len(result['sets'])} set(s), {result['seconds']} s; retriever "
             f"`{cfg['retriever']}`, glossary {'on' if cfg['glossary'] else 'off'}, embedder `{cfg['embedder']}`. "
             "Scored strictly: key facts in the answer body only, a refusal counts when it leads, "
             "answer-first = the first key fact in the lead (see evals/README.md).", ""]
    lines += [f"- note: {n}" for n in result.get("notes", [])]
    lines += [f"- ingest error: {e}" for e in result.get("ingest_errors", [])]
    pool = pool_table(result)
    if pool:
        lines += ["", "## Pool splits side by side (judge a change by sealed)", ""] + _markdown_table(pool)
    for name, s in result["sets"].items():
        lines += ["", f"## {name}", ""] + _markdown_table(set_table(s))
        lines += ["", f"Calibration ({name}, answers given):", ""] + _markdown_table(calibration_table(s))
        examples = redundancy_examples(s)
        if examples:
            lines += ["", "Redundant points caught:", ""]
            for r in examples:
                a, b = r["redundant"]
                lines.append(f"- `{r['qid']}` ({r['redundancy_score']:.2f}): “{_short(a, 90)}” ≈ “{_short(b, 90)}”")
        if s.get("sealed"):
            lines += ["", "Items are not shown: the sealed split is reported in aggregate only."]
            continue
        fails = failures(s)
        lines += ["", f"Failures ({len(fails)} of {s['questions']}):", ""]
        for r in fails[:FAILURES_SHOWN]:
            lines.append(f"- `{r['qid']}` ({r['lang']}): {r['reason']} — {_short(r['question'], 60)}"
                         + (f" — lead: {_short(r['lead'], 70)}" if r.get("lead") else ""))
        if len(fails) > FAILURES_SHOWN:
            lines.append(f"- … {len(fails) - FAILURES_SHOWN} more in report.html")
    return "\n".join(lines) + "\n"


def _charts(result: dict[str, Any]) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(result["sets"])
    charts = {}
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    width = 0.8 / (len(LANGS) + 1)
    for i, (label, pick) in enumerate([("all", lambda s: s["overall"])] +
                                      [(lang, lambda s, lang=lang: s["by_lang"].get(lang)) for lang in LANGS]):
        values = [(pick(result["sets"][n]) or {}).get("strict_accuracy") or 0 for n in names]
        xs = np.arange(len(names)) + (i - len(LANGS) / 2) * width
        ax.bar(xs, values, width, label=label)
        for x, v in zip(xs, values):
            ax.text(x, v + 0.02, f"{v:.2f}", ha="center", fontsize=7)
    ax.set_xticks(np.arange(len(names)), names)
    ax.set_ylim(0, 1.1)
    ax.set_title("strict accuracy by set and language")
    ax.legend(fontsize=8)
    fig.tight_layout()
    charts["accuracy"] = _png(fig, plt)

    fig, ax = plt.subplots(figsize=(4.6, 4))
    ax.plot([0, 1], [0, 1], ls="--", color="#999", lw=1, label="perfect")
    for n in names:
        buckets = [b for b in result["sets"][n]["overall"]["calibration"]["buckets"] if b["n"]]
        ax.plot([b["mean_confidence"] for b in buckets], [b["accuracy"] for b in buckets], marker="o",
                label=f"{n} (ECE {_fmt(result['sets'][n]['overall']['calibration']['ece'])})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("mean confidence in bucket")
    ax.set_ylabel("strict accuracy")
    ax.set_title("calibration (answers given)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    charts["calibration"] = _png(fig, plt)

    fig, ax = plt.subplots(figsize=(6, 3))
    totals = [[r["timings"].get("total", 0) for r in result["sets"][n]["rows"] if r.get("timings")] or [0] for n in names]
    ax.boxplot(totals, showfliers=True)
    ax.set_xticks(range(1, len(names) + 1), names)
    ax.set_ylabel("answer latency (ms)")
    ax.set_title("latency per set")
    fig.tight_layout()
    charts["latency"] = _png(fig, plt)
    return charts


def _png(fig, plt) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _question_row(r: dict[str, Any]) -> str:
    e = html.escape
    first = {True: "yes", False: "no", None: "—"}[r.get("answer_first")]
    redundant = ""
    if r.get("redundant"):
        a, b = r["redundant"]
        redundant = f"“{e(_short(a, 120))}” ≈ “{e(_short(b, 120))}”"
    return (f"<tr class='{'ok' if r['correct'] else 'fail'}'><td>{e(r['set'])}</td><td>{e(r['qid'])}</td>"
            f"<td>{r['lang']}</td><td>{'yes' if r['correct'] else 'NO'}</td><td>{first}</td>"
            f"<td>{e(r.get('reason', ''))}{'<br>' + e('; '.join(r['flags'])) if r.get('flags') else ''}</td>"
            f"<td>{e(r['question'])}</td><td>{e(_short(r.get('lead', ''), 240))}</td><td>{redundant}</td>"
            f"<td><details><summary>answer</summary><pre>{e(r.get('answer', ''))}</pre></details></td></tr>")


def report_html(result: dict[str, Any]) -> str:
    charts = _charts(result)
    intro = html.escape(summary_markdown(result).split("\n## ")[0].split("\n", 2)[-1])
    sections = []
    pool = pool_table(result)
    if pool:
        sections.append(f"<h2>Pool splits side by side</h2>{_html_table(pool)}")
    for name, s in result["sets"].items():
        examples = "".join(f"<li><code>{html.escape(r['qid'])}</code> ({r['redundancy_score']:.2f}): "
                           f"“{html.escape(r['redundant'][0])}” ≈ “{html.escape(r['redundant'][1])}”</li>"
                           for r in redundancy_examples(s, 6))
        sections.append(f"<h2>{html.escape(name)}</h2>{_html_table(set_table(s))}"
                        f"<h3>Calibration</h3>{_html_table(calibration_table(s))}"
                        + (f"<h3>Redundant points caught</h3><ul>{examples}</ul>" if examples else ""))
    rows = "".join(_question_row(r) for s in result["sets"].values() for r in s["rows"])
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Eval report</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;font-size:13px;margin-bottom:1em}}
td,th{{border:1px solid #ddd;padding:4px;vertical-align:top}} tr.fail{{background:#fff1f2}}
pre{{white-space:pre-wrap;max-width:60em}} img{{margin-right:1em}}</style>
</head><body><h1>Eval report ({html.escape(result['created'])})</h1><p>{intro}</p>
<img alt="strict accuracy by set and language" src="data:image/png;base64,{charts['accuracy']}">
<img alt="calibration" src="data:image/png;base64,{charts['calibration']}">
<img alt="latency per set" src="data:image/png;base64,{charts['latency']}">
{''.join(sections)}
<h2>Per question</h2><table><tr><th>set</th><th>id</th><th>lang</th><th>correct</th><th>answer-first</th>
<th>why</th><th>question</th><th>lead</th><th>redundant pair</th><th>answer</th></tr>
{rows}</table></body></html>"""


def write_reports(result: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "summary.md").write_text(summary_markdown(result), encoding="utf-8")
    (out_dir / "report.html").write_text(report_html(result), encoding="utf-8")
