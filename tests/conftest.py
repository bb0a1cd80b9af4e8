"""Shared fixtures: the real corpus, the real model and one real index per test session.

The session index lives in ``.cache/test-index`` and is built incrementally,
so a second local run reuses it (a clean CI clone builds it once, about
three minutes on two cores).  Tests that change a corpus work on copies.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import Settings, build_index, copy_index

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings() -> Settings:
    """Defaults, with the index kept apart from the app's own."""
    return Settings(
        corpus_dir=ROOT / "corpus", index_dir=ROOT / ".cache" / "test-index", var_dir=ROOT / ".cache" / "test-var"
    )


@pytest.fixture(scope="session")
def built_index(settings: Settings) -> Settings:
    """The full real corpus indexed with the bundled model (incremental across runs)."""
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def assistant(built_index: Settings):
    from qa import Assistant

    return Assistant.load(built_index)


@pytest.fixture
def corpus_copy(tmp_path: Path, built_index: Settings) -> Settings:
    """A writable copy of the corpus and of the built index, for tests that add or remove documents."""
    corpus = tmp_path / "corpus"
    shutil.copytree(built_index.corpus_dir, corpus)
    index_dir = tmp_path / "index"
    copy_index(built_index, index_dir)
    return built_index.replace(corpus_dir=corpus, index_dir=index_dir, var_dir=tmp_path / "var")
