"""The web UI in headless chromium, at desktop and phone width: cited answers with a Sources
panel, refusals, feedback, multi-turn chat, reply drafts, admin-only uploads and the timeline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium "
                       "(apt-get install -y chromium chromium-driver)"),
]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000

PLATYPUS_NOTICE = """---
id: notice-2026-12-platypus-kettle
lang: en
title: "Notice: Platypus Kettle returns window of 11 days (from 1 December 2026)"
type: notice
published: 2026-11-22
effective_from: 2026-12-01
sources:
  - title: Platypus Kettle notice
    publisher: Test
    url: https://example.com/platypus
    date: 2026-11-22
topics: [returns]
---
From 1 December 2026, buyers of Platypus Kettle listings on AliExpress may return them within 11 days.
"""


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module; ``expect`` waits use the same 30 s budget as the page."""
    from playwright.sync_api import sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM),
                              args=["--headless", "--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server + "/")
    page.wait_for_selector("#chat-input textarea")
    yield page
    context.close()


def ask(page, question: str) -> str:
    """Type a question, send it, and wait for the answer to finish streaming: the Sources panel is
    rewritten, with the new answer count in ``data-turn``, by the last update only. Returns the
    text of the last answer bubble."""
    turn = page.locator('#chatbot [data-testid="bot"]').count() + 1
    page.fill("#chat-input textarea", question)
    page.click("#chat-send")
    page.wait_for_selector(f'#sources .sources[data-turn="{turn}"]')
    return page.locator('#chatbot [data-testid="bot"]').last.inner_text()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=re.compile(name)).click()


