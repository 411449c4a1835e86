"""Writing a merged Qwen3 model as a GGUF file (f16 or q8_0) with its tokenizer.

Tensor names are mapped to llama.cpp's with gguf's own name map for the Qwen3 architecture;
the tokenizer goes in as a byte-level BPE ("gpt2") vocabulary with its merges, special-token
ids and chat template. Norms and other 1-D tensors stay float32, as llama.cpp expects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QTYPES = ("f16", "q8_0")


@dataclass(frozen=True)
class GGUFSummary:
    path: Path
    architecture: str
    tensors: int
    shapes: dict[str, tuple[int, ...]]
    vocab_size: int
    chat_template: str
    eos_token_id: int
    file_type: int
    rope_freq_base: float
    context_length: int


def _tokenizer_fields(folder: Path) -> dict[str, Any]:
    data = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    model = data["model"]
    if model.get("type") != "BPE":
        raise ValueError(f"{folder}/tokenizer.json: only BPE tokenizers export to GGUF here")
    vocab: dict[str, int] = dict(model["vocab"])
    special: set[str] = set()
    for added in data.get("added_tokens", []):
        vocab[added["content"]] = added["id"]
        if added.get("special"):
            special.add(added["content"])
    size = max(vocab.values()) + 1
    tokens = [f"[PAD{i}]" for i in range(size)]
    for token, index in vocab.items():
        tokens[index] = token
    types = [3 if t in special else (5 if t.startswith("[PAD") else 1) for t in tokens]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
    template = config.get("chat_template") or ""
    jinja = folder / "chat_template.jinja"
    if not template and jinja.is_file():
        template = jinja.read_text(encoding="utf-8")
    return {
        "tokens": tokens,
        "types": types,
        "merges": merges,
        "template": template,
        "vocab": vocab,
    }


def write_gguf(
    merged: Path,
    out: Path,
    qtype: str = "f16",
    on_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write ``merged`` (a Qwen3 model folder) to ``out`` as GGUF."""
    import gguf
    import numpy as np
    from safetensors import safe_open

    if qtype not in QTYPES:
        raise ValueError(f"unknown GGUF type {qtype!r}; one of {', '.join(QTYPES)}")
    config = json.loads((merged / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "qwen3":
        raise ValueError(f"{merged}: model_type {config.get('model_type')!r}, expected qwen3")
    tok = _tokenizer_fields(merged)
    n_layers = int(config["num_hidden_layers"])
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN3, n_layers)
    writer = gguf.GGUFWriter(str(out), "qwen3")
    head_dim = int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"])
    writer.add_name(merged.name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_block_count(n_layers)
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_head_count_kv(int(config["num_key_value_heads"]))
    writer.add_key_length(head_dim)
    writer.add_value_length(head_dim)
    writer.add_rope_freq_base(_rope_theta(config))
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    file_type = gguf.LlamaFileType.MOSTLY_F16 if qtype == "f16" else gguf.LlamaFileType.MOSTLY_Q8_0
    writer.add_file_type(int(file_type))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tok["tokens"])
    writer.add_token_types(tok["types"])
    writer.add_token_merges(tok["merges"])
    eos = config.get("eos_token_id")
    writer.add_eos_token_id(int(eos[0] if isinstance(eos, list) else eos))
    if config.get("pad_token_id") is not None:
        writer.add_pad_token_id(int(config["pad_token_id"]))
    writer.add_add_bos_token(False)
    if tok["template"]:
        writer.add_chat_template(tok["template"])

    files = sorted(merged.glob("*.safetensors"))
    total = 0
    for file in files:
        with safe_open(str(file), "np") as st:
            total += len(st.keys())
    done = 0
    for file in files:
        with safe_open(str(file), "np") as st:
            for key in st.keys():  # noqa: SIM118 (a safetensors handle, not a dict)
                done += 1
                if key == "lm_head.weight" and config.get("tie_word_embeddings"):
                    continue
                _add_tensor(writer, names, key, st.get_tensor(key).astype(np.float32), qtype)
                if on_progress is not None:
                    on_progress(done, total)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


def _rope_theta(config: dict[str, Any]) -> float:
    """RoPE base frequency: transformers 5 keeps it in ``rope_parameters``, 4.x at the top."""
    params = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if params.get("rope_type", "default") not in ("default", None):
        raise ValueError(f"RoPE scaling {params['rope_type']!r} is not exported to GGUF here")
    return float(params.get("rope_theta") or config.get("rope_theta") or 1_000_000.0)


def _add_tensor(writer: Any, names: Any, key: str, array: Any, qtype: str) -> None:
    import gguf
    import numpy as np

    name = names.get_name(key, try_suffixes=(".weight", ".bias"))
    if name is None:
        raise ValueError(f"no GGUF name for tensor {key}")
    if array.ndim == 1:
        writer.add_tensor(name, array)
    elif qtype == "f16":
        writer.add_tensor(name, array.astype(np.float16))
    else:
        data = gguf.quants.quantize(array, gguf.GGMLQuantizationType.Q8_0)
        writer.add_tensor(name, data, raw_dtype=gguf.GGMLQuantizationType.Q8_0)


def read_gguf(path: Path) -> GGUFSummary:
    """What a GGUF file says about itself (read back with gguf's reader)."""
    import gguf

    reader = gguf.GGUFReader(str(path))

    def field(name: str) -> Any:
        f = reader.fields[name]
        return f.contents()

    return GGUFSummary(
        path=path,
        architecture=str(field("general.architecture")),
        tensors=len(reader.tensors),
        shapes={t.name: tuple(int(x) for x in reversed(t.shape)) for t in reader.tensors},
        vocab_size=len(field("tokenizer.ggml.tokens")),
        chat_template=str(field("tokenizer.chat_template"))
        if "tokenizer.chat_template" in reader.fields
        else "",
        eos_token_id=int(field("tokenizer.ggml.eos_token_id")),
        file_type=int(field("general.file_type")),
        rope_freq_base=float(field("qwen3.rope.freq_base")),
        context_length=int(field("qwen3.context_length")),
    )
