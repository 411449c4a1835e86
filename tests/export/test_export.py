"""Export on the tiny model: merge check, GGUF read back, Modelfile template, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.export.gguf_file import read_gguf, write_gguf
from engine.export.merge import check_merge, merge_adapter
from engine.export.modelfile import (
    CHATML_GO,
    go_template_for,
    read_modelfile_template,
    render_go_template,
)


@pytest.fixture(scope="module")
def merged(tiny_models, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "merged"
    return merge_adapter(str(tiny_models["base"]), tiny_models["pirate"], out)


def test_merged_logits_match_base_plus_adapter(tiny_models, merged: Path) -> None:
    check = check_merge(str(tiny_models["base"]), tiny_models["pirate"], merged)
    assert check.passed and check.max_abs_diff < 1e-4 and check.tokens > 20
    # A control: the plain base is not base + adapter, and the check says so.
    wrong = check_merge(str(tiny_models["base"]), tiny_models["pirate"], tiny_models["base"])
    assert not wrong.passed and wrong.max_abs_diff > 100 * check.max_abs_diff


def test_merged_folder_has_weights_tokenizer_and_template(merged: Path) -> None:
    from transformers import AutoTokenizer

    assert (merged / "model.safetensors").is_file()
    tok = AutoTokenizer.from_pretrained(merged)
    assert "<|im_start|>" in tok.apply_chat_template(
        [{"role": "user", "content": "hi"}], tokenize=False
    )


@pytest.mark.parametrize(("qtype", "file_type"), [("f16", 1), ("q8_0", 7)])
def test_gguf_reads_back_with_architecture_shapes_and_tokenizer(
    merged: Path, tmp_path: Path, qtype: str, file_type: int
) -> None:
    from safetensors import safe_open
    from transformers import AutoTokenizer

    path = write_gguf(merged, tmp_path / f"m-{qtype}.gguf", qtype)
    summary = read_gguf(path)
    config = json.loads((merged / "config.json").read_text())
    with safe_open(str(merged / "model.safetensors"), "np") as st:
        hf = {k: tuple(st.get_slice(k).get_shape()) for k in st.keys()}  # noqa: SIM118
    hf.pop("lm_head.weight", None)  # tied to the embeddings
    assert summary.architecture == "qwen3" and summary.file_type == file_type
    assert summary.tensors == len(hf)
    assert summary.shapes["token_embd.weight"] == hf["model.embed_tokens.weight"]
    assert summary.shapes["blk.1.attn_q.weight"] == hf["model.layers.1.self_attn.q_proj.weight"]
    assert (
        summary.shapes["blk.0.attn_k_norm.weight"] == hf["model.layers.0.self_attn.k_norm.weight"]
    )
    tok = AutoTokenizer.from_pretrained(merged)
    assert summary.vocab_size == config["vocab_size"]
    assert summary.eos_token_id == tok.convert_tokens_to_ids("<|im_end|>")
    assert summary.chat_template == tok.chat_template
    assert summary.rope_freq_base == config["rope_parameters"]["rope_theta"]
    assert summary.context_length == config["max_position_embeddings"]


def test_q8_0_is_smaller_than_f16(merged: Path, tmp_path: Path) -> None:
    f16 = write_gguf(merged, tmp_path / "a.gguf", "f16").stat().st_size
    q8 = write_gguf(merged, tmp_path / "b.gguf", "q8_0").stat().st_size
    assert q8 < f16


CONVERSATIONS = [
    [{"role": "user", "content": "I go to school yesterday."}],
    [
        {"role": "system", "content": "Be kind."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How are you?"},
        {"role": "user", "content": "I am fine, thank you. And you?"},
    ],
]


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_modelfile_template_renders_like_the_chat_template(
    merged: Path, tmp_path: Path, conversation
) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(merged)
    template = go_template_for(tok)
    expected = tok.apply_chat_template(conversation, tokenize=False, add_generation_prompt=True)
    assert render_go_template(template, conversation) == expected


def test_a_template_that_is_not_chatml_is_refused(merged: Path) -> None:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(merged)
    tok.chat_template = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}"
    with pytest.raises(ValueError, match="does not render conversations as ChatML"):
        go_template_for(tok)


def test_go_template_renderer_trims_and_loops() -> None:
    out = render_go_template(
        "A {{- range .Messages }} <{{ .Role }}> {{- .Content }} {{ end -}} !",
        [{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}],
    )
    assert out == "A <user>x  <assistant>y !"  # as Go renders it: trims only where marked
    assert render_go_template(CHATML_GO, []) == "<|im_start|>assistant\n"


def test_export_cli_writes_everything(tiny_models, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "quimbot_tui",
            "--workspace",
            str(tmp_path / "ws"),
            "export",
            f"adapter:{tiny_models['pirate']}",
            "--model",
            str(tiny_models["base"]),
            "--out",
            str(out),
            "--gguf",
            "q8_0",
            "--ollama",
            "quimbot-test",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "max |Δlogit|" in result.stdout and "ollama create quimbot-test" in result.stdout
    report = json.loads((out / "export.json").read_text())
    assert report["gguf_type"] == "q8_0" and report["max_abs_diff"] <= report["tolerance"]
    gguf_name = Path(report["gguf"]).name
    modelfile = (out / "Modelfile").read_text()
    assert modelfile.startswith(f"FROM ./{gguf_name}\n")
    assert 'PARAMETER stop "<|im_end|>"' in modelfile
    assert read_modelfile_template(out / "Modelfile") == CHATML_GO


def test_gguf_greedy_tokens_match_transformers(merged: Path, tmp_path: Path) -> None:
    """Run the GGUF in llama.cpp (where llama-cpp-python is installed) against transformers."""
    llama_cpp = pytest.importorskip(
        "llama_cpp", reason="no GGUF runtime: pip install llama-cpp-python (CI builds it)"
    )
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = write_gguf(merged, tmp_path / "m.gguf", "f16")
    tok = AutoTokenizer.from_pretrained(merged)
    model = AutoModelForCausalLM.from_pretrained(merged)
    enc = tok.apply_chat_template([{"role": "user", "content": "I go to the zoo yesterday."}],
                                  add_generation_prompt=True, return_tensors="pt",
                                  return_dict=True)
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=12, do_sample=False)
    expected = [t for t in out[0, enc["input_ids"].shape[1]:].tolist() if t != tok.eos_token_id]
    llm = llama_cpp.Llama(model_path=str(path), n_ctx=256, verbose=False)
    try:
        got = []
        for token in llm.generate(enc["input_ids"][0].tolist(), temp=0.0, top_k=1):
            if token == llm.token_eos() or len(got) >= 12:
                break
            got.append(token)
    finally:
        llm.close()
    assert got == expected
