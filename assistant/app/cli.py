"""Command line: ingest, ask, reply, documents, serve, eval, bench, corpus check.

Errors from the package become one line on stderr and exit code 1; nothing here imports a model
until a command needs it, so ``assistant --help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

from ..errors import AssistantError


def _settings(args: argparse.Namespace):
    from pydantic import ValidationError

    from ..settings import Settings

    overrides = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = args.data_dir
    if getattr(args, "retriever", None):
        overrides["retriever"] = args.retriever
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise AssistantError(f"invalid setting ASSISTANT_{field.upper()}: {first['msg']}") from None


def _assistant(args: argparse.Namespace):
    from ..pipeline import Assistant

    return Assistant(_settings(args))


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    assistant = _assistant(args)
    if args.json and not args.preview:
        raise AssistantError("--json goes with --preview (ingest itself prints one summary line)")
    if args.preview and not args.paths:
        raise AssistantError("give the files to preview, e.g. assistant ingest --preview notice.md")
    paths = [Path(p) for p in args.paths] or [assistant.settings.corpus_dir]
    for p in paths:
        if not p.exists():
            raise AssistantError(f"{p}: no such file or directory")
    if args.preview:
        return _preview(assistant, paths, args)
    # a progress bar only on a terminal: redirected into a log it would be kilobytes of frames
    bar = tqdm(total=0, unit="file", disable=args.quiet or not sys.stderr.isatty(), file=sys.stderr)

    def progress(done: int, total: int, name: str) -> None:
        bar.total = total
        bar.n = done
        bar.set_postfix_str(name[-40:])
        bar.refresh()

    from .documents import ingest_files

    report = ingest_files(assistant, paths, replace=args.replace, progress=progress, wait_s=args.wait)
    bar.close()
    if args.verbose:
        for path, info in report.documents.items():
            print(f"{path}: {info}")
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    print(f"ingest: {report.summary()} in {report.seconds:.1f}s")
    return 0 if report.ok else 1


def _preview(assistant, paths: list[Path], args: argparse.Namespace) -> int:
    """``ingest --preview``: what ingesting would change; the index is left as it is."""
    from .preview import preview, preview_text

    report = preview(assistant, paths, replace=args.replace, wait_s=args.wait)
    if args.json:
        print(report.model_dump_json(indent=1))
    else:
        print(preview_text(report))
        if not report.errors:
            confirm = " --replace" if args.replace else ""
            print(f"confirm: assistant ingest{confirm} {' '.join(str(p) for p in paths)}   (discard: nothing to do)")
    for err in report.errors:
        print(f"error: {err}", file=sys.stderr)
    return 1 if report.errors else 0


def _print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(answer.model_dump_json())
    else:
        print(answer.answer)
        if answer.refused:
            print("\n(refused: not in the knowledge base)")


def cmd_ask(args: argparse.Namespace) -> int:
    from .documents import require_documents

    assistant = _assistant(args)
    require_documents(assistant, show_dir=True)
    assistant.preload()
    if args.jsonl:
        failures = 0
        for lineno, line in enumerate(sys.stdin, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or not isinstance(item.get("question"), str):
                    raise ValueError('each line must be an object like {"question": "...", "history": [...]}')
                answer = assistant.ask(item["question"], history=item.get("history") or [])
                print(answer.model_dump_json(), flush=True)
            except (ValueError, AssistantError) as exc:
                failures += 1
                print(json.dumps({"error": f"line {lineno}: {exc}"}, ensure_ascii=False), flush=True)
        return 1 if failures else 0
    if not args.question:
        raise AssistantError('give a question, e.g. assistant ask "退货规则是什么？", or use --jsonl')
    answer = assistant.ask(args.question, lang=args.lang)
    _print_answer(answer, args.json)
    return 0


def cmd_reply(args: argparse.Namespace) -> int:
    from .documents import require_documents
    from .reply import draft_reply

    assistant = _assistant(args)
    require_documents(assistant, show_dir=True)
    draft = draft_reply(assistant, args.message, lang=args.lang, tone=args.tone)
    if args.json:
        print(draft.model_dump_json())
    else:
        print(draft.reply)
        print("\n---- internal note ----")
        print(draft.internal_note)
    return 0


def cmd_documents_list(args: argparse.Namespace) -> int:
    from .documents import list_documents

    docs = list_documents(_assistant(args), with_paths=True)
    if args.json:
        print(json.dumps([d.model_dump() for d in docs], ensure_ascii=False, indent=1))
        return 0
    for d in docs:
        print("\t".join([d.doc_id, d.lang, d.type, d.published or "undated", d.title, d.path or ""]))
    print(f"{len(docs)} document(s)", file=sys.stderr)
    return 0


def cmd_documents_delete(args: argparse.Namespace) -> int:
    from .documents import delete_documents, kept_files

    assistant = _assistant(args)
    report = delete_documents(assistant, args.doc_id, args.lang, wait_s=args.wait)
    print(f"removed: {', '.join(report.removed)}")
    for path in kept_files(assistant.settings, report):
        print(f"note: {path} is not an upload and stays; the next ingest of its folder adds it back "
              "(delete the file to remove the document for good)")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .web import serve

    settings = _settings(args)
    serve(settings, host=args.host or settings.host, port=args.port or settings.port, ingest_first=args.ingest)
    return 0


def cmd_corpus_check(args: argparse.Namespace) -> int:
    from ..ingest.check import check_corpus

    path = Path(args.path)
    pool = Path(args.labels) if args.labels else path.parent / "evals" / "pool"
    errors = check_corpus(path, pool)
    for e in errors:
        print(e)
    if errors:
        print(f"corpus check: {len(errors)} problem(s) in {args.path}", file=sys.stderr)
        return 1
    print(f"corpus check: {args.path} is valid")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from ..eval.evaluate import run_cli
    from .reply import draft_reply

    return run_cli(args, _settings(args), draft=draft_reply)


def cmd_bench(args: argparse.Namespace) -> int:
    from ..eval.bench import run_cli

    return run_cli(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Bilingual (zh/en) policy assistant with cited answers")
    parser.add_argument("--data-dir", type=Path, help="overrides ASSISTANT_DATA_DIR")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="index documents (default: the corpus dir), incrementally")
    p.add_argument("paths", nargs="*", help="files or directories")
    p.add_argument("--wait", type=float, default=0.0, help="seconds to wait if another ingest holds the lock")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="one line per new or changed document: title, date, blocks and the boilerplate removed")
    p.add_argument("--replace", action="store_true",
                   help="a document whose id another indexed file holds takes it over (a new version in a new file)")
    p.add_argument("--preview", action="store_true",
                   help="change nothing: show what the files would supersede and contradict, with dates, and which "
                        "eval questions' leads would change (before -> after)")
    p.add_argument("--json", action="store_true", help="with --preview: the report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", help="answer a question")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true", help="print the answer JSON")
    p.add_argument("--jsonl", action="store_true", help='read {"question": ..., "history": [...]} lines on stdin')
    p.add_argument("--lang", choices=["zh", "en"], help="answer language (default: the question's)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "keyword"])
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("reply", help="draft a support reply to a seller's message")
    p.add_argument("message")
    p.add_argument("--lang", choices=["zh", "en"])
    p.add_argument("--tone", choices=["friendly", "formal"], default="friendly")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_reply)

    p = sub.add_parser("documents", help="list or delete indexed documents")
    dsub = p.add_subparsers(dest="documents_command", required=True)
    d = dsub.add_parser("list", help="every indexed document: id, language, type, date, title, file")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_documents_list)
    d = dsub.add_parser("delete", help="take a document out of the index (and its file, if it was uploaded)")
    d.add_argument("doc_id", help="the document's id (see `assistant documents list`)")
    d.add_argument("--lang", choices=["zh", "en"], help="only this language (default: both)")
    d.add_argument("--wait", type=float, default=0.0, help="seconds to wait if an ingest holds the lock")
    d.set_defaults(func=cmd_documents_delete)

    p = sub.add_parser("serve", help="web UI + REST API")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--ingest", action="store_true",
                   help="ingest the corpus (ASSISTANT_CORPUS_DIR: ./corpus, else the repository's) before serving")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", help="run the eval suite and write reports")
    from ..eval.evaluate_args import add_eval_args

    add_eval_args(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("bench", help="latency / throughput / scale benchmark")
    from ..eval.bench_args import add_bench_args

    add_bench_args(p)
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("corpus", help="corpus tools")
    csub = p.add_subparsers(dest="corpus_command", required=True)
    c = csub.add_parser("check", help="validate front matter, parity, sources, glossary, FAQ links")
    c.add_argument("path", nargs="?", default="corpus")
    c.add_argument("--labels", help="pool split files whose labels must still hold (default: evals/pool beside the corpus)")
    c.set_defaults(func=cmd_corpus_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Could not reconstruct embedding function")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
