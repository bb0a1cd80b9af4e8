"""Everything up to a searchable index: load -> clean -> structure -> chunk -> embed -> store.

``load_index`` returns what ``Settings.store`` serves: the embedded :class:`Index` or the Milvus store's
reader (``index.milvus_store``, imported only then); both are a :class:`SearchIndex`.
"""

from .admin import AdminError, add_document, remove_document
from .config import Settings
from .embed import Embedder, load_embedder
from .keyword import KeywordIndex, normalize, tokenize
from .load import SUPPORTED_SUFFIXES, LoadError
from .schema import Chunk, DocMeta, Document, Statement, covered_years
from .store import (
    BuildReport,
    Index,
    IndexUnavailable,
    SearchIndex,
    build_faiss,
    build_index,
    choose_index_type,
    copy_index,
    load_index,
    status,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "AdminError",
    "BuildReport",
    "Chunk",
    "DocMeta",
    "Document",
    "Embedder",
    "Index",
    "IndexUnavailable",
    "KeywordIndex",
    "LoadError",
    "SearchIndex",
    "Settings",
    "Statement",
    "add_document",
    "build_faiss",
    "build_index",
    "choose_index_type",
    "copy_index",
    "covered_years",
    "load_embedder",
    "load_index",
    "normalize",
    "remove_document",
    "status",
    "tokenize",
]
