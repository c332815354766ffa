"""Eval reports: result.json, summary.md and report.html (charts embedded as PNG)."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

SHOWN = ("answer_accuracy", "refusal_recall", "refusal_precision", "citation_validity", "citation_support",
         "language_match", "hit@1", "hit@5", "mrr", "must_not_violations", "fabricated_figures", "false_refusals")


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def summary_markdown(result: dict[str, Any]) -> str:
    o = result["overall"]
    lines = [f"# Eval report ({result['created']})", "",
             f"{o['questions']} questions, {result['seconds']} s, retriever `{result['settings']['retriever']}`, "
             f"glossary {'on' if result['settings']['glossary'] else 'off'}.", "", "## Overall", "",
             "| metric | assistant |" + (" tutorial RAG |" if "tutorial_baseline" in result else ""),
             "|---|---|" + ("---|" if "tutorial_baseline" in result else "")]
    tut = result.get("tutorial_baseline", {}).get("overall", {})
    for m in SHOWN:
        lines.append(f"| {m} | {_fmt(o.get(m))} |" + (f" {_fmt(tut.get(m))} |" if tut else ""))
    lines += ["", "## Latency (ms)", "", "| stage | p50 | p95 |", "|---|---|---|"]
    for stage, v in o["latency_ms"].items():
        lines.append(f"| {stage} | {v['p50']} | {v['p95']} |")
    for key in ("type", "lang"):
        lines += ["", f"## By {key}", "", f"| {key} | n | correct | answer acc. | refusal recall | citations valid | language | hit@5 |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, s in result["by"][key].items():
            lines.append(f"| {name} | {s['questions']} | {_fmt(s['correct'])} | {_fmt(s['answer_accuracy'])} | "
                         f"{_fmt(s['refusal_recall'])} | {_fmt(s['citation_validity'])} | {_fmt(s['language_match'])} | {_fmt(s['hit@5'])} |")
    fails = [r for r in result["rows"] if not r["correct"]]
    lines += ["", f"## Failures ({len(fails)})", ""]
    for r in fails:
        reason = _reason(r)
        lines.append(f"- `{r['qid']}` ({r['qtype']}, {r['lang']}): {reason} — {r['question'][:80]}")
    return "\n".join(lines) + "\n"


def _reason(r: dict[str, Any]) -> str:
    if r.get("error"):
        return "error: " + r["error"]
    if r["answerable"] and r["refused"]:
        return "refused an answerable question"
    if not r["answerable"] and not r["refused"]:
        return "answered an unanswerable question"
    if r["must_not"]:
        return "contains " + ", ".join(r["must_not"])
    return "missing key facts"


def _charts(result: dict[str, Any]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, key in zip(axes, ("type", "lang")):
        names = list(result["by"][key])
        vals = [result["by"][key][n]["correct"] or 0 for n in names]
        ax.bar(names, vals, color="#3b82f6")
        ax.set_ylim(0, 1)
        ax.set_title(f"correct by {key}")
        ax.tick_params(axis="x", rotation=35)
        for i, v in enumerate(vals):
            ax.text(i, v + 0.02, f"{v:.2f}", ha="center", fontsize=8)
    fig.tight_layout()
    acc = _png(fig, plt)
    totals = [r["timings"].get("total", 0) for r in result["rows"] if r.get("timings")]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(totals, bins=30, color="#10b981")
    ax.set_xlabel("answer latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("latency distribution")
    fig.tight_layout()
    return acc, _png(fig, plt)


def _png(fig, plt) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def report_html(result: dict[str, Any]) -> str:
    acc, lat = _charts(result)
    md = html.escape(summary_markdown(result).split("## Failures")[0])
    rows = []
    for r in result["rows"]:
        cls = "ok" if r["correct"] else "fail"
        rows.append(
            f"<tr class='{cls}'><td>{html.escape(r['qid'])}</td><td>{r['qtype']}</td><td>{r['lang']}</td>"
            f"<td>{'yes' if r['correct'] else 'NO'}</td><td>{html.escape(_reason(r)) if not r['correct'] else ''}</td>"
            f"<td>{html.escape(r['question'])}</td><td><details><summary>answer</summary><pre>{html.escape(r['answer'])}</pre>"
            f"</details></td></tr>")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Eval report</title>
<style>body{{font-family:sans-serif;margin:1.5em}} table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ddd;padding:4px;vertical-align:top}} tr.fail{{background:#fff1f2}} pre{{white-space:pre-wrap;max-width:60em}}</style>
</head><body><h1>Eval report</h1>
<img alt="accuracy by type and language" src="data:image/png;base64,{acc}">
<img alt="latency distribution" src="data:image/png;base64,{lat}">
<pre>{md}</pre>
<h2>Per question</h2><table><tr><th>id</th><th>type</th><th>lang</th><th>correct</th><th>why</th><th>question</th><th>answer</th></tr>
{''.join(rows)}</table></body></html>"""


def write_reports(result: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "result.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    (out_dir / "summary.md").write_text(summary_markdown(result), encoding="utf-8")
    (out_dir / "report.html").write_text(report_html(result), encoding="utf-8")