def test_chinese_question_shows_a_cited_answer_and_sources(page, screenshot):
    answer = ask(page, "2024年9月9日起，新品的上网时效是多少小时？")
    assert "96" in answer and "[1]" in answer
    sources = page.locator("#sources")
    assert "[1]" in sources.inner_text()
    quote = page.locator("#source-1 blockquote").inner_text()
    assert quote and all(line in answer for line in quote.splitlines())
    screenshot(page, "chat-zh-desktop")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(300)
    screenshot(page, "chat-zh-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert page.locator("#source-1").is_visible()


def test_english_question_and_opening_a_source(page, screenshot):
    answer = ask(page, "What is the first-scan window for new items since 9 September 2024?")
    assert "96" in answer and "[1]" in answer
    source = page.locator("#source-1")
    quote = source.locator("blockquote")
    assert quote.is_visible()
    source.locator("summary").click()
    assert not quote.is_visible()
    source.locator("summary").click()
    assert quote.is_visible() and all(line in answer for line in quote.inner_text().splitlines())
    assert source.locator("a").first.get_attribute("href").startswith("http")
    screenshot(page, "chat-en")


def test_question_outside_the_knowledge_base_shows_the_badge(page):
    answer = ask(page, "What is the capital of France?")
    assert "Not in the knowledge base" in answer
    assert page.locator("#refused-badge").is_visible()
    assert page.locator("#refused-badge").inner_text() == "不在知识库中 / Not in the knowledge base"


def test_follow_up_question_uses_the_chat_history(page):
    ask(page, "什么是半托管？")
    follow_up = ask(page, "谁来定价？")
    assert "商家" in follow_up and "[1]" in follow_up
    assert page.locator('#chatbot [data-testid="bot"]').count() == 2


def test_thumbs_down_appends_a_feedback_line(page, web_assistant):
    path = web_assistant.settings.data_dir / "feedback.jsonl"
    before = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    ask(page, "JIT和仓发有什么不同？")
    page.fill("#fb-comment textarea", "太长了")
    page.click("#fb-down")
    expect(page.locator("#fb-status")).to_contain_text("Thanks")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(before) + 1
    entry = json.loads(lines[-1])
    assert entry["rating"] == "down" and entry["comment"] == "太长了"
    assert entry["question"] == "JIT和仓发有什么不同？" and entry["lang"] == "zh" and entry["refused"] is False
    assert "[1]" in entry["answer"] and entry["ts"]
    assert page.locator("#fb-comment textarea").input_value() == ""


def test_a_second_vote_on_an_answer_replaces_the_first(page, web_assistant):
    path = web_assistant.settings.data_dir / "feedback.jsonl"
    before = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    ask(page, "什么是半托管？")
    page.click("#fb-up")
    expect(page.locator("#fb-status")).to_contain_text("Thanks")
    page.click("#fb-down")
    expect(page.locator("#fb-status")).to_contain_text("updated")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(before) + 1
    assert json.loads(lines[-1])["rating"] == "down"


def test_example_question_fills_the_input(page):
    page.locator("#chat-examples").get_by_text("半托管和全托管有什么区别？").click()
    expect(page.locator("#chat-input textarea")).to_have_value("半托管和全托管有什么区别？")


def test_reply_draft_for_a_sellers_message(page, screenshot):
    open_tab(page, "Reply draft")
    page.fill("#reply-message textarea", "你好，请问半托管模式下是谁来定价？谢谢")
    page.locator("#reply-tone").get_by_text("正式 Formal").click()
    page.click("#reply-draft")
    expect(page.locator("#reply-output textarea")).not_to_have_value("")
    draft = page.locator("#reply-output textarea").input_value()
    assert draft.startswith("尊敬的卖家") and "[1]" in draft
    assert "内部备注" in page.locator("#reply-note").inner_text()
    assert page.locator("#reply-output button[aria-label='Copy']").count() == 1
    page.get_by_text("预览 Preview").click()
    expect(page.locator("#reply-preview")).to_contain_text("尊敬的卖家")
    assert "**" not in page.locator("#reply-preview").inner_text()
    screenshot(page, "reply")


def test_upload_is_refused_without_the_token_and_accepted_with_it(page, tmp_path, screenshot):
    notice = tmp_path / "platypus-kettle.en.md"
    notice.write_text(PLATYPUS_NOTICE, encoding="utf-8")
    open_tab(page, "Knowledge base")
    page.locator("#kb-file input[type=file]").set_input_files(str(notice))
    page.wait_for_timeout(500)
    page.click("#kb-upload")
    expect(page.locator("#kb-status")).to_contain_text("token")
    assert "✗" in page.locator("#kb-status").inner_text()
    page.fill("#kb-filter textarea", "platypus")
    expect(page.locator("#kb-table")).not_to_contain_text("notice-2024")
    assert "notice-2026-12-platypus-kettle" not in page.locator("#kb-table").inner_text()
    page.fill("#kb-token input", "test-token")
    page.click("#kb-upload")
    expect(page.locator("#kb-status")).to_contain_text("✓")
    assert "1 added" in page.locator("#kb-status").inner_text()
    assert "notice-2026-12-platypus-kettle" in page.locator("#kb-timeline").inner_text()
    expect(page.locator("#kb-table")).to_contain_text("notice-2026-12-platypus-kettle")
    screenshot(page, "kb")
    open_tab(page, "Chat")
    answer = ask(page, "How many days do buyers have to return Platypus Kettle listings?")
    assert "11 days" in answer and "Platypus Kettle" in page.locator("#sources").inner_text()


BANDICOOT_OLD = """---
id: bandicoot-fan-dispatch
lang: en
title: "Bandicoot Fan dispatch deadline"
type: notice
published: 2026-01-05
effective_from: 2026-01-05
sources:
  - title: Bandicoot notice
    publisher: Test
    url: https://example.com/bandicoot
    date: 2026-01-05
topics: [shipping]
---
Bandicoot Fan orders must be dispatched within 48 hours of payment.
"""

BANDICOOT_NEW = """---
id: notice-2036-bandicoot-fan-dispatch
lang: en
title: "Bandicoot Fan dispatch deadline shortened (from 15 January 2036)"
type: notice
published: 2026-12-01
effective_from: 2036-01-15
supersedes: [bandicoot-fan-dispatch]
sources:
  - title: Bandicoot notice 2036
    publisher: Test
    url: https://example.com/bandicoot-2036
    date: 2026-12-01
topics: [shipping]
---
From 15 January 2036, Bandicoot Fan orders must be dispatched within 36 hours of payment instead of 48 hours.
"""


def test_a_notice_is_previewed_with_the_status_labels_then_discarded_or_confirmed(page, web_assistant, tmp_path,
                                                                             screenshot):
    old = tmp_path / "bandicoot-fan-dispatch.en.md"
    old.write_text(BANDICOOT_OLD, encoding="utf-8")
    assert web_assistant.ingest([old]).ok
    new = tmp_path / "bandicoot-fan-2036.en.md"
    new.write_text(BANDICOOT_NEW, encoding="utf-8")
    open_tab(page, "Knowledge base")
    page.locator("#kb-file input[type=file]").set_input_files(str(new))
    page.wait_for_timeout(500)
    page.fill("#kb-token input", "test-token")

    page.click("#kb-preview-run")
    preview = page.locator("#kb-preview")
    expect(preview.locator("#preview-docs")).to_contain_text("notice-2036-bandicoot-fan-dispatch")
    expect(preview.locator("#preview-docs")).to_contain_text("即将生效 upcoming 2036-01-15")
    superseded = preview.locator('#preview-supersedes li[data-doc-id="bandicoot-fan-dispatch"]')
    expect(superseded).to_contain_text("现行 in force")
    expect(superseded).to_contain_text("2026-01-05")
    expect(preview.locator("#preview-contradicts")).to_contain_text(
        "Bandicoot Fan orders must be dispatched within 48 hours of payment.")
    expect(preview).to_contain_text("答案首段的变化 Changed leads")
    expect(page.locator("#kb-confirm")).to_be_visible()
    screenshot(page, "kb-preview")
    page.fill("#kb-filter textarea", "bandicoot")
    expect(page.locator("#kb-table")).to_contain_text("bandicoot-fan-dispatch")
    assert "notice-2036-bandicoot-fan-dispatch" not in page.locator("#kb-table").inner_text()  # nothing live yet

    page.click("#kb-discard")
    expect(page.locator("#kb-status")).to_contain_text("Discarded")
    expect(page.locator("#kb-confirm")).to_be_hidden()
    assert preview.inner_text().strip() == ""
    assert not (web_assistant.settings.data_dir / "uploads" / new.name).exists()

    page.click("#kb-preview-run")
    expect(preview.locator("#preview-docs")).to_contain_text("即将生效 upcoming 2036-01-15")
    page.click("#kb-confirm")
    expect(page.locator("#kb-status")).to_contain_text("✓")
    assert "1 added" in page.locator("#kb-status").inner_text()
    expect(page.locator("#kb-confirm")).to_be_hidden()
    table = page.locator("#kb-table")
    expect(table).to_contain_text("notice-2036-bandicoot-fan-dispatch")
    expect(table).to_contain_text("即将生效 upcoming 2036-01-15")
    expect(table).to_contain_text("现行 in force")
    assert (web_assistant.settings.data_dir / "uploads" / new.name).exists()
    screenshot(page, "kb-confirmed")


def test_timeline_lists_rules_newest_first_and_marks_superseded_ones(page):
    open_tab(page, "Knowledge base")
    page.wait_for_selector("#kb-timeline li")
    effective = page.locator("#kb-timeline li").evaluate_all("items => items.map(i => i.dataset.effective)")
    dated = [d for d in effective if d]
    assert dated == sorted(dated, reverse=True) and "2024-09-09" in dated
    assert all(not d for d in effective[len(dated):]), "undated rules come after the dated ones"
    for old_id, new_id in [("notice-72h-first-scan-new-items", "notice-2024-09-96h-first-scan"),
                           ("notice-5day-delivery-business-days", "notice-2025-09-5day-calendar-days")]:
        old = page.locator(f'#kb-timeline li[data-doc-id="{old_id}"]')
        assert "superseded" in (old.get_attribute("class") or "")
        assert new_id in old.inner_text()
    current = page.locator('#kb-timeline li[data-doc-id="notice-2024-09-96h-first-scan"]')
    assert "现行 in force" in current.inner_text()
    page.fill("#kb-filter textarea", "72h-first-scan")
    expect(page.locator("#kb-table")).not_to_contain_text("choice-order-share")
    expect(page.locator("#kb-table")).to_contain_text("已被取代 superseded → notice-2024-09-96h-first-scan")
    assert "notice-72h-first-scan-new-items" in page.locator("#kb-table").inner_text()


def test_evaluation_tab_shows_the_latest_summary(browser, live_server, web_assistant):
    latest = web_assistant.settings.data_dir / "reports" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    (latest / "summary.md").write_text("# Eval summary\n\nKey-fact accuracy: 93.1%\n", encoding="utf-8")
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(live_server + "/")
    open_tab(page, "Evaluation")
    expect(page.locator("#eval-summary")).to_contain_text("Key-fact accuracy: 93.1%", timeout=TIMEOUT_MS)
    assert page.locator("#eval-run").is_visible()
    page.click("#eval-run")
    expect(page.locator("#eval-status")).to_contain_text("token")
    assert "✗" in page.locator("#eval-status").inner_text()
    context.close()


HOSTILE_NOTICE = """---
id: notice-2026-12-numbat-lamp
lang: en
title: "Numbat Lamp <img src=x onerror=alert('title')> notice"
type: notice
published: 2026-11-22
sources:
  - title: Numbat notice
    publisher: Test
    url: https://example.com/numbat
    date: 2026-11-22
topics: [shipping]
---
From 1 December 2026, Numbat Lamp sellers must ship within 5 days <script>alert('quote')</script> of payment.
"""


def test_a_notice_carrying_html_and_script_renders_as_text(page, web_assistant, tmp_path, screenshot):
    """The hostile notice is indexed through the admin upload path, then quoted: its markup must
    appear literally in the page and no script may run."""
    path = tmp_path / "numbat.en.md"
    path.write_text(HOSTILE_NOTICE, encoding="utf-8")
    assert web_assistant.ingest([path]).ok
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ask(page, "Within how many days must Numbat Lamp sellers ship?")
    sources = page.locator("#sources")
    text = sources.inner_text()
    assert "<script>alert('quote')</script>" in text
    assert "<img src=x onerror=alert('title')>" in text
    assert sources.locator("script").count() == 0 and sources.locator("img").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    screenshot(page, "hostile")


# ---- layout at phone and desktop width ------------------------------------------------------

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
TABS = {"对话 Chat": "#tab-chat", "回复草稿 Reply draft": "#tab-reply", "知识库 Knowledge base": "#tab-kb",
        "评测 Evaluation": "#tab-eval"}


def _emoji(text: str) -> list[str]:
    """Characters that need an emoji font to show (pictographs, dingbat emoji, variation selector)."""
    return sorted({c for c in text if ord(c) >= 0x1F000 or 0x2600 <= ord(c) <= 0x27BF and c not in "✓✗⚠"
                   or c == "\ufe0f"})


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser, live_server):
    context = browser.new_context(viewport=WIDTHS[request.param])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(live_server + "/")
    page.wait_for_selector("#chat-input textarea")
    yield request.param, page
    context.close()


