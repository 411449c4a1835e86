"""Input lines that probe every edge of the record rule, for the bulk/Python equivalence tests."""

from __future__ import annotations

import json


def _m(*pairs: tuple[str, object]) -> dict[str, object]:
    return {"messages": [{"role": r, "content": c} for r, c in pairs]}


U, A, S = "user", "assistant", "system"

OBJECTS: list[object] = [
    _m((U, "I has a cat."), (A, "You have a cat? What is its name?")),
    _m((S, "Be kind."), (U, "hello"), (A, "hi")),
    _m((U, "  padded  "), (A, "\tpadded\n")),
    _m((U, "\u3000ideographic space\u3000"), (A, "\xa0nbsp\xa0")),
    _m((U, "\u2028line sep\u2029"), (A, "\x1cfile sep\x1f")),
    _m((U, "\x85next line"), (A, "ok\u202f")),
    _m((U, 'quote " and back \\ slash'), (A, "tab\tnewline\ncr\r")),
    _m((U, "control \x01 char"), (A, "bell \x07 and \x1f")),
    _m((U, "backspace \b formfeed \f"), (A, "ok")),
    _m((U, "del \x7f char"), (A, "ok")),
    _m((U, "café naïve 中文 😀"), (A, "ΟΔΟΣ Σ ς İstanbul")),
    _m((U, "ΟΔΟΣ"), (A, "Greek capitals")),
    _m((U, "İstanbul"), (A, "dotted capital I")),
    _m((U, "slash / and \\/"), (A, "ok")),
    _m((U, "   "), (A, "only spaces before")),
    _m((U, "x"), (A, "")),
    _m((U, 5), (A, "number content")),
    _m((U, None), (A, "null content")),
    _m((U, {"a": 1}), (A, "object content")),
    _m(("bot", "x"), (U, "y")),
    _m((U, "only one")),
    _m((U, "a"), (U, "b")),
    _m((A, "assistant first"), (U, "then user")),
    _m((U, "a"), (A, "b"), (U, "ends on user")),
    {"messages": [{"role": U, "content": "extra keys", "name": "x"}, {"role": A, "content": "y"}]},
    {"messages": [{"content": "no role"}, {"role": A, "content": "y"}]},
    {"messages": [{"role": [U], "content": "a list as role"}, {"role": A, "content": "y"}]},
    {"messages": [{"role": {"r": U}, "content": "an object as role"}, {"role": A, "content": "y"}]},
    {"messages": [{"role": U}, {"role": A, "content": "y"}]},
    {"messages": ["not an object", {"role": A, "content": "y"}]},
    {"messages": "not a list"},
    {"messages": []},
    {"id": 7, "tags": ["a", "é"], **_m((U, "with metadata"), (A, "kept"))},
    {"l1_background": "Korean", "proficiency": "beginner", **_m((U, "scaffold"), (A, "ing"))},
    {"conversation": [{"role": U, "content": "lmsys q"}, {"role": A, "content": "lmsys a"}]},
    {
        "conversation": [
            {"role": S, "content": "dropped system"},
            {"role": U, "content": "  q  "},
            {"role": A, "content": " "},
            {"role": "tool", "content": "x"},
            {"role": A, "content": 3},
            {"role": A, "content": "answer"},
        ],
        "language": "English",
    },
    {"conversation": [{"role": U, "content": "only user kept"}]},
    {"conversation": "not a list"},
    {"conversations": [{"from": "human", "value": "sg q"}, {"from": "gpt", "value": "sg a"}]},
    {"conversations": [{"from": "Human", "value": " Q "}, {"from": "GPT", "value": "A"}]},
    {
        "conversations": [
            {"from": "system", "value": "s"},
            {"from": "human", "value": "q"},
            {"from": "gpt", "value": "a"},
        ]
    },
    {"conversations": [{"from": "tool", "value": "q"}, {"from": "gpt", "value": "a"}]},
    {"conversations": [{"from": "human", "value": None}, {"from": "gpt", "value": "a"}]},
    {"conversations": [{"from": None, "value": "q"}, {"from": "gpt", "value": "a"}]},
    {"conversations": ["x", {"from": "gpt", "value": "a"}]},
    {"context": "pro context", "response": "pro response", "safety_label": "__casual__"},
    {"context": "ctx", "response": "   "},
    {"context": 12, "response": "numeric context"},
    {"text": "unknown format"},
    [1, 2],
    "a string",
    None,
]


def _raw(user: str, tail: str = "") -> str:
    return (
        '{"messages": [{"role": "user", "content": "' + user + '"}, '
        '{"role": "assistant", "content": "x"}]' + tail + "}"
    )


RAW_LINES: list[str | bytes] = [
    "",
    "   ",
    "{broken json",
    '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},]}',
    _raw("trailing comma", ", "),
    _raw("dup", ', "messages": [{"role": "user", "content": "second"}]'),
    _raw("\\ud800 lone"),
    _raw("\\ud83d\\ude00 pair"),
    _raw("\\u00e9 escaped \\u4e2d"),
    _raw("\\u001F upper"),
    _raw("nan", ', "score": NaN'),
    _raw("raw\ttab"),
    _raw("crlf") + "\r",
    _raw("\xff\xfe bad utf8").encode("latin-1"),
    _raw("\u00e9 good utf8").encode("utf-8"),
    "[" * 5000 + "]" * 5000,
    json.dumps(_m((U, "long " * 5000), (A, "reply"))),
]


def lines() -> list[bytes]:
    """Every case as a line, twice over (so the second copy of each good one is a duplicate)."""
    out: list[bytes] = []
    for obj in OBJECTS:
        out.append(json.dumps(obj, ensure_ascii=False).encode("utf-8"))
        out.append(json.dumps(obj).encode("utf-8"))  # the same record, ASCII-escaped
    for raw in RAW_LINES:
        out.append(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    return out + out
