"""Loaders turn each supported format into clean text, and every bad file into a clear error."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from assistant.errors import DocumentError
from assistant.load import load_path, strip_boilerplate
from conftest import FIXTURES, write_doc


def test_markdown_front_matter_becomes_document_fields(tmp_path):
    path = write_doc(tmp_path, "rule-x", "zh", "规则X", "# 概要\n\n速卖通规则X从2026年1月1日起生效。", effective_from="2026-01-01")
    (doc,) = load_path(path)
    assert (doc.doc_id, doc.lang, doc.title, doc.effective_from) == ("rule-x", "zh", "规则X", "2026-01-01")
    assert "速卖通规则X从2026年1月1日起生效。" in doc.text
    assert doc.sources[0].url == "https://example.com/n"


def test_messy_html_page_comes_out_clean():
    (doc,) = load_path(FIXTURES / "messy-notice.html")
    assert doc.title == "测试平台调整新品揽收时限"
    assert "由48小时延长为60小时" in doc.text
    assert "只适用于上架30天以内的新品" in doc.text
    for noise in ("广告", "朋友圈", "登录", "相关阅读", "版权所有", "扫码", "AI总结", "tracker", "评论"):
        assert noise not in doc.text, noise
    assert doc.published == "2026-10-08"


def test_raw_article_style_text_drops_share_bars_and_ai_summary(tmp_path):
    raw = "广告\n加载中\n\n标题一行\n\n快读\n全文速览\nAI写的总结，时限全面放宽。\n声明:快读内容全程由AI生成,请注意甄别信息。\n\n正文第一句，规则只适用于部分类目。\n\n微信\n朋友圈\n\n微信好友 朋友圈 新浪微博 QQ空间\n"
    text = strip_boilerplate(raw)
    assert "正文第一句，规则只适用于部分类目。" in text
    assert "全面放宽" not in text and "朋友圈" not in text and "广告" not in text


def test_gb18030_text_is_decoded_not_garbled(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("半托管商家自主定价。".encode("gb18030"))
    (doc,) = load_path(path)
    assert "半托管商家自主定价。" in doc.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.md", b"", "file is empty"),
        ("binary.txt", b"\x00\x01\x02binary\x00", "binary"),
        ("latin.txt", bytes(range(0x80, 0x100)) * 4, "neither UTF-8 nor GB18030"),
        ("bad-yaml.md", b"---\nid: [unclosed\ntitle: x\n---\nbody", "front matter is not valid YAML"),
        ("no-close.md", b"---\nid: x\nbody without closing", "no closing '---'"),
        ("only-front.md", b"---\nid: x\n---\n", "no text left"),
        ("photo.png", b"\x89PNG....", "unsupported file type"),
    ],
)
def test_bad_files_raise_a_clear_error_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as err:
        load_path(path)
    assert name in str(err.value) and message in str(err.value)


def test_oversized_file_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("很长的公告。" * 1000, encoding="utf-8")
    with pytest.raises(DocumentError, match="over the"):
        load_path(path, max_bytes=1000)


def test_docx_paragraphs_and_headings(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Test notice", level=1)
    d.add_paragraph("From 1 March 2026 the test window is 60 hours.")
    path = tmp_path / "n.docx"
    d.save(str(path))
    (doc,) = load_path(path)
    assert doc.title == "Test notice"
    assert "From 1 March 2026 the test window is 60 hours." in doc.text


def test_docx_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(DocumentError, match="zip bomb"):
        load_path(path)


def _pdf(text: str | None) -> bytes:
    """A minimal one-page PDF; with text=None the page has no text layer (like a scan)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode() if text else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_pdf_text_layer_is_extracted(tmp_path):
    path = tmp_path / "notice.pdf"
    path.write_bytes(_pdf("The test window is 60 hours from 2026."))
    (doc,) = load_path(path)
    assert "60 hours" in doc.text


def test_pdf_without_text_layer_is_refused(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(_pdf(None))
    with pytest.raises(DocumentError, match="no text layer"):
        load_path(path)


def test_glossary_yaml_yields_one_document_per_language(corpus_dir: Path):
    docs = load_path(corpus_dir / "glossary.yaml")
    assert sorted(d.lang for d in docs) == ["en", "zh"]
    zh = next(d for d in docs if d.lang == "zh")
    assert "半托管（semi-managed）：" in zh.text
