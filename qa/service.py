"""Getting a ready assistant: build the index on first use, then load it once."""

from __future__ import annotations

from index import IndexUnavailable, Settings, build_index
from index.store import Progress, built_by_older_code

from .pipeline import Assistant


def load_assistant(settings: Settings | None = None, progress: Progress | None = None) -> Assistant:
    """Load the assistant, building the index first when it is missing or stale.

    A damaged index is not silently replaced: :class:`IndexUnavailable` says how to rebuild.
    """
    settings = settings or Settings.from_env()
    if settings.store != "milvus" and built_by_older_code(settings):  # a Milvus replica serves what was published
        build_index(settings, progress=progress)
    try:
        return Assistant.load(settings)
    except IndexUnavailable as exc:
        if exc.reason == "damaged":
            raise
    build_index(settings, progress=progress)
    return Assistant.load(settings)
