"""Access rules a user relies on: local-only by default, tokens never logged, admin-only uploads."""

from __future__ import annotations

import logging

import httpx

from assistant.settings import Settings


def test_server_binds_to_localhost_unless_told_otherwise():
    assert Settings().host == "127.0.0.1"


def test_admin_token_and_llm_key_never_reach_the_logs(live_server, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    files = {"file": ("n.md", b"---\nid: sec-note\nlang: en\ntitle: Sec\n---\nA short notice for the log test.", "text/markdown")}
    refused = httpx.post(f"{live_server}/api/documents", files=files, headers={"Authorization": "Bearer wrong-token-xyz"})
    accepted = httpx.post(f"{live_server}/api/documents", files=files, headers={"Authorization": "Bearer test-token"})
    assert refused.status_code == 403 and accepted.status_code == 200
    assert "test-token" not in caplog.text and "wrong-token-xyz" not in caplog.text


def test_upload_is_off_without_a_configured_token(tmp_path):
    from fastapi.testclient import TestClient

    from assistant import Assistant
    from assistant.app.web import create_app

    app = create_app(Assistant(Settings(data_dir=tmp_path)))
    with TestClient(app) as client:
        r = client.post("/api/documents", files={"file": ("a.md", b"text", "text/markdown")},
                        headers={"Authorization": "Bearer anything"})
    assert r.status_code == 403
    assert "upload" in r.json()["error"]["message"].lower()
