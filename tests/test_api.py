"""The HTTP surface as clients see it: REST answers with verifiable citations, admin-only uploads
that are answered from at once, one error shape, the OpenAI-compatible endpoint through the
official client, and the Gradio chat endpoint through gradio_client."""

from __future__ import annotations

import json
import re
import httpx
import pytest

from assistant.app.api import safe_upload_name, stream_pieces
from assistant.errors import DocumentError

pytestmark = pytest.mark.integration

TOKEN = {"Authorization": "Bearer test-token"}

QUOKKA_NOTICE = """---
id: notice-2026-12-quokka-lamp
lang: en
title: "Notice: Quokka Lamp listings need a 37-hour dispatch (from 1 December 2026)"
type: notice
published: 2026-11-20
effective_from: 2026-12-01
sources:
  - title: Quokka Lamp dispatch notice
    publisher: Test
    url: https://example.com/quokka
    date: 2026-11-20
topics: [shipping]
---
# Quokka Lamp dispatch rule

From 1 December 2026, AliExpress sellers of Quokka Lamp listings must dispatch every order within 37 hours.

The 37-hour Quokka Lamp dispatch rule applies to POP sellers only.
"""

WOMBAT_SCRIPT_NOTICE = """---
id: notice-2026-12-wombat-mug
lang: en
title: "Wombat Mug <script>alert('title')</script> notice"
type: notice
published: 2026-11-21
sources:
  - title: Wombat Mug notice
    publisher: Test
    url: javascript:alert(1)
    date: 2026-11-21
topics: [messages]
---
From 1 December 2026, Wombat Mug sellers must answer buyer messages within 9 hours <script>alert('quote')</script>.
"""


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server, timeout=60) as c:
        yield c


