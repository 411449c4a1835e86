"""An Ollama Modelfile for an exported GGUF: ``FROM`` the file, an explicit chat template
matching the model's, and its stop tokens.

Ollama templates are Go templates; the chat template is Jinja. A model whose chat template
renders plain conversations as ChatML (Qwen2/Qwen3 and the demo models) gets the ChatML Go
template below, after checking on probe conversations that both render the same text. A
template that does not match is refused rather than guessed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHATML_GO = (
    "{{- range .Messages }}<|im_start|>{{ .Role }}\n"
    "{{ .Content }}<|im_end|>\n"
    "{{ end }}<|im_start|>assistant\n"
)
STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")

PROBES: tuple[list[dict[str, str]], ...] = (
    [{"role": "user", "content": "Hello!"}],
    [
        {"role": "system", "content": "You are a kind tutor."},
        {"role": "user", "content": "I go to school yesterday."},
        {"role": "assistant", "content": "You went to school yesterday? What did you learn?"},
        {"role": "user", "content": "We learn about volcanoes."},
    ],
)

_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)


def render_go_template(template: str, messages: Sequence[dict[str, str]]) -> str:
    """Render the subset of Go templates used here: text, ``{{ .Field }}``,
    ``{{ range .Messages }} ... {{ end }}`` and the ``{{-``/``-}}`` trim markers."""
    parts: list[tuple[str, str]] = []  # ("text", s) or ("action", s)
    pos = 0
    for m in _ACTION.finditer(template):
        text = template[pos : m.start()]
        if m.group(1):
            text = text.rstrip()
        parts.append(("text", text))
        parts.append(("action", m.group(2)))
        pos = m.end()
        if m.group(3):
            rest = template[pos:]
            pos += len(rest) - len(rest.lstrip())
    parts.append(("text", template[pos:]))
    out, _ = _run(parts, 0, {"Messages": list(messages)})
    return out


def _run(parts: list[tuple[str, str]], i: int, scope: dict[str, Any]) -> tuple[str, int]:
    out: list[str] = []
    while i < len(parts):
        kind, value = parts[i]
        if kind == "text":
            out.append(value)
        elif value == "end":
            return "".join(out), i
        elif value.startswith("range "):
            items = scope[value.removeprefix("range ").strip().lstrip(".")]
            end = i
            for item in items:
                body, end = _run(parts, i + 1, {k.capitalize(): v for k, v in item.items()})
                out.append(body)
            if not items:
                _, end = _run(parts, i + 1, {})
            i = end
        elif value.startswith("."):
            out.append(str(scope.get(value[1:], "")))
        else:
            raise ValueError(f"unsupported template action {{{{ {value} }}}}")
        i += 1
    return "".join(out), i


def go_template_for(tokenizer: Any) -> str:
    """The Go template equivalent to the tokenizer's chat template, checked on probes."""
    for conversation in PROBES:
        expected = tokenizer.apply_chat_template(
            conversation, tokenize=False, add_generation_prompt=True
        )
        if render_go_template(CHATML_GO, conversation) != expected:
            raise ValueError(
                "the model's chat template does not render conversations as ChatML; "
                "write its Ollama TEMPLATE by hand"
            )
    return CHATML_GO


def write_modelfile(
    out: Path, gguf_name: str, template: str, stops: Sequence[str] = STOP_TOKENS
) -> Path:
    lines = [f"FROM ./{gguf_name}", f'TEMPLATE """{template}"""']
    lines += [f'PARAMETER stop "{s}"' for s in stops]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def read_modelfile_template(path: Path) -> str:
    match = re.search(r'TEMPLATE """(.*?)"""', path.read_text(encoding="utf-8"), re.S)
    if match is None:
        raise ValueError(f"{path}: no TEMPLATE")
    return match.group(1)
