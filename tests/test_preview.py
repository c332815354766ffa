"""Notice impact preview: before a notice goes live, what it supersedes and contradicts (with dates)
and which eval questions' leads change, worked out on a copy of the index; the live index, its
answers and its files stay exactly as they were."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import write_doc

pytestmark = pytest.mark.integration

TODAY = "2026-12-07"
OLD_ID = "echidna-dispatch-2020"
NEW_ID = "notice-2027-echidna-dispatch"
QUESTION_EN = "Within how many hours must Echidna depot orders be dispatched?"
QUESTION_ZH = "针鼹仓订单需要在多少小时内发货？"
QUESTIONS = [
    {"id": "echidna-en-1", "question": QUESTION_EN, "lang": "en", "type": "fact", "answerable": True},
    {"id": "echidna-zh-1", "question": QUESTION_ZH, "lang": "zh", "type": "fact", "answerable": True},
    {"id": "echidna-en-2", "question": "How many days do buyers have to return Echidna depot orders?", "lang": "en",
     "type": "fact", "answerable": True},
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A small made-up knowledge base whose older page says 48 hours, with its eval questions beside it."""
    root = tmp_path_factory.mktemp("planted")
    corpus = root / "corpus"
    for lang, title, body in [
        ("en", "Echidna depot dispatch deadline", "Echidna depot orders must be dispatched within 48 hours of payment. "
               "An order dispatched later counts as a late dispatch."),
        ("zh", "针鼹仓发货时限", "针鼹仓订单须在付款后48小时内发货。晚于该时限发货的订单计为延迟发货。"),
    ]:
        write_doc(corpus / "notices", OLD_ID, lang, title, body, published="2020-01-01", effective_from="2020-01-01")
    for lang, title, body in [
        ("en", "Echidna depot returns", "Buyers may return Echidna depot orders within 15 days of delivery."),
        ("zh", "针鼹仓退货", "买家可在签收后15天内退回针鼹仓订单。"),
    ]:
        write_doc(corpus / "articles", "echidna-returns", lang, title, body, type="article", published="2021-03-01")
    questions = root / "evals" / "questions"
    questions.mkdir(parents=True)
    (questions / "fact.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in QUESTIONS) + "\n",
                                          encoding="utf-8")
    return root


def notice(directory: Path, linked: bool = True, lang: str = "en") -> Path:
    """The planted notice: from a future date the dispatch window goes from 48 to 36 hours."""
    meta = {"supersedes": f"[{OLD_ID}]"} if linked else {}
    body = ("From 15 January 2027, Echidna depot orders must be dispatched within 36 hours of payment instead of "
            "48 hours." if lang == "en" else "自2027年1月15日起，针鼹仓订单须在付款后36小时内发货，不再是48小时。")
    title = "Echidna depot dispatch deadline shortened" if lang == "en" else "针鼹仓发货时限缩短"
    return write_doc(directory, NEW_ID, lang, title, body, published="2026-12-01", **meta)


@pytest.fixture(scope="module")
def live(planted, tmp_path_factory):
    from assistant import Assistant, Settings

    settings = Settings(data_dir=tmp_path_factory.mktemp("planted-data"), corpus_dir=planted / "corpus",
                        today=dt.date.fromisoformat(TODAY), admin_token="test-token")
    a = Assistant(settings)
    assert a.ingest([planted / "corpus"]).ok
    return a