def upload(client: httpx.Client, name: str, text: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return client.post("/api/documents", files={"file": (name, text.encode("utf-8"), "text/markdown")},
                       headers=headers or {})


def assert_error(response: httpx.Response, status: int, kind: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    assert body["error"]["type"] == kind, body
    assert body["error"]["message"], body
    return body["error"]["message"]


def assert_cited(answer: dict) -> None:
    """Every citation's quote is in the answer text and its [n] marker is used."""
    assert answer["citations"], answer
    for c in answer["citations"]:
        assert all(line in answer["answer"] for line in c["quote"].split("\n")), c
        assert f"[{c['n']}]" in answer["answer"], c


def test_ask_in_chinese_answers_in_chinese_with_the_96_hour_window(client):
    r = client.post("/api/ask", json={"question": "2024年9月9日起，新品的上网时效是多少小时？"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["lang"] == "zh"
    assert not answer["refused"]
    assert "96" in answer["answer"]
    assert re.search(r"[\u4e00-\u9fff]", answer["answer"])
    assert_cited(answer)


def test_ask_in_english_answers_in_english_with_the_96_hour_window(client):
    r = client.post("/api/ask", json={"question": "What is the first-scan window for new items since 9 September 2024?"})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["lang"] == "en"
    assert "96" in answer["answer"]
    assert_cited(answer)
    assert set(answer["timings_ms"]) >= {"total"}


def test_ask_follows_up_on_history(client):
    history = [{"role": "user", "content": "什么是半托管？"}, {"role": "assistant", "content": "半托管是……"}]
    r = client.post("/api/ask", json={"question": "谁来定价？", "history": history})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["lang"] == "zh"
    assert "商家" in answer["answer"], answer["answer"]
    assert_cited(answer)


def test_ask_outside_the_knowledge_base_is_refused(client):
    answer = client.post("/api/ask", json={"question": "What is the capital of France?"}).json()
    assert answer["refused"] is True
    assert answer["citations"] == []


def test_lang_parameter_overrides_the_question_language(client):
    answer = client.post("/api/ask", json={"question": "什么是半托管？", "lang": "en"}).json()
    assert answer["lang"] == "en"


def test_empty_question_gets_the_error_shape_and_400(client):
    message = assert_error(client.post("/api/ask", json={"question": "   "}), 400, "QuestionError")
    assert "empty" in message


def test_malformed_request_gets_the_error_shape_and_422(client):
    message = assert_error(client.post("/api/ask", json={"history": []}), 422, "ValidationError")
    assert "question" in message


def test_healthz_counts_documents(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["documents"] >= 100


def test_documents_list_dates_and_superseded_rules(client):
    docs = client.get("/api/documents").json()
    by_key = {(d["doc_id"], d["lang"]): d for d in docs}
    old = by_key[("notice-72h-first-scan-new-items", "en")]
    assert old["superseded_by"] == "notice-2024-09-96h-first-scan"
    assert old["type"] == "notice"
    new = by_key[("notice-2024-09-96h-first-scan", "zh")]
    assert new["effective_from"] == "2024-09-09"
    assert new["superseded_by"] == ""
    assert new["status"] == "in_force" and old["status"] == "superseded"
    assert set(new) == {"doc_id", "lang", "title", "type", "published", "effective_from", "effective_until",
                        "superseded_by", "status"}


def test_documents_name_their_files_only_for_an_admin(client, corpus_dir):
    anonymous = client.get("/api/documents").json()
    assert anonymous and not any("path" in d for d in anonymous)
    assert str(corpus_dir) not in client.get("/api/documents").text
    admin = client.get("/api/documents", headers=TOKEN).json()
    by_key = {(d["doc_id"], d["lang"]): d for d in admin}
    assert by_key[("notice-2024-09-96h-first-scan", "zh")]["path"].startswith(str(corpus_dir))
    assert_error(client.get("/api/documents", headers={"Authorization": "Bearer nope"}), 403, "AccessDenied")


def test_upload_without_a_token_is_refused(client):
    message = assert_error(upload(client, "quokka-lamp.en.md", QUOKKA_NOTICE), 403, "AccessDenied")
    assert "token" in message


def test_upload_with_a_wrong_token_is_refused(client):
    r = upload(client, "quokka-lamp.en.md", QUOKKA_NOTICE, {"Authorization": "Bearer test-tokeN"})
    assert_error(r, 403, "AccessDenied")


def test_uploaded_notice_is_answered_from_at_once(client, web_assistant):
    r = upload(client, "quokka-lamp.en.md", QUOKKA_NOTICE, TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == ["notice-2026-12-quokka-lamp.en"]
    assert "1 added" in r.json()["summary"]
    assert (web_assistant.settings.data_dir / "uploads" / "quokka-lamp.en.md").exists()
    answer = client.post("/api/ask", json={"question": "How many hours do sellers of Quokka Lamp listings have to "
                                                       "dispatch an order?"}).json()
    assert "37 hours" in answer["answer"]
    assert "notice-2026-12-quokka-lamp" in {c["doc_id"] for c in answer["citations"]}
    assert_cited(answer)
    listed = {d["doc_id"] for d in client.get("/api/documents").json()}
    assert "notice-2026-12-quokka-lamp" in listed


@pytest.mark.parametrize("name", ["../../evil.md", "..\\evil.md", "sub/evil.md", ".hidden.md", "evil.md/.."])
def test_path_traversal_file_names_are_refused(client, web_assistant, name):
    message = assert_error(upload(client, name, QUOKKA_NOTICE, TOKEN), 400, "DocumentError")
    assert "file name" in message
    assert not (web_assistant.settings.data_dir.parent / "evil.md").exists()


def test_unsupported_file_types_are_refused(client):
    message = assert_error(upload(client, "notice.exe", "MZ", TOKEN), 400, "DocumentError")
    assert "unsupported" in message


def test_a_file_that_fails_to_index_is_not_kept(client, web_assistant):
    bad = "---\nid: [unclosed\n---\nText.\n"
    message = assert_error(upload(client, "broken-notice.md", bad, TOKEN), 400, "DocumentError")
    assert "YAML" in message
    assert not (web_assistant.settings.data_dir / "uploads" / "broken-notice.md").exists()


def test_reply_draft_in_the_sellers_language(client):
    r = client.post("/api/reply", json={"message": "你好，请问半托管是谁来定价？谢谢", "tone": "formal"})
    assert r.status_code == 200, r.text
    draft = r.json()
    assert draft["lang"] == "zh"
    assert "[1]" in draft["reply"]
    assert draft["internal_note"]
    assert draft["answers"] and draft["answers"][0]["citations"]
    en = client.post("/api/reply", json={"message": "Hi, who sets the retail price under semi-managed?"}).json()
    assert en["lang"] == "en"
    assert "[1]" in en["reply"]


def test_reply_to_an_empty_message_is_a_400(client):
    assert_error(client.post("/api/reply", json={"message": ""}), 400, "QuestionError")


def test_openapi_spec_has_the_request_models(client):
    spec = client.get("/openapi.json").json()
    assert {"/api/ask", "/api/reply", "/api/documents", "/healthz", "/v1/chat/completions"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert {"AskRequest", "ReplyRequest", "Answer", "ChatCompletionRequest"} <= set(schemas)
    assert "question" in schemas["AskRequest"]["required"]


def test_models_lists_one_model(client):
    body = client.get("/v1/models").json()
    assert [m["id"] for m in body["data"]] == ["seller-policy-assistant"]


def test_openai_client_gets_a_cited_answer(live_server):
    from openai import OpenAI

    oa = OpenAI(base_url=f"{live_server}/v1", api_key="x")
    completion = oa.chat.completions.create(
        model="seller-policy-assistant",
        messages=[{"role": "system", "content": "You are helpful."},
                  {"role": "user", "content": "What is the first-scan window for new items since 9 September 2024?"}])
    content = completion.choices[0].message.content
    assert "[1]" in content and "96" in content
    assert "**Sources**" in content
    extra = completion.model_extra or {}
    assert extra["refused"] is False
    # every line of every cited quote is shown in the reply (a quote may span sentences)
    assert extra["citations"] and all(line in content for c in extra["citations"] for line in c["quote"].split("\n"))


def test_openai_client_streams_the_same_answer(live_server):
    from openai import OpenAI

    oa = OpenAI(base_url=f"{live_server}/v1", api_key="x")
    stream = oa.chat.completions.create(model="seller-policy-assistant", stream=True,
                                        messages=[{"role": "user", "content": "什么是半托管？"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 5
    assert "[1]" in text and "半托管" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    citations = (chunks[-1].model_extra or {})["citations"]
    # every line a citation quotes (a sentence, or a list's intro and items) is in the streamed answer
    assert citations and all(line in text for c in citations for line in c["quote"].split("\n"))


def test_streaming_ends_with_done(client):
    r = client.post("/v1/chat/completions", json={"stream": True, "messages": [{"role": "user", "content": "What is POP?"}]})
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    assert json.loads(events[-2])["choices"][0]["finish_reason"] == "stop"


def test_chat_completions_without_a_user_message_is_a_400(client):
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "system", "content": "hi"}]})
    assert_error(r, 400, "QuestionError")


def test_gradio_client_can_call_the_chat_endpoint(live_server):
    from gradio_client import Client

    gc = Client(live_server + "/", verbose=False)
    history, sources, cleared = gc.predict("什么是半托管？", [], "auto", api_name="/chat")
    assert cleared == ""
    reply = history[-1]
    assert reply["role"] == "assistant"
    text = json.dumps(reply["content"], ensure_ascii=False)
    assert "[1]" in text and "半托管" in text
    assert 'id="source-1"' in sources


def test_gradio_chat_escapes_document_html(client, live_server):
    """A notice carrying <script> is shown as text in the Sources panel and the chat bubble."""
    from gradio_client import Client

    assert upload(client, "wombat-mug.en.md", WOMBAT_SCRIPT_NOTICE, TOKEN).status_code == 200
    gc = Client(live_server + "/", verbose=False)
    history, sources, _ = gc.predict("How fast must Wombat Mug sellers answer buyer messages?", [], "en",
                                     api_name="/chat")
    assert "&lt;script&gt;alert(&#x27;quote&#x27;)&lt;/script&gt;" in sources
    assert "&lt;script&gt;alert(&#x27;title&#x27;)" in sources
    assert "<script" not in sources
    assert 'href="javascript' not in sources
    bubble = json.dumps(history[-1]["content"])
    assert "<script" not in bubble and "&lt;script>" in bubble


def test_oversized_bodies_get_413(tmp_path):
    from fastapi.testclient import TestClient

    from assistant import Assistant, Settings
    from assistant.app.web import create_app

    app = create_app(Assistant(Settings(data_dir=tmp_path, max_request_kb=1, admin_token="t")))
    with TestClient(app) as tc:
        r = tc.post("/api/ask", json={"question": "x" * 5000})
        message = assert_error(r, 413, "RequestTooLarge")
        assert "1 KB" in message


def test_uploads_are_disabled_without_an_admin_token(tmp_path):
    from fastapi.testclient import TestClient

    from assistant import Assistant, Settings
    from assistant.app.web import create_app

    app = create_app(Assistant(Settings(data_dir=tmp_path, admin_token=None)))
    with TestClient(app) as tc:
        r = tc.post("/api/documents", files={"file": ("n.md", b"text")}, headers={"Authorization": "Bearer "})
        assert "disabled" in assert_error(r, 403, "AccessDenied")


@pytest.mark.parametrize("name", ["notice.zh.md", "公告-2026.txt", "report (1).pdf", "N.DOCX"])
def test_plain_file_names_are_kept(name):
    assert safe_upload_name(name) == name


def test_odd_characters_in_file_names_are_replaced():
    assert safe_upload_name("my notice;rm -rf $HOME.md") == "my notice_rm -rf _HOME.md"


@pytest.mark.parametrize("name", ["", "a.md\x00.txt", "../a.md", "a.sh"])
def test_unsafe_file_names_raise(name):
    with pytest.raises(DocumentError):
        safe_upload_name(name)


@pytest.mark.parametrize("text", ["半托管是速卖通面向POP商家的服务。 [1]\n\n- second line", "Hello  world,\tmore text  ", ""])
def test_stream_pieces_join_back_to_the_text(text):
    pieces = list(stream_pieces(text, size=3))
    assert "".join(pieces) == text
    assert all(pieces)



def test_unexpected_errors_are_a_500_without_details(tmp_path):
    from fastapi.testclient import TestClient

    from assistant import Assistant, Settings
    from assistant.app.web import create_app

    class BrokenAssistant(Assistant):
        @property
        def index(self):
            raise RuntimeError("secret detail from /srv/internal/path")

    app = create_app(BrokenAssistant(Settings(data_dir=tmp_path)))
    with TestClient(app, raise_server_exceptions=False) as tc:
        r = tc.post("/api/ask", json={"question": "什么是半托管？"})
    message = assert_error(r, 500, "InternalError")
    assert "secret" not in r.text and "Traceback" not in r.text
    assert "server log" in message


# ---- document admin: delete and replace -------------------------------------------------------

def notice(doc_id: str, lang: str, body: str, title: str = "Test notice") -> str:
    return (f"---\nid: {doc_id}\nlang: {lang}\ntitle: \"{title}\"\ntype: notice\npublished: 2026-11-20\n"
            "sources:\n  - title: Test\n    publisher: Test\n    url: https://example.com/t\n    date: 2026-11-20\n"
            f"topics: [shipping]\n---\n{body}\n")


BILBY_QUESTION = "How many hours do sellers of Bilby Fan listings have to dispatch an order?"
BILBY_EN = notice("notice-2026-12-bilby-fan", "en", "From 1 December 2026, AliExpress sellers of Bilby Fan "
                  "listings must dispatch every order within 41 hours.", "Bilby Fan dispatch notice")
BILBY_ZH = notice("notice-2026-12-bilby-fan", "zh", "自2026年12月1日起，Bilby Fan 商品的卖家须在41小时内发货。",
                  "Bilby Fan 发货公告")


def cited_ids(client: httpx.Client, question: str) -> tuple[set[str], str]:
    answer = client.post("/api/ask", json={"question": question}).json()
    return {c["doc_id"] for c in answer["citations"]}, answer["answer"]


def listed(client: httpx.Client, doc_id: str) -> list[str]:
    return sorted(d["lang"] for d in client.get("/api/documents").json() if d["doc_id"] == doc_id)


def test_a_deleted_upload_is_no_longer_cited_listed_or_kept(client, web_assistant):
    assert upload(client, "bilby-fan.en.md", BILBY_EN, TOKEN).status_code == 200
    cited, text = cited_ids(client, BILBY_QUESTION)
    assert "notice-2026-12-bilby-fan" in cited and "41 hours" in text
    assert_error(client.delete("/api/documents/notice-2026-12-bilby-fan"), 403, "AccessDenied")
    assert listed(client, "notice-2026-12-bilby-fan") == ["en"]

    r = client.delete("/api/documents/notice-2026-12-bilby-fan", headers=TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["removed"] == ["notice-2026-12-bilby-fan.en"]
    cited, text = cited_ids(client, BILBY_QUESTION)
    assert "notice-2026-12-bilby-fan" not in cited and "41 hours" not in text
    assert listed(client, "notice-2026-12-bilby-fan") == []
    assert not (web_assistant.settings.data_dir / "uploads" / "bilby-fan.en.md").exists()


def test_deleting_one_language_keeps_the_other(client):
    for name, text in [("bilby-fan-2.en.md", BILBY_EN), ("bilby-fan-2.zh.md", BILBY_ZH)]:
        assert upload(client, name, text, TOKEN).status_code == 200
    r = client.delete("/api/documents/notice-2026-12-bilby-fan", params={"lang": "en"}, headers=TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["removed"] == ["notice-2026-12-bilby-fan.en"]
    assert listed(client, "notice-2026-12-bilby-fan") == ["zh"]
    r = client.delete("/api/documents/notice-2026-12-bilby-fan", headers=TOKEN)
    assert r.json()["removed"] == ["notice-2026-12-bilby-fan.zh"]
    assert listed(client, "notice-2026-12-bilby-fan") == []


def test_deleting_an_unknown_document_is_a_404(client):
    message = assert_error(client.delete("/api/documents/no-such-notice", headers=TOKEN), 404, "DocumentNotFound")
    assert "no-such-notice" in message
    assert_error(client.delete("/api/documents/no-such-notice", params={"lang": "fr"}, headers=TOKEN),
                 422, "ValidationError")


def test_replacing_a_document_from_another_file_supersedes_the_old_version(client, web_assistant):
    uploads = web_assistant.settings.data_dir / "uploads"
    old = notice("notice-2026-12-quoll-clock", "en", "Quoll Clock listings must be dispatched within 52 hours.")
    new = notice("notice-2026-12-quoll-clock", "en", "Quoll Clock listings must be dispatched within 29 hours.")
    assert upload(client, "quoll-clock.md", old, TOKEN).status_code == 200
    message = assert_error(upload(client, "quoll-clock-2027.md", new, TOKEN), 400, "DocumentError")
    assert "already used by" in message and "replace" in message
    assert not (uploads / "quoll-clock-2027.md").exists()

    r = client.post("/api/documents", files={"file": ("quoll-clock-2027.md", new.encode(), "text/markdown")},
                    data={"replace": "true"}, headers=TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == ["notice-2026-12-quoll-clock.en"]
    cited, text = cited_ids(client, "Within how many hours must Quoll Clock listings be dispatched?")
    assert "notice-2026-12-quoll-clock" in cited and "29 hours" in text and "52 hours" not in text
    paths = [d["path"] for d in client.get("/api/documents", headers=TOKEN).json()
             if d["doc_id"] == "notice-2026-12-quoll-clock"]
    assert paths == [str((uploads / "quoll-clock-2027.md").resolve())]
    assert not (uploads / "quoll-clock.md").exists()


# ---- notice impact preview --------------------------------------------------------------------

WALLABY_QUESTION = "Within how many hours must Wallaby Scale listings be dispatched?"


def preview_upload(client: httpx.Client, name: str, text: str, headers: dict[str, str] | None = None,
                   **form: str) -> httpx.Response:
    return client.post("/api/documents", files={"file": (name, text.encode("utf-8"), "text/markdown")},
                       data={"preview": "true", **form}, headers=headers or {})


def test_a_preview_needs_the_admin_token_and_keeps_nothing(client, web_assistant):
    text = notice("notice-2026-12-numbat-clock", "en", "Numbat Clock listings must be dispatched within 52 hours.")
    assert "token" in assert_error(preview_upload(client, "numbat-clock.md", text), 403, "AccessDenied")
    assert_error(preview_upload(client, "numbat-clock.md", text, {"Authorization": "Bearer nope"}), 403, "AccessDenied")
    r = preview_upload(client, "numbat-clock.md", text, TOKEN)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == ["notice-2026-12-numbat-clock.en"]
    assert not (web_assistant.settings.data_dir / "uploads" / "numbat-clock.md").exists()
    assert listed(client, "notice-2026-12-numbat-clock") == []


def test_a_preview_reports_the_notice_and_keeps_nothing(client, web_assistant):
    uploads = web_assistant.settings.data_dir / "uploads"
    old = notice("notice-2026-12-wallaby-scale", "en", "Wallaby Scale listings must be dispatched within 52 hours.",
                 "Wallaby Scale dispatch")
    assert upload(client, "wallaby-scale.md", old, TOKEN).status_code == 200
    documents = client.get("/api/documents", headers=TOKEN).json()
    answer = client.post("/api/ask", json={"question": WALLABY_QUESTION}).json()

    # a new version of the same upload: previewed as that file's update, not as a second holder of its id
    new = notice("notice-2026-12-wallaby-scale", "en", "Wallaby Scale listings must be dispatched within 29 hours.",
                 "Wallaby Scale dispatch")
    r = preview_upload(client, "wallaby-scale.md", new, TOKEN)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["files"] == ["wallaby-scale.md"] and report["updated"] == ["notice-2026-12-wallaby-scale.en"]
    assert [d["doc_id"] for d in report["documents"]] == ["notice-2026-12-wallaby-scale"]
    [clash] = report["contradicts"]
    assert "29 hours" in clash["sentence"] and "52 hours" in clash["existing_sentence"]
    assert clash["existing"]["published"] == "2026-11-20"
    assert {"supersedes", "leads", "questions", "citing", "today"} <= set(report)
    assert str(web_assistant.settings.data_dir) not in r.text and "assistant-upload-" not in r.text

    assert (uploads / "wallaby-scale.md").read_text(encoding="utf-8") == old
    assert client.get("/api/documents", headers=TOKEN).json() == documents
    again = client.post("/api/ask", json={"question": WALLABY_QUESTION}).json()
    assert again["answer"] == answer["answer"] and "52 hours" in again["answer"] and "29 hours" not in again["answer"]


# ---- the error shape, everywhere ----------------------------------------------------------------

SURROGATE_BODIES = {
    "/api/ask": b'{"question": "How many hours do new items get for the first scan?\\ud800"}',
    "/api/reply": b'{"message": "Hi, how many hours do new items get for the first scan? \\ud800"}',
    "/v1/chat/completions": b'{"messages": [{"role": "user", "content": "What is POP?\\udfff"}]}',
}


@pytest.mark.parametrize("path", sorted(SURROGATE_BODIES))
def test_a_lone_surrogate_is_a_400_and_the_connection_stays_usable(live_server, path):
    with httpx.Client(base_url=live_server, timeout=60) as c:  # one kept-alive connection
        r = c.post(path, content=SURROGATE_BODIES[path], headers={"Content-Type": "application/json"})
        assert "Unicode" in assert_error(r, 400, "QuestionError")
        after = c.post("/api/ask", json={"question": "What is POP?"})
        assert after.status_code == 200, after.text


def test_a_lone_surrogate_in_the_history_is_a_400(client):
    body = b'{"question": "What is POP?", "history": [{"role": "user", "content": "\\ud83d"}]}'
    r = client.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert "history" in assert_error(r, 400, "QuestionError")


@pytest.mark.parametrize("path", ["/api/nope", "/v1/nope", "/nope", "/docs", "/redoc"])
def test_unknown_paths_are_a_404_in_the_error_shape(client, path):
    assert path in assert_error(client.get(path), 404, "NotFound")


@pytest.mark.parametrize("method, path, allowed", [("GET", "/api/ask", "POST"), ("POST", "/healthz", "GET"),
                                                   ("PUT", "/api/documents", "GET, POST"),
                                                   ("GET", "/v1/chat/completions", "POST")])
def test_a_wrong_method_is_a_405_in_the_error_shape(client, method, path, allowed):
    r = client.request(method, path)
    assert "not allowed" in assert_error(r, 405, "MethodNotAllowed")
    assert r.headers["allow"] == allowed


def test_the_ui_and_the_api_description_are_still_served(client):
    assert client.get("/").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "delete" in spec["paths"]["/api/documents/{doc_id}"]
    assert not any("{rest}" in p for p in spec["paths"])


def test_an_unexpected_error_keeps_the_connection_usable(tmp_path):
    from assistant import Assistant, Settings
    from assistant.app.web import create_app
    from conftest import serving

    class BrokenAssistant(Assistant):
        @property
        def index(self):
            raise RuntimeError("boom")

    with serving(create_app(BrokenAssistant(Settings(data_dir=tmp_path)))) as url, \
            httpx.Client(base_url=url, timeout=30) as c:
        assert_error(c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]}),
                     500, "InternalError")
        assert c.get("/v1/models").status_code == 200


def test_an_empty_index_says_so_and_how_to_fill_it(tmp_path):
    from fastapi.testclient import TestClient

    from assistant import Assistant, Settings
    from assistant.app.web import create_app

    app = create_app(Assistant(Settings(data_dir=tmp_path)))
    with TestClient(app) as tc:
        for r in (tc.post("/api/ask", json={"question": "What is POP?"}),
                  tc.post("/api/reply", json={"message": "What is POP?"}),
                  tc.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "What is POP?"}]})):
            message = assert_error(r, 503, "IndexEmptyError")
            assert "empty" in message and "assistant ingest" in message


# ---- the web UI's admin and feedback actions ----------------------------------------------------

def test_a_second_vote_on_an_answer_replaces_the_first(tmp_path):
    from assistant import Assistant, Settings
    from assistant.app.api import PolicyService
    from assistant.app.ui import record_vote

    service = PolicyService(Assistant(Settings(data_dir=tmp_path)))
    first = {"question": "什么是半托管？", "answer": "半托管是……[1]", "lang": "zh", "refused": False, "id": "a1"}
    second = {**first, "question": "What is POP?", "lang": "en", "id": "a2"}
    assert "Thanks" in record_vote(service, "up", first, "")[0]
    assert "updated" in record_vote(service, "down", first, "太长了")[0]
    assert "Thanks" in record_vote(service, "up", second, "")[0]
    lines = [json.loads(x) for x in (tmp_path / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["question"], e["rating"], e["comment"]) for e in lines] == [
        ("什么是半托管？", "down", "太长了"), ("What is POP?", "up", "")]


def test_running_the_eval_from_the_ui_needs_the_admin_token(tmp_path, monkeypatch):
    import subprocess

    from assistant import Assistant, Settings
    from assistant.app.api import PolicyService
    from assistant.app.ui import run_eval

    runs: list[list[str]] = []

    def fake_run(cmd, **kwargs):
        runs.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(subprocess, "run", fake_run)
    service = PolicyService(Assistant(Settings(data_dir=tmp_path, admin_token="test-token")))
    for token in ("", "wrong"):
        status, _ = next(run_eval(service, token))
        assert status.startswith("✗") and "token" in status
    assert runs == []
    statuses = [status for status, _ in run_eval(service, "test-token")]
    assert statuses[-1].startswith("✓") and len(runs) == 1 and runs[0][-1] == "eval"
