"""qa.service: an index built by older ingestion code is brought up to date before it is served."""

from __future__ import annotations

import json

import pytest

from index import load_index
from index.store import CODE_VERSION, built_by_older_code, current_path
from qa.service import load_assistant


@pytest.mark.slow
def test_an_index_ingested_by_older_code_is_rebuilt_before_it_is_served(corpus_copy) -> None:
    manifest_path = current_path(corpus_copy) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for doc in manifest["docs"].values():
        doc["code"] = "older"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    assert built_by_older_code(corpus_copy)
    bot = load_assistant(corpus_copy)
    assert not built_by_older_code(corpus_copy)
    fresh = json.loads((current_path(corpus_copy) / "manifest.json").read_text(encoding="utf-8"))
    assert {d["code"] for d in fresh["docs"].values()} == {CODE_VERSION}
    assert len(bot.index) == len(load_index(corpus_copy))
