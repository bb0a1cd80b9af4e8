"""The catalog (``corpus/catalog.json``): overrides of what documents say about themselves.

Every field is first inferred from the document (:mod:`index.meta`); an entry
holds only what an admin corrected or the text cannot tell, and each of its
fields replaces the inferred one.
"""

from __future__ import annotations

import json
from pathlib import Path

from .schema import DocMeta

CATALOG_NAME = "catalog.json"


def read_catalog(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / CATALOG_NAME
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def write_catalog(corpus_dir: Path, catalog: dict[str, dict]) -> None:
    path = corpus_dir / CATALOG_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(catalog, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def make_meta(inferred: DocMeta, entry: dict | None) -> DocMeta:
    """What the document says about itself, with the catalog entry's fields overriding it."""
    if not entry:
        return inferred
    return DocMeta.from_dict({**inferred.to_dict(), **entry, "doc_id": inferred.doc_id, "file": inferred.file})
