"""The Gradio web UI: Chat for sellers, Reply draft for support staff, Knowledge base for
knowledge managers, Evaluation for evaluators. Every action goes through
:class:`~assistant.api.PolicyService`, the same code path as the REST API.

Document text is untrusted (a notice may contain ``<script>``), so everything taken from a
document is escaped before it reaches HTML or Markdown. Stable ``elem_id`` values (``chat-input``,
``sources``, ``fb-down``, ``reply-output``, ``kb-upload``, ``kb-preview-run``, ``kb-confirm``, ...) are the
contract browser tests use. A notice's preview (``kb-preview``) changes nothing until it is confirmed.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from .api import UPLOAD_SUFFIXES, message_text, stream_pieces
from ..errors import AssistantError

if TYPE_CHECKING:
    from .api import DocumentInfo, PolicyService
    from .preview import NoticePreview
    from ..schema import Answer

# marks found in ordinary text fonts (DejaVu, Noto CJK), so they never show as empty boxes where no
# emoji font is installed (emoji such as a thumbs-up do)
DONE, FAILED, WARNING = "✓", "✗", "⚠"
REFUSED_BADGE = "不在知识库中 / Not in the knowledge base"
PARTIAL_BADGE = "部分回答 / Partly covered"
LANGS = [("自动 Auto", "auto"), ("中文 Chinese", "zh"), ("英文 English", "en")]
STREAM_DELAY_S = 0.01
EVAL_TIMEOUT_S = 3600

CSS = """
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 0.85em; font-weight: 600; }
.badge-refused { background: #fde68a; color: #7c2d12; border: 1px solid #f59e0b; }
.badge-partial { background: #e0f2fe; color: #075985; border: 1px solid #38bdf8; }
.badge-summary { background: #f3f4f6; color: #374151; }
.badge-superseded { background: #fee2e2; color: #991b1b; }
.badge-upcoming { background: #e0f2fe; color: #075985; }
.badge-expired { background: #f3f4f6; color: #4b5563; }
.badge-current { background: #dcfce7; color: #166534; }
.sources-list { list-style: none; padding: 0; margin: 0; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 8px; }
.source summary { cursor: pointer; font-weight: 600; }
/* a line of publishers and links: a name wraps whole; only a word wider than the line (a URL) breaks */
.source .meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 4px 0; overflow-wrap: anywhere; }
.source blockquote { margin: 4px 0 0; padding-left: 8px; border-left: 3px solid #f97316; }
.timeline { list-style: none; padding: 0; }
.timeline li { border-left: 3px solid #f97316; padding: 4px 10px; margin-bottom: 10px; }
.timeline li.superseded, .timeline li.expired { border-left-color: #9ca3af; opacity: 0.8; }
.timeline li.upcoming { border-left-color: #0284c7; }
.timeline .date { font-weight: 700; margin-right: 6px; }
.muted { color: var(--body-text-color-subdued); }
.preview h4 { margin: 12px 0 4px; }
.preview table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.preview th, .preview td { border-bottom: 1px solid var(--border-color-primary); padding: 4px 6px; text-align: left; }
.preview ul, .preview ol { padding-left: 18px; }
.preview li { margin-bottom: 8px; }
.preview blockquote { margin: 2px 0; padding-left: 8px; border-left: 3px solid #f97316; }
.preview blockquote.old { border-left-color: #9ca3af; }
/* the documents table: four columns that fit a phone; dates never wrap, words break only at spaces
   and hyphens (overflow-wrap: break-word leaves a column's minimum width alone), a document id may
   break anywhere since it is not a word */
.kb-docs-wrap { max-height: min(480px, 70vh); overflow: auto; border: 1px solid var(--border-color-primary);
  border-radius: 8px; }
.kb-docs { border-collapse: collapse; width: 100%; font-size: 0.9em; }
.kb-docs th { position: sticky; top: 0; z-index: 1; background: var(--block-background-fill); text-align: left;
  vertical-align: bottom; border-bottom: 1px solid var(--border-color-primary); }
.kb-docs th, .kb-docs td { padding: 6px 8px; word-break: normal; overflow-wrap: break-word; }
.kb-docs td { vertical-align: top; border-bottom: 1px solid var(--border-color-primary); }
.kb-docs td.date { white-space: nowrap; font-variant-numeric: tabular-nums; }
.kb-docs .doc-id { font-size: 0.85em; overflow-wrap: anywhere; }
.kb-docs .badge { white-space: normal; }
/* the chat: no floating label over the first message; answers in tables keep whole words */
#chatbot .message-content table td, #chatbot .message-content table th { word-break: normal; overflow-wrap: normal;
  min-width: 3em; }
/* the question box stays on the first screen: the chat gives up height on a short window */
#chatbot { height: clamp(260px, calc(100vh - 340px), 460px) !important; }
@media (max-width: 640px) {
  #chatbot { height: clamp(260px, 45vh, 460px) !important; }
  #header h2 { font-size: 1.15rem; margin-bottom: 2px; }
  #header p { font-size: 0.85rem; margin: 0; }
  #tabs .tab-container button { padding: 6px 10px; }
  /* a comparison table in an answer fits the screen: smaller type, tight cells, whole words */
  #chatbot .message-content table { font-size: 0.85em; }
  #chatbot .message-content table td, #chatbot .message-content table th { padding: 4px 3px; min-width: 0; }
  /* no inner padding around the documents (the page margin is narrowed by PAGE_HEAD) */
  #kb-table .html-container { padding: 0; }
  .kb-docs th, .kb-docs td { padding: 5px 3px; }
  .kb-docs td.date { font-size: 0.85em; }
  .kb-docs .badge { padding: 1px 4px; }
}
"""


# Custom ``CSS`` is scoped inside the app's content, so the page margin Gradio puts around it
# (2rem a side) is narrowed here, in a style in the page head: on a phone the content keeps its width
PAGE_HEAD = """<style>
@media (max-width: 640px) { .gradio-container .app.fillable { padding-left: 6px; padding-right: 6px; } }
</style>"""


# Gradio's own words that show in this UI (the file drop area, the footer link), in both languages;
# passed to ``mount_gradio_app(i18n=...)`` for the locales a seller's browser is likely to ask for
GRADIO_TEXT = {
    "upload_text.drop_file": "拖放文件到这里 Drop a file here",
    "upload_text.click_to_upload": "点击上传 Click to upload",
    "upload_text.uploading": "上传中 Uploading…",
    "common.or": "或 or",
    "common.clear": "清空 Clear",
    "common.error": "错误 Error",
    "errors.use_via_api": "通过 API 使用 Use via API",
}
GRADIO_LOCALES = ("en", "zh-CN", "zh-TW")

# On a new answer, show its start: the chat's own scroller moves so the answer's first line is at
# its top, and the page scrolls too when that line is out of sight (a phone, after tapping Send).
# It runs once per new answer, so reading further down while it streams is never undone.
SHOW_NEW_ANSWER_JS = """
() => setTimeout(() => {
  const root = document.getElementById("chatbot");
  if (!root) return;
  const answers = root.querySelectorAll('[data-testid="bot"]');
  const seen = Number(root.dataset.answersShown || 0);
  root.dataset.answersShown = String(answers.length);
  if (answers.length <= seen) return;
  const answer = answers[answers.length - 1];
  const row = answer.closest(".message-row") || answer;
  const box = root.querySelector(".bubble-wrap");
  if (box) box.scrollTop += row.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
  const top = row.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight - 96) window.scrollBy(0, top - 8);
}, 50)
"""


def gradio_i18n() -> gr.I18n:
    """Gradio's built-in words used here, bilingual whatever the browser's language."""
    return gr.I18n(**{locale: dict(GRADIO_TEXT) for locale in GRADIO_LOCALES})


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="orange", secondary_hue="orange")


def escape_md(text: str) -> str:
    """Make untrusted text inert inside Markdown: ``<`` and ``&`` become entities, so tags show as
    text, while ``>`` stays usable for block quotes."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _href(url: str) -> str:
    return html.escape(url, quote=True) if url.startswith(("http://", "https://")) else ""


def _link(url: str, text: str) -> str:
    href = _href(url)
    label = html.escape(text)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{label}</a>' if href else label


def chat_body(answer: "Answer") -> str:
    """The answer as shown in the chat bubble: the lead answer first, then its points; the
    sources block moves to the Sources panel. A badge says when it is not or only partly covered."""
    from .reply import split_body

    body = escape_md(split_body(answer))
    if answer.refused:
        return f"**{WARNING} {REFUSED_BADGE}**\n\n{body}"
    if answer.verdict == "partial":
        return f"**◐ {PARTIAL_BADGE}**\n\n{body}"
    return body


def sources_html(answer: "Answer | None", turn: int = 0) -> str:
    """The Sources panel: [n], title, publisher, date, link and the quoted sentence, all escaped.
    ``data-turn`` counts the answers so far, which tells a watcher that this answer is complete."""
    if answer is None:
        body = '<p class="muted">提问后，这里会列出答案引用的来源。<br>Sources for each answer appear here.</p>'
        return f'<div class="sources" data-turn="{turn}">{body}</div>'
    from ..answer.write import Writer

    parts: list[str] = []
    if answer.refused:
        parts.append(f'<p><span class="badge badge-refused" id="refused-badge">{html.escape(REFUSED_BADGE)}</span></p>')
    elif answer.verdict == "partial":
        parts.append(f'<p><span class="badge badge-partial" id="partial-badge">{html.escape(PARTIAL_BADGE)}</span></p>')
    if not answer.citations:
        parts.append('<p class="muted">没有引用来源 / No sources cited.</p>')
    items = []
    for c in answer.citations:
        title = html.escape(c.title) + (f' <span class="muted">· {html.escape(c.section)}</span>'
                                        if c.section and c.section != c.title else "")
        old = ' <span class="badge badge-superseded">已被取代 superseded</span>' if c.superseded else ""
        if c.summary:
            # a knowledge-base summary: say so, and link each source it rests on with its own date
            old += ' <span class="badge badge-summary">知识库综述 KB summary</span>'
            links = [_link(s.url, f"{s.publisher} {s.date}".strip()) for s in c.sources[:5]]
            meta = html.escape(Writer.provenance(c, answer.lang).split(",")[0]) + \
                (" · " + " · ".join(links) if links else "")
        else:
            link = _link(c.url, c.url)
            # the source's own date ("undated" when it has none)
            meta = html.escape(Writer.provenance(c, answer.lang)) + (f" · {link}" if link else "")
        quote = "<br>".join(html.escape(line) for line in c.quote.split("\n"))
        items.append(
            f'<li><details class="source" id="source-{c.n}" open><summary>[{c.n}] {title}{old}</summary>'
            f'<div class="meta">{meta}</div><blockquote class="quote">{quote}</blockquote></details></li>'
        )
    if items:
        parts.append(f'<ol class="sources-list">{"".join(items)}</ol>')
    return f'<div class="sources" data-turn="{turn}">{"".join(parts)}</div>'


def plain_history(history: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Gradio's messages (content as a list of parts) as the engine wants them: role + text."""
    return [{"role": str(m.get("role", "user")), "content": message_text(m.get("content"))} for m in history or []]


def _turns(history: list[dict[str, Any]]) -> int:
    return sum(1 for m in history if m.get("role") == "assistant")


TYPE_LABELS = {"notice": "公告 notice", "article": "文章 article", "faq": "问答 FAQ",
               "glossary": "术语 glossary"}


def document_list(docs: list["DocumentInfo"], query: str = "") -> list["DocumentInfo"]:
    """Notices first (newest rule on top), filtered by a case-insensitive substring of the id,
    language, type, title, dates or status."""
    order = {"notice": 0, "article": 1, "faq": 2, "glossary": 3}
    docs = sorted(docs, key=lambda d: d.doc_id)
    docs = sorted(docs, key=lambda d: d.effective_from, reverse=True)
    docs = sorted(docs, key=lambda d: order.get(d.type, 4))
    needle = (query or "").strip().lower()
    if not needle:
        return docs
    return [d for d in docs if needle in " ".join([d.doc_id, d.lang, d.type, TYPE_LABELS.get(d.type, ""), d.title,
                                                   d.published, d.effective_from, status_label(d)]).lower()]


def documents_table(docs: list["DocumentInfo"], table_id: str) -> str:
    """Documents as a table that fits a phone: the title with its id, type and language under it,
    then the published and effective dates and the status. Every text from a document is escaped."""
    e = html.escape
    rows = "".join(
        f'<tr data-doc-id="{e(d.doc_id, quote=True)}" data-lang="{e(d.lang, quote=True)}">'
        f'<td class="doc"><div>{e(d.title)}</div><div class="muted doc-id">{e(d.doc_id)} · '
        f'{e(TYPE_LABELS.get(d.type, d.type))} · {e(d.lang)}</div></td>'
        f'<td class="date published">{e(d.published) or "—"}</td>'
        f'<td class="date effective">{e(d.effective_from) or "—"}</td>'
        f'<td class="status">{_badge(d)}</td></tr>' for d in docs)
    head = ('<tr><th class="doc">文档 Document</th><th class="published">发布 Published</th>'
            '<th class="effective">生效 Effective</th><th class="status">状态 Status</th></tr>')
    return (f'<div class="kb-docs-wrap"><table class="kb-docs" id="{e(table_id, quote=True)}"><thead>{head}</thead>'
            f'<tbody>{rows}</tbody></table></div>')


def documents_html(docs: list["DocumentInfo"], query: str = "") -> str:
    """The knowledge base's documents table (``#kb-docs``), filtered by ``query``."""
    shown = document_list(docs, query)
    if not shown:
        return '<p class="muted">没有匹配的文档 / No matching documents.</p>'
    return documents_table(shown, "kb-docs")


STATUS_LABELS = {"upcoming": "即将生效 upcoming", "in_force": "现行 in force", "expired": "已失效 expired",
                 "superseded": "已被取代 superseded"}


def status_label(d: "DocumentInfo") -> str:
    """Where a document's rule stands today, in both languages, with the date that decides it."""
    label = STATUS_LABELS.get(d.status, d.status)
    if d.status == "upcoming":
        return f"{label} {d.effective_from}"
    if d.status == "expired":
        return f"{label} {d.effective_until}"
    if d.status == "superseded":
        return f"{label} → {d.superseded_by}"
    return label


def timeline_html(docs: list["DocumentInfo"]) -> str:
    """Dated rules newest first, one entry per document id (both languages); notices without an
    effective date follow, so a superseded rule never drops out of sight."""
    rules: dict[str, list[DocumentInfo]] = {}
    for d in docs:
        if d.effective_from or d.type == "notice" or d.superseded_by:
            rules.setdefault(d.doc_id, []).append(d)
    if not rules:
        return '<p class="muted">没有带生效日期的文档 / No documents with an effective date.</p>'
    dated = sorted((g for g in rules.values() if g[0].effective_from),
                   key=lambda g: (g[0].effective_from, g[0].doc_id), reverse=True)
    undated = sorted((g for g in rules.values() if not g[0].effective_from), key=lambda g: g[0].doc_id)
    items = []
    for group in dated + undated:
        first = group[0]
        titles = "".join(f"<div>{html.escape(d.title)} <span class='muted'>({html.escape(d.lang)})</span></div>"
                         for d in sorted(group, key=lambda d: d.lang, reverse=True))
        css = {"in_force": "current"}.get(first.status, first.status)
        badge = f'<span class="badge badge-{css}">{html.escape(status_label(first))}</span>'
        date = html.escape(first.effective_from) or "生效日期未注明 no effective date"
        items.append(f'<li class="{css}" data-doc-id="{html.escape(first.doc_id, quote=True)}"'
                     f' data-effective="{html.escape(first.effective_from, quote=True)}">'
                     f'<span class="date">{date}</span>{badge}{titles}'
                     f'<div class="muted">{html.escape(first.doc_id)}</div></li>')
    return f'<ol class="timeline">{"".join(items)}</ol>'


def _badge(d: "DocumentInfo") -> str:
    """The status badge; the id of a superseding document sits in its own span (``.doc-id``), which
    a narrow table may break anywhere, since an id is not a word."""
    css = {"in_force": "current"}.get(d.status, d.status)
    label, _, by = status_label(d).partition(" → ")
    by = f' → <span class="doc-id">{html.escape(by)}</span>' if by else ""
    return f'<span class="badge badge-{css}">{html.escape(label)}{by}</span>'


def _dates(d: "DocumentInfo") -> str:
    parts = [f"发布 published {d.published}" if d.published else "未注明日期 undated"]
    if d.effective_from:
        parts.append(f"生效 effective {d.effective_from}")
    if d.effective_until:
        parts.append(f"至 until {d.effective_until}")
    return html.escape(" · ".join(parts))


def preview_html(report: "NoticePreview") -> str:
    """A notice's impact preview: the documents it adds with where each stands today, the rules it
    supersedes (now → once live), the statements it contradicts and the eval questions whose lead
    changes (before → after). Every text from a document is escaped."""
    e = html.escape
    none = '<p class="muted">无 None</p>'
    docs = documents_table(report.documents, "preview-docs") if report.documents else none
    items = []
    for s in report.supersedes:
        d = s.document
        after = d.model_copy(update={"status": s.status_after, "superseded_by": s.by})
        when = (f"自 {s.from_date} 起由 {s.by} 取代 / replaced by {s.by} from {s.from_date}" if s.from_date
                else f"由 {s.by} 立即取代 / replaced by {s.by} at once")
        items.append(f'<li data-doc-id="{e(d.doc_id, quote=True)}"><b>{e(d.doc_id)}</b> ({e(d.lang)}) {e(d.title)}'
                     f'<div class="muted">{_dates(d)}</div>'
                     f'现在 now {_badge(d)} → 上线后 once live {_badge(after)} '
                     f'<span class="muted">{e(when)}</span></li>')
    supersedes = f'<ul id="preview-supersedes">{"".join(items)}</ul>' if items else none
    items = []
    for c in report.contradicts:
        x = c.existing
        items.append(f'<li><blockquote>{e(c.sentence)}</blockquote>'
                     f'<div class="muted">与现有内容不一致 differs from <b>{e(x.doc_id)}</b> ({e(x.lang)}) · {_dates(x)} · '
                     f'{_badge(x)} · 相似度 similarity {c.similarity:.2f}</div>'
                     f'<blockquote class="old">{e(c.existing_sentence)}</blockquote></li>')
    contradicts = f'<ul id="preview-contradicts">{"".join(items)}</ul>' if items else none
    items = [f'<li data-qid="{e(c.id, quote=True)}"><b>{e(c.question)}</b> <span class="muted">{e(c.id)}</span>'
             f'<div>之前 before: {e(c.before)}</div><div>之后 after: {e(c.after)}</div></li>' for c in report.leads]
    counted = (f'<p class="muted">{report.citing} 个评测问题的答案引用它，共检查 {report.questions} 个 / '
               f'{report.citing} of {report.questions} eval questions are answered from it</p>')
    leads = counted + (f'<ol id="preview-leads">{"".join(items)}</ol>' if items else none)
    notes = "".join(f'<p class="muted">{e(n)}</p>' for n in report.notes)
    return (f'<div class="preview" data-files="{e(", ".join(report.files), quote=True)}">'
            f'<p>预览 Preview: {e(", ".join(report.files))} · 今天 today {e(report.today)} · '
            f'尚未做任何更改 nothing has been changed</p>'
            f'<h4>新增或更新的文档 New or changed documents</h4>{docs}'
            f'<h4>取代的规则 Supersedes</h4>{supersedes}'
            f'<h4>与现有规则矛盾 Contradicts</h4>{contradicts}'
            f'<h4>答案首段的变化 Changed leads</h4>{leads}{notes}</div>')


def eval_env(service: "PolicyService") -> dict[str, str]:
    """The server's settings as ASSISTANT_* variables, so `assistant eval` sees the same data dir."""
    env = dict(os.environ)
    for name, value in service.settings.model_dump().items():
        key = f"ASSISTANT_{name.upper()}"
        if value is None:
            env.pop(key, None)
        else:
            env[key] = str(value).lower() if isinstance(value, bool) else str(value)
    return env


def eval_summary(service: "PolicyService") -> str:
    path = service.settings.data_dir / "reports" / "latest" / "summary.md"
    if not path.exists():
        return "还没有评测报告。点击上方按钮运行 `assistant eval`。\n\nNo eval report yet: run `assistant eval` with the button above."
    return path.read_text(encoding="utf-8")


def record_vote(service: "PolicyService", rating: str, record: dict[str, Any] | None, note: str) -> tuple[str, str]:
    """Save a thumbs up or down for the last answer (status line, comment box): one vote per answer,
    so a second click on either button replaces the first."""
    if not record:
        return "先提问，再评价。Ask a question first, then rate the answer.", note
    replaced = service.record_feedback(record["question"], record["answer"], rating, note or "", record["lang"],
                                       record["refused"], answer_id=record.get("id", ""))
    if replaced:
        return "已更新你对这条回答的评价。Your vote on this answer was updated.", ""
    return "谢谢反馈！Thanks for your feedback.", ""


def run_eval(service: "PolicyService", token: str) -> Iterator[tuple[Any, Any]]:
    """Run `assistant eval` for an admin (it takes minutes of the server's CPU), streaming the
    status line and then the new summary."""
    try:
        service.check_admin(token, "run the eval")
    except AssistantError as exc:
        yield f"{FAILED} {escape_md(str(exc))}", gr.skip()
        return
    yield "正在运行 Running `assistant eval` …", gr.skip()
    try:
        proc = subprocess.run([sys.executable, "-m", "assistant", "eval"], capture_output=True, text=True,
                              env=eval_env(service), timeout=EVAL_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        yield (f"{WARNING} 评测未在 {EVAL_TIMEOUT_S} 秒内完成 eval did not finish within {EVAL_TIMEOUT_S} s",
               eval_summary(service))
        return
    if proc.returncode == 0:
        yield f"{DONE} 评测完成 Eval finished", eval_summary(service)
        return
    tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:]).replace("```", "'''")
    yield (f"{WARNING} 评测出错 `assistant eval` exited with code {proc.returncode}\n\n```\n{tail}\n```",
           eval_summary(service))


def build_ui(service: "PolicyService") -> gr.Blocks:
    """Build (not launch) the Blocks app; :func:`assistant.web.create_app` mounts it at "/"."""
    domain = service.assistant.domain
    name = f"{domain.title['zh']} · {domain.title['en']}"
    with gr.Blocks(title=name, analytics_enabled=False) as demo:
        gr.Markdown(f"## {escape_md(name)}\n"
                    "中英文回答，附出处与日期。Answers in Chinese or English, with sources and dates.",
                    elem_id="header")
        with gr.Tabs(elem_id="tabs", overflow_behavior="wrap"):  # every tab one tap away, even on a phone
            with gr.Tab("对话 Chat", id="chat", elem_id="tab-chat"):
                _chat_tab(service)
            with gr.Tab("回复草稿 Reply draft", id="reply", elem_id="tab-reply"):
                _reply_tab(service)
            with gr.Tab("知识库 Knowledge base", id="kb", elem_id="tab-kb"):
                table, timeline = _knowledge_tab(service)
            with gr.Tab("评测 Evaluation", id="eval", elem_id="tab-eval"):
                summary = _eval_tab(service)

        def on_load() -> tuple[str, str, str]:
            docs = service.documents()
            return documents_html(docs), timeline_html(docs), eval_summary(service)

        demo.load(on_load, outputs=[table, timeline, summary], api_visibility="private")
    return demo


def _chat_tab(service: "PolicyService") -> None:
    last = gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            lang = gr.Radio(LANGS, value="auto", label="回答语言 Answer language", elem_id="chat-lang")
            # no floating label (it covered the first line of the answer) and no scrolling to the
            # bottom: SHOW_NEW_ANSWER_JS brings the start of each new answer into view instead
            chatbot = gr.Chatbot(label="对话 Chat", show_label=False, elem_id="chatbot", height=460,
                                 autoscroll=False, feedback_options=None, buttons=["copy"],
                                 placeholder="请用中文或英文提问 · Ask in Chinese or English")
            with gr.Row():
                question = gr.Textbox(label="问题 Question", show_label=False, placeholder="输入问题 Ask…",
                                      scale=5, min_width=200, elem_id="chat-input", submit_btn=False, lines=1, max_lines=4)
                send = gr.Button("发送 Send", variant="primary", scale=1, min_width=80, elem_id="chat-send")
            with gr.Row():  # words, not emoji: they render without an emoji font
                up = gr.Button("有用 Helpful", size="sm", min_width=60, elem_id="fb-up")
                down = gr.Button("没用 Not helpful", size="sm", min_width=60, elem_id="fb-down")
                clear = gr.Button("清空 Clear", size="sm", min_width=60, elem_id="chat-clear")
            comment = gr.Textbox(label="反馈备注 Comment", show_label=False, container=False, lines=1,
                                 elem_id="fb-comment", placeholder="反馈备注（可选）Comment (optional)")
            feedback_status = gr.Markdown(elem_id="fb-status")
        with gr.Column(scale=2, min_width=280):
            gr.Markdown("### 来源 Sources")
            sources = gr.HTML(sources_html(None), elem_id="sources")
    examples = service.assistant.domain.examples
    if examples:
        gr.Examples([[q] for q in examples], inputs=[question], label="示例问题 Example questions",
                    elem_id="chat-examples")

    def chat(message: str, history: list[dict[str, Any]], lang_choice: str) -> Iterator[tuple[Any, ...]]:
        """Answer, then stream the text into the last bubble so long answers start appearing at once."""
        history = list(history or [])
        try:
            answer = service.ask(message, plain_history(history), lang_choice)
        except AssistantError as exc:
            history += [{"role": "user", "content": escape_md(message or "")},
                        {"role": "assistant", "content": f"{WARNING} {escape_md(str(exc))}"}]
            yield history, sources_html(None, _turns(history)), None, ""
            return
        body = chat_body(answer)
        record = {"question": message, "answer": answer.answer, "lang": answer.lang, "refused": answer.refused,
                  "id": uuid.uuid4().hex}
        history += [{"role": "user", "content": escape_md(message)}, {"role": "assistant", "content": ""}]
        shown = ""
        for piece in stream_pieces(body, size=6):
            shown += piece
            history[-1] = {"role": "assistant", "content": shown}
            yield history, gr.skip(), gr.skip(), ""
            time.sleep(STREAM_DELAY_S)
        yield history, sources_html(answer, _turns(history)), record, ""

    gr.on([question.submit, send.click], chat, inputs=[question, chatbot, lang],
          outputs=[chatbot, sources, last, question], api_name="chat")
    chatbot.change(None, js=SHOW_NEW_ANSWER_JS, api_visibility="private")

    def rate_up(record: dict[str, Any] | None, note: str) -> tuple[str, str]:
        return record_vote(service, "up", record, note)

    def rate_down(record: dict[str, Any] | None, note: str) -> tuple[str, str]:
        return record_vote(service, "down", record, note)

    up.click(rate_up, [last, comment], [feedback_status, comment], api_visibility="private")
    down.click(rate_down, [last, comment], [feedback_status, comment], api_visibility="private")
    clear.click(lambda: ([], sources_html(None), None, ""), outputs=[chatbot, sources, last, feedback_status],
                api_visibility="private")


def _reply_tab(service: "PolicyService") -> None:
    message = gr.Textbox(label="卖家消息 Seller's message", lines=6, elem_id="reply-message",
                         placeholder="粘贴卖家的消息 Paste the seller's message here")
    with gr.Row():
        lang = gr.Radio(LANGS, value="auto", label="语言 Language", elem_id="reply-lang")
        tone = gr.Radio([("亲切 Friendly", "friendly"), ("正式 Formal", "formal")], value="friendly",
                        label="语气 Tone", elem_id="reply-tone")
    draft = gr.Button("生成回复 Draft reply", variant="primary", elem_id="reply-draft")
    output = gr.Textbox(label="回复草稿（可编辑后复制）Reply draft (edit, then copy)", lines=12, buttons=["copy"],
                        interactive=True, elem_id="reply-output")
    with gr.Accordion("预览 Preview", open=False):
        preview = gr.Markdown(elem_id="reply-preview")
    note = gr.Markdown(elem_id="reply-note")

    def make_draft(text: str, lang_choice: str, tone_choice: str) -> tuple[str, str]:
        try:
            result = service.reply(text, lang_choice, tone_choice)
        except AssistantError as exc:
            return "", f"{WARNING} {escape_md(str(exc))}"
        return result.reply, escape_md(result.internal_note)

    draft.click(make_draft, [message, lang, tone], [output, note], api_name="reply")
    output.change(escape_md, output, preview, api_visibility="private")  # the preview follows edits


def _knowledge_tab(service: "PolicyService") -> tuple[gr.HTML, gr.HTML]:
    gr.Markdown("### 文档 Documents")
    query = gr.Textbox(label="筛选 Filter", show_label=False, container=False, elem_id="kb-filter",
                       placeholder="按编号、标题、类型、语言筛选… Filter by id, title, type, language…")
    table = gr.HTML(elem_id="kb-table")
    refresh = gr.Button("刷新 Refresh", size="sm", elem_id="kb-refresh")
    gr.Markdown("### 上传新公告 Upload a notice\n.md / .txt / .html / .pdf / .docx — 需要管理员令牌 admin token required")
    with gr.Row():
        upload_file = gr.File(label="文件 File", file_types=list(UPLOAD_SUFFIXES), type="filepath", elem_id="kb-file",
                              min_width=240)
        with gr.Column(min_width=240):
            token = gr.Textbox(label="管理员令牌 Admin token", type="password", elem_id="kb-token")
            replace = gr.Checkbox(label="替换同 id 的文档 Replace the document with this id", elem_id="kb-replace")
            with gr.Row():
                check = gr.Button("预览 Preview", elem_id="kb-preview-run", min_width=100)
                upload = gr.Button("上传并索引 Upload & index", variant="primary", elem_id="kb-upload", min_width=100)
    status = gr.Markdown(elem_id="kb-status")
    pending = gr.State(None)  # the previewed file and whether it replaces, until confirmed or discarded
    report = gr.HTML(elem_id="kb-preview")
    with gr.Row(visible=False) as decide:
        confirm = gr.Button("确认上线 Confirm", variant="primary", elem_id="kb-confirm", min_width=100)
        discard = gr.Button("放弃 Discard", elem_id="kb-discard", min_width=100)
    gr.Markdown("### 政策时间线 Policy timeline")
    timeline = gr.HTML(elem_id="kb-timeline")

    def refresh_all(text: str) -> tuple[str, str]:
        docs = service.documents()
        return documents_html(docs, text), timeline_html(docs)

    def filter_rows(text: str) -> str:
        return documents_html(service.documents(), text)

    def do_upload(path: str | None, admin_token: str, replacing: bool, text: str) -> tuple[Any, Any, Any]:
        if not path:
            return "请先选择文件。Choose a file first.", gr.skip(), gr.skip()
        try:
            result = service.upload(Path(path).name, Path(path).read_bytes(), admin_token, replace=replacing)
        except AssistantError as exc:
            return f"{FAILED} {escape_md(str(exc))}", gr.skip(), gr.skip()
        rows, tl = refresh_all(text)
        return f"{DONE} {escape_md(result.filename)}: {escape_md(result.summary)}", rows, tl

    def do_preview(path: str | None, admin_token: str, replacing: bool) -> Iterator[tuple[Any, ...]]:
        hidden = gr.update(visible=False)
        if not path:
            yield "请先选择文件。Choose a file first.", "", None, hidden
            return
        yield "正在预览 Previewing…（尚未做任何更改 nothing is changed）", "", None, hidden
        try:
            result = service.preview_upload(Path(path).name, Path(path).read_bytes(), admin_token, replace=replacing)
        except AssistantError as exc:
            yield f"{FAILED} {escape_md(str(exc))}", "", None, hidden
            return
        yield ("预览完成：确认后上线，或放弃。Preview ready: confirm to make it live, or discard.",
               preview_html(result), {"path": path, "replace": replacing}, gr.update(visible=True))

    def do_confirm(previewed: dict[str, Any] | None, admin_token: str, text: str) -> tuple[Any, ...]:
        if not previewed:
            return "先预览一个文件。Preview a file first.", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        done, rows, tl = do_upload(previewed["path"], admin_token, previewed["replace"], text)
        if done.startswith(FAILED):
            return done, rows, tl, gr.skip(), gr.skip(), gr.skip()
        return done, rows, tl, "", None, gr.update(visible=False)

    def do_discard() -> tuple[Any, ...]:
        return "已放弃，知识库未改变。Discarded: the knowledge base is unchanged.", "", None, gr.update(visible=False)

    query.change(filter_rows, query, table, api_visibility="private")
    refresh.click(refresh_all, query, [table, timeline], api_visibility="private")
    upload.click(do_upload, [upload_file, token, replace, query], [status, table, timeline],
                 api_visibility="private")
    check.click(do_preview, [upload_file, token, replace], [status, report, pending, decide], api_visibility="private")
    confirm.click(do_confirm, [pending, token, query], [status, table, timeline, report, pending, decide],
                  api_visibility="private")
    discard.click(do_discard, outputs=[status, report, pending, decide], api_visibility="private")
    return table, timeline


def _eval_tab(service: "PolicyService") -> gr.Markdown:
    gr.Markdown("运行回归评测（`assistant eval`，需要管理员令牌），完成后显示最新报告摘要。\n"
                "Run the regression suite (`assistant eval`, admin token required); the latest report's summary "
                "shows below.")
    with gr.Row():
        token = gr.Textbox(label="管理员令牌 Admin token", type="password", elem_id="eval-token", scale=2)
        run = gr.Button("运行评测 Run eval", variant="primary", elem_id="eval-run", scale=1)
    status = gr.Markdown(elem_id="eval-status")
    summary = gr.Markdown(elem_id="eval-summary")

    def run_eval_for(admin_token: str) -> Iterator[tuple[Any, Any]]:
        yield from run_eval(service, admin_token)

    run.click(run_eval_for, token, outputs=[status, summary], api_visibility="private")
    return summary