def test_every_tab_is_one_tap_away_with_a_bilingual_name(sized_page, screenshot):
    width, page = sized_page
    screenshot(page, f"tabs-{width}")
    for name, panel in TABS.items():
        tab = page.get_by_role("tab", name=name, exact=True)
        assert tab.is_visible(), f"{name} is hidden at {width} width"
        box = tab.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS[width]["width"] + 1
        tab.click()
        expect(page.locator(panel)).to_be_visible()
        assert re.search(r"[\u4e00-\u9fff]", name) and re.search(r"[A-Za-z]", name)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"] + 1


def test_the_lead_of_a_new_answer_is_in_view_and_nothing_covers_it(sized_page, screenshot):
    width, page = sized_page
    # the question box and the send button are on the first screen, before any scrolling
    for box in (page.locator("#chat-input textarea").bounding_box(), page.locator("#chat-send").bounding_box()):
        assert box["y"] >= 0 and box["y"] + box["height"] <= WIDTHS[width]["height"], (width, box)
    ask(page, "什么是半托管？")
    answer = ask(page, "JIT和仓发有什么不同？请详细说明备货、发货和费用。")
    lead = answer.strip().splitlines()[0]
    assert lead
    bubble = page.locator('#chatbot [data-testid="bot"]').last
    page.wait_for_timeout(300)  # the scroll to the new answer runs after the last update
    # the first line of the answer: on screen, inside the chat's own scroller, and the topmost element there
    first = bubble.evaluate("""b => {
        const walker = document.createTreeWalker(b, NodeFilter.SHOW_TEXT, {acceptNode: n =>
            n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP});
        const node = walker.nextNode();
        const range = document.createRange();
        range.setStart(node, 0); range.setEnd(node, Math.min(node.textContent.length, 4));
        const r = range.getClientRects()[0];
        const x = r.left + r.width / 2, y = r.top + r.height / 2;
        const box = document.querySelector('#chatbot .bubble-wrap').getBoundingClientRect();
        const hit = document.elementFromPoint(x, y);
        return {top: r.top, bottom: r.bottom, innerHeight: window.innerHeight, boxTop: box.top,
                boxBottom: box.bottom, covered: !(hit && b.contains(hit)), text: node.textContent};
    }""")
    assert first["text"].strip() and first["text"].strip()[:4] in lead
    assert 0 <= first["top"] and first["bottom"] <= first["innerHeight"], first
    assert first["boxTop"] <= first["top"] and first["bottom"] <= first["boxBottom"], first
    assert not first["covered"], first
    assert not _emoji(page.locator("body").inner_text())
    screenshot(page, f"answer-{width}")


