"""Build evals/replies/messages.jsonl: seller messages for the reply-draft group, each made of one
or two curated questions (answerable ones with their key facts, and questions the knowledge base
cannot answer), wrapped as sellers write to support. Run once; the output is reviewed and kept.

    python3 evals/replies/build.py
"""
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPEN = {"zh": ["您好，", "你好！", "亲，在吗？", "您好，打扰一下，", ""], "en": ["Hi,", "Hello team,", "Hi there!", "Good morning,", ""]}
CLOSE = {"zh": ["谢谢！", "麻烦了。", "多谢", "", "辛苦了"], "en": ["Thanks!", "Thank you.", "Regards", "", "Cheers"]}
JOIN = {"zh": ["另外，", "还有，", "顺便问一下，"], "en": ["Also,", "And one more thing:", "Another question:"]}


def items(*files):
    out = []
    for f in files:
        out += [json.loads(line) for line in (ROOT / "evals/questions" / f).read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def main() -> None:
    rng = random.Random(20261207)
    pool = [i for i in items("fact.jsonl", "unanswerable.jsonl", "areas.jsonl") if not i.get("history")]
    rows = []
    for lang in ("zh", "en"):
        yes = [i for i in pool if i["lang"] == lang and i["answerable"] and i.get("must_include")]
        no = [i for i in pool if i["lang"] == lang and not i["answerable"]]
        rng.shuffle(yes)
        rng.shuffle(no)
        shapes = ["yes"] * 6 + ["yes+no"] * 6 + ["yes+yes"] * 3 + ["no"] * 3
        for k, shape in enumerate(shapes, 1):
            parts = [yes.pop() if p == "yes" else no.pop() for p in shape.split("+")]
            text = rng.choice(OPEN[lang])
            for n, p in enumerate(parts):
                sep = "" if lang == "zh" else " "
                if n and text[-1] not in "？?。.！!":
                    text += "。" if lang == "zh" else "."
                text += (sep + rng.choice(JOIN[lang]) + sep if n else (sep if text else "")) + p["question"]
            close = rng.choice(CLOSE[lang])
            if close and lang == "zh" and text[-1] not in "？?。！!":
                text += "，"
            text = (text + ("" if lang == "zh" else " ") + close).strip() if close else text.strip()
            rows.append({"id": f"reply-{lang}-{k:03d}", "question": text, "lang": lang, "type": "reply",
                         "answerable": any(p["answerable"] for p in parts),
                         "must_include": [g for p in parts if p["answerable"] for g in p["must_include"][:1]],
                         "must_not_include": [],
                         "parts": [{"question": p["question"], "answerable": p["answerable"], "from": p["id"]} for p in parts]})
    out = ROOT / "evals/replies/messages.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} messages written to {out}")


if __name__ == "__main__":
    main()