def snapshot_of(a) -> tuple[str, list, str, str]:
    """What a user of the live index sees: its manifest, its documents, and two answers."""
    from assistant.app.documents import list_documents

    answers = [a.ask(q, use_llm=False).model_dump(exclude={"timings_ms"}) for q in (QUESTION_EN, QUESTION_ZH)]
    return ((a.settings.data_dir / "manifest.json").read_text(encoding="utf-8"),
            [d.model_dump() for d in list_documents(a, with_paths=True)], *map(json.dumps, answers))


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """tempfile's folder for this test alone, so what a preview leaves behind can be seen."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_planted_notice_shows_what_it_supersedes_contradicts_and_the_leads_it_changes(live, tmp_path, private_tmp):
    from assistant.app.preview import preview

    before = snapshot_of(live)
    report = preview(live, [notice(tmp_path / "new")])

    assert report.errors == [] and report.added == [f"{NEW_ID}.en"]
    [doc] = report.documents
    assert (doc.doc_id, doc.effective_from, doc.status) == (NEW_ID, "2027-01-15", "upcoming")

    superseded = {(s.document.doc_id, s.document.lang): s for s in report.supersedes}
    assert set(superseded) == {(OLD_ID, "en"), (OLD_ID, "zh")}
    old = superseded[(OLD_ID, "en")]
    assert (old.by, old.link, old.from_date) == (NEW_ID, "supersedes", "2027-01-15")
    assert (old.document.published, old.document.effective_from, old.document.status) == \
        ("2020-01-01", "2020-01-01", "in_force")
    assert old.status_after == "in_force"  # replaced only from 2027-01-15

    [clash] = report.contradicts
    assert "36 hours" in clash.sentence and clash.figures == ["36", "48"]
    assert clash.existing.doc_id == OLD_ID and clash.existing.published == "2020-01-01"
    assert clash.existing_sentence == "Echidna depot orders must be dispatched within 48 hours of payment."
    assert clash.existing_figures == ["48"]

    changed = {c.id: c for c in report.leads}
    assert "echidna-en-1" in changed, report.leads
    lead = changed["echidna-en-1"]
    assert "48 hours" in lead.before and "36" not in lead.before
    assert "2027-01-15" in lead.after  # what applies today, and until when
    assert "echidna-en-2" not in changed  # the returns question does not change
    assert report.questions == len(QUESTIONS) and report.citing >= 1

    assert snapshot_of(live) == before  # the live index answers exactly as before
    assert list(private_tmp.iterdir()) == []  # and the copy is gone


def test_an_index_without_its_exact_search_file_is_previewed_from_the_store(planted, tmp_path):
    """A large index (or a replica) keeps no dense.npz: the copy takes the chunk vectors from the
    live store, and the preview still finds what changes."""
    import numpy as np

    from assistant import Assistant, Settings
    from assistant.app.preview import preview, shadow_assistant, snapshot

    a = Assistant(Settings(data_dir=tmp_path / "data", corpus_dir=planted / "corpus",
                           today=dt.date.fromisoformat(TODAY)))
    assert a.ingest([planted / "corpus"]).ok
    (a.settings.data_dir / "dense.npz").unlink()
    copy = tmp_path / "copy"
    copy.mkdir()
    snapshot(a.settings.data_dir, copy)
    shadow = shadow_assistant(a, copy)
    assert shadow.index.dense is None and shadow.index.store.count() == len(a.index.chunks)
    vector = np.asarray(a.embedder.embed_query(QUESTION_EN), dtype=np.float32)
    assert [c for c, _ in shadow.index.dense_search(vector, 3)] == [c for c, _ in a.index.dense_search(vector, 3)]

    report = preview(a, [notice(tmp_path / "new")])
    assert "echidna-en-1" in {c.id for c in report.leads}
    assert not (a.settings.data_dir / "dense.npz").exists()


def test_a_notice_without_a_link_still_shows_the_statement_it_contradicts(live, tmp_path):
    from assistant.app.preview import preview

    report = preview(live, [notice(tmp_path / "new", linked=False, lang="zh")])
    assert report.supersedes == []
    [clash] = report.contradicts
    assert clash.lang == "zh" and "36小时" in clash.sentence
    assert clash.existing.doc_id == OLD_ID and clash.existing.effective_from == "2020-01-01"
    assert "48小时" in clash.existing_sentence


def test_a_supersedes_link_to_an_unknown_document_is_noted(live, tmp_path):
    from assistant.app.preview import preview

    path = write_doc(tmp_path, "notice-x", "en", "Numbat rule", "Numbat orders ship within 3 days.",
                     supersedes="[no-such-rule]")
    report = preview(live, [path])
    assert report.supersedes == [] and any("no-such-rule" in n for n in report.notes)


def test_a_file_that_cannot_be_read_is_reported_and_nothing_changes(live, tmp_path):
    from assistant.app.preview import preview

    bad = tmp_path / "broken.md"
    bad.write_text("---\nid: [unclosed\n---\nText.\n", encoding="utf-8")
    before = (live.settings.data_dir / "manifest.json").read_text(encoding="utf-8")
    report = preview(live, [bad])
    assert report.errors and report.documents == []
    assert (live.settings.data_dir / "manifest.json").read_text(encoding="utf-8") == before


def test_the_preview_report_is_escaped_in_the_ui(live, tmp_path):
    from assistant.app.preview import preview
    from assistant.app.ui import preview_html

    path = write_doc(tmp_path, "notice-y", "en", "Quokka <script>alert(1)</script>",
                     "From 15 January 2027, Echidna depot orders must be dispatched within 30 hours <b>now</b>.",
                     supersedes=f"[{OLD_ID}]")
    shown = preview_html(preview(live, [path]))
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "<b>now" not in shown
    assert "即将生效 upcoming 2027-01-15" in shown and "现行 in force" in shown


def run_cli(planted: Path, data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_TODAY": TODAY, "ASSISTANT_CORPUS_DIR": str(planted / "corpus"),
           "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "assistant", "--data-dir", str(data), *args],
                          capture_output=True, text=True, env=env, timeout=300)


def test_ingest_preview_prints_the_report_and_changes_nothing(planted, live, tmp_path):
    path = notice(tmp_path / "new")
    manifest = (live.settings.data_dir / "manifest.json").read_text(encoding="utf-8")
    done = run_cli(planted, live.settings.data_dir, "ingest", "--preview", str(path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "nothing has been changed" in out
    assert f"{NEW_ID} (en, added)" in out and "upcoming (from 2027-01-15)" in out
    assert f"{OLD_ID} (en)" in out and f"replaced by {NEW_ID} from 2027-01-15" in out
    assert "within 48 hours of payment" in out and "published 2020-01-01" in out
    assert "echidna-en-1" in out and "before:" in out and "after:" in out
    assert f"confirm: assistant ingest {path}" in out

    done = run_cli(planted, live.settings.data_dir, "ingest", "--preview", "--json", str(path))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert [d["doc_id"] for d in report["documents"]] == [NEW_ID]
    assert {c["id"] for c in report["leads"]} >= {"echidna-en-1"}
    assert (live.settings.data_dir / "manifest.json").read_text(encoding="utf-8") == manifest


def test_ingest_preview_needs_files_and_json_needs_preview(planted, tmp_path):
    done = run_cli(planted, tmp_path / "data", "ingest", "--preview")
    assert done.returncode == 1 and "files to preview" in done.stderr
    done = run_cli(planted, tmp_path / "data", "ingest", "--json", str(planted / "corpus"))
    assert done.returncode == 1 and "--preview" in done.stderr