def test_the_documents_table_keeps_its_date_and_status_columns(sized_page, screenshot):
    width, page = sized_page
    page.get_by_role("tab", name="知识库 Knowledge base", exact=True).click()
    table = page.locator("#kb-docs")
    expect(table.locator("tbody tr").first).to_be_visible()
    screenshot(page, f"documents-{width}")
    view = WIDTHS[width]["width"]
    for column in ("published", "effective", "status"):
        head = table.locator(f"th.{column}")
        assert head.is_visible()
        box = head.bounding_box()
        assert box["x"] + box["width"] <= view + 1, f"the {column} column is cut off at {width} width"
        assert re.search(r"[\u4e00-\u9fff]", head.inner_text()) and re.search(r"[A-Za-z]", head.inner_text())
    row = table.locator('tbody tr[data-doc-id="notice-2024-09-96h-first-scan"][data-lang="zh"]')
    assert row.locator("td.effective").inner_text() == "2024-09-09"
    # a date stays on one line, whole: its text makes one line box and does not overflow its cell
    for column in ("published", "effective"):
        cell = row.locator(f"td.{column}")
        assert cell.evaluate("""td => { const r = document.createRange(); r.selectNodeContents(td);
            return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }""") == 1
    assert row.locator("td.effective").evaluate("td => td.scrollWidth <= td.clientWidth")
    assert "现行 in force" in row.locator("td.status").inner_text()
    # no word of a title is broken across lines: every text run wraps only at spaces or between CJK characters
    broken = table.evaluate("""t => {
        const bad = [];
        for (const cell of t.querySelectorAll('td.doc > div:first-child')) {
            const range = document.createRange();
            const text = cell.firstChild; if (!text) continue;
            let lastTop = null;
            for (let i = 0; i < text.length; i++) {
                range.setStart(text, i); range.setEnd(text, i + 1);
                const r = range.getClientRects()[0]; if (!r) continue;
                if (lastTop !== null && r.top > lastTop + 2) {
                    const prev = text.textContent[i - 1], cur = text.textContent[i];
                    if (/[A-Za-z0-9]/.test(prev) && /[A-Za-z0-9]/.test(cur)) bad.push(text.textContent);
                }
                lastTop = r.top;
            }
        }
        return bad;
    }""")
    assert not broken, broken[:3]


