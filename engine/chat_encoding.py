"""Chat records as training examples: the token ids and which of them carry loss.

Only assistant tokens train. ``train_on="last"`` trains the final assistant turn (the
original's rule), ``"all"`` every assistant turn; everything else (system and user turns, the
``<|im_start|>assistant`` header) is context with label -100. The mask comes from the chat
template's ``{% generation %}`` markers when it has them, and otherwise from the character
spans of the assistant turns, which requires a template whose rendering of a conversation
starts with its rendering of every earlier prefix (checked, not assumed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

TrainOn = Literal["last", "all"]
IGNORE = -100
_GENERATION_BLOCK = re.compile(r"\{%-?\s*generation\s*-?%\}")


class TemplateError(ValueError):
    """The chat template cannot tell which tokens belong to the assistant."""


@dataclass(frozen=True)
class EncodedChat:
    input_ids: list[int]
    labels: list[int]
    """``input_ids`` where the token trains, -100 elsewhere."""

    @property
    def length(self) -> int:
        return len(self.input_ids)

    @property
    def trained(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)

    def mask(self) -> list[bool]:
        return [label != IGNORE for label in self.labels]


def _render(tokenizer: Any, messages: Sequence[dict[str, str]], gen: bool) -> str:
    return str(
        tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=gen)
    )


def _mask_from_generation_markers(
    tokenizer: Any, messages: Sequence[dict[str, str]]
) -> tuple[list[int], list[bool]]:
    enc = tokenizer.apply_chat_template(
        list(messages), tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    return list(enc["input_ids"]), [bool(m) for m in enc["assistant_masks"]]


def _mask_from_spans(
    tokenizer: Any, messages: Sequence[dict[str, str]]
) -> tuple[list[int], list[bool]]:
    text = _render(tokenizer, messages, gen=False)
    spans = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = _render(tokenizer, messages[:i], gen=True) if i else ""
        through = _render(tokenizer, messages[: i + 1], gen=False)
        if not (text.startswith(through) and through.startswith(before)):
            raise TemplateError(
                "the chat template does not render conversations prefix by prefix; "
                "add {% generation %} markers to it to train on assistant turns"
            )
        # The turn's trailing newline is layout, not something the model should learn to say.
        spans.append((len(before), len(through.rstrip())))
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    mask = [any(a <= start < b for a, b in spans) for start, _end in enc["offset_mapping"]]
    return list(enc["input_ids"]), mask


def _keep_last_block(mask: list[bool]) -> list[bool]:
    """Only the final run of assistant tokens."""
    out = [False] * len(mask)
    i = len(mask) - 1
    while i >= 0 and not mask[i]:
        i -= 1
    while i >= 0 and mask[i]:
        out[i] = True
        i -= 1
    return out


def encode_chat(
    tokenizer: Any, messages: Sequence[dict[str, str]], *, train_on: TrainOn = "last"
) -> EncodedChat:
    """Token ids and labels of one conversation rendered through the chat template."""
    if train_on not in ("last", "all"):
        raise ValueError(f"train_on must be 'last' or 'all', not {train_on!r}")
    template = getattr(tokenizer, "chat_template", None) or ""
    if _GENERATION_BLOCK.search(template):
        ids, mask = _mask_from_generation_markers(tokenizer, messages)
    else:
        ids, mask = _mask_from_spans(tokenizer, messages)
    if train_on == "last":
        if messages and messages[-1]["role"] != "assistant":
            mask = [False] * len(mask)
        else:
            mask = _keep_last_block(mask)
    labels = [tok if m else IGNORE for tok, m in zip(ids, mask, strict=True)]
    return EncodedChat(input_ids=ids, labels=labels)
