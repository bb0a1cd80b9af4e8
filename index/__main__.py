"""``python -m index build|status|add FILE|remove DOC|set-meta DOC field=value...|export DIR|import DIR``.

The index's command line.  ``set-meta`` corrects a document's metadata (stored as its catalog entry,
applied without re-embedding; ``field=`` drops a correction); ``export``/``import`` move or restore a
deployment (corpus, catalog with its corrections, feedback log; see ``index/backup.py``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .admin import CORRECTABLE, AdminError, add_document, parse_fields, remove_document, set_metadata
from .backup import export_deployment, import_deployment
from .config import BadSetting, Settings
from .embed import BACKENDS
from .meta import describe, unknown_year_notice
from .progress import ConsoleProgress
from .store import BuildReport, IndexUnavailable, build_index, load_index, status


def _print_report(report: BuildReport) -> None:
    print(
        f"index ready: {report.chunks} chunks in {report.seconds:.1f}s; "
        f"embedded {report.embedded_docs or 'nothing'}, reused {report.reused_docs or 'nothing'}, "
        f"removed {report.removed_docs or 'nothing'}"
    )
    for name, reason in report.failed.items():
        print(f"skipped {name}: {reason}", file=sys.stderr)


def _understood(settings: Settings, file: str | None = None) -> list[str]:
    """What each indexed document (or the one just added) was understood to be, one line each."""
    try:
        index = load_index(settings)
    except IndexUnavailable:  # status of a missing index: its "problem" already says so
        return []
    lines = []
    for meta in index.docs.values():
        if file is None or meta.file == file:
            chunks = [c for c in index.chunks if c.doc_id == meta.doc_id]
            lines.append(describe(meta, len({c.section for c in chunks}), len(chunks)))
            lines += [notice] if (notice := unknown_year_notice(meta)) else []
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m index", description=__doc__)
    parser.add_argument("--corpus-dir", type=Path)
    parser.add_argument("--index-dir", type=Path)
    parser.add_argument("--embed-backend", choices=BACKENDS)
    parser.add_argument("--embed-model", help="sentence-transformers model name or local directory")
    parser.add_argument("--faiss-index", choices=["auto", "flat", "hnsw", "ivfpq"])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="build or update the index (only changed documents are embedded)")
    build.add_argument("--force", action="store_true", help="re-embed everything")
    sub.add_parser("status", help="what is indexed and what a build would change")
    add = sub.add_parser("add", help="add a document file to the corpus and index it")
    add.add_argument("file", type=Path)
    remove = sub.add_parser("remove", help="remove a document (id or file name) and update the index")
    remove.add_argument("doc")
    meta = sub.add_parser("set-meta", help="correct a document's metadata: field=value ... (field= drops it)")
    meta.add_argument("doc")
    meta.add_argument("fields", nargs="+", metavar="field=value", help=f"fields: {', '.join(CORRECTABLE)}")
    export = sub.add_parser("export", help="write corpus, catalog and feedback log to a new folder")
    export.add_argument("dir", type=Path)
    restore = sub.add_parser("import", help="replace corpus, catalog and feedback log with an exported folder's")
    restore.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env(
            corpus_dir=args.corpus_dir,
            index_dir=args.index_dir,
            embed_backend=args.embed_backend,
            embed_model=args.embed_model,
            faiss_index=args.faiss_index,
        )
        if args.command == "status":
            print(json.dumps({**status(settings), "understood": _understood(settings)}, ensure_ascii=False, indent=2))
        elif args.command == "build":
            _print_report(build_index(settings, force=args.force, progress=ConsoleProgress()))
        elif args.command == "add":
            _print_report(add_document(settings, args.file, progress=ConsoleProgress()))
            print("\n".join(_understood(settings, args.file.name)))
        elif args.command == "remove":
            _print_report(remove_document(settings, args.doc, progress=ConsoleProgress()))
        elif args.command == "set-meta":
            _print_report(set_metadata(settings, args.doc, parse_fields(args.fields), progress=ConsoleProgress()))
        elif args.command == "export":
            manifest = export_deployment(settings, args.dir)
            print(f"exported {len(manifest['documents'])} documents, {len(manifest['files'])} files to {args.dir}")
        elif args.command == "import":
            _print_report(import_deployment(settings, args.dir, progress=ConsoleProgress()))
    except (AdminError, IndexUnavailable, BadSetting) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
