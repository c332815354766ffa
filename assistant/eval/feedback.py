"""Turn thumbs-down feedback from the web UI into draft eval questions for review."""

from __future__ import annotations

import json
from pathlib import Path

from ..lang.text import detect_lang


def import_feedback(feedback: Path, out: Path) -> int:
    if not feedback.exists():
        print(f"error: no feedback file at {feedback}")
        return 1
    drafts = []
    for line in feedback.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if entry.get("rating") not in ("down", -1, "-1", "thumbs_down"):
            continue
        q = str(entry.get("question", "")).strip()
        if not q:
            continue
        drafts.append({
            "id": f"feedback-{len(drafts) + 1:03d}", "question": q, "lang": entry.get("lang") or detect_lang(q),
            "type": "fact", "answerable": not entry.get("refused", False), "must_include": [], "must_not_include": [],
            "sources": [], "note": f"DRAFT from feedback: {entry.get('comment', '')} | answer given: {str(entry.get('answer', ''))[:300]}",
        })
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        for d in drafts:
            fh.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"import-feedback: {len(drafts)} draft question(s) appended to {out}; fill in must_include and sources, then move them into a question file")
    return 0