@pytest.mark.parametrize("question", ["速卖通半托管和Temu半托管有什么不同？",
                                      "Compare the roles of warehouse-shipped items and POP items under the 2024 dual track."])
def test_a_comparison_table_in_the_chat_is_readable_at_phone_and_desktop_width(sized_page, screenshot, question):
    """The comparison's table shows a column per side and its rows inside the screen: nothing runs
    off the right edge, no word is broken mid-word, the page itself never scrolls sideways."""
    width, page = sized_page
    ask(page, question)
    bubble = page.locator('#chatbot [data-testid="bot"]').last
    table = bubble.locator("table").first
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 4
    assert table.locator("thead th").count() == 3
    view = WIDTHS[width]["width"]
    box = bubble.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= view + 1, box
    cells = table.evaluate("""t => [...t.querySelectorAll('th, td')].map(c => {
        const r = c.getBoundingClientRect();
        return {right: r.right, text: c.innerText, overflow: c.scrollWidth > c.clientWidth + 1};
    })""")
    assert all(c["right"] <= view + 1 for c in cells), [c for c in cells if c["right"] > view + 1][:2]
    assert not [c for c in cells if c["overflow"]], [c["text"] for c in cells if c["overflow"]][:3]
    broken = table.evaluate("""t => {
        const bad = [];
        for (const cell of t.querySelectorAll('th, td')) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let text = walker.nextNode(); text; text = walker.nextNode()) {
                const range = document.createRange(); let lastTop = null;
                for (let i = 0; i < text.length; i++) {
                    range.setStart(text, i); range.setEnd(text, i + 1);
                    const r = range.getClientRects()[0]; if (!r) continue;
                    if (lastTop !== null && r.top > lastTop + 2
                        && /[A-Za-z0-9]/.test(text.textContent[i - 1]) && /[A-Za-z0-9]/.test(text.textContent[i]))
                        bad.push(text.textContent);
                    lastTop = r.top;
                }
            }
        }
        return bad;
    }""")
    assert not broken, broken[:3]
    assert page.evaluate("document.documentElement.scrollWidth") <= view + 1
    screenshot(page, f"comparison-{width}-{'zh' if re.search(r'[一-鿿]', question) else 'en'}")
