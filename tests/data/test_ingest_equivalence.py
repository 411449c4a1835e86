"""The importer (the rule in worker processes, DuckDB for dedup and index) gives exactly what the
plain Python rule gives, line by line."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

import engine.import_readers as readers
from engine.import_rule import python_line
from engine.importers import import_file
from engine.records import (
    dedup_key,
    dedup_payload,
    encoded_keys,
    first_user_md5,
    normalise_messages,
)
from engine.workspace import Workspace
from store import records as store_records
from tests.data.cases import OBJECTS, lines
from tests.data.reference import reference_import


def test_dedup_key_is_the_original_rule_computed_by_hand() -> None:
    messages = [
        {"role": "user", "content": "  I go to Rome last year. ", "name": "x"},
        {"role": "assistant", "content": "Rome! \u00bfQu\u00e9 viste? 中文"},
    ]
    by_hand = (
        '[{"content": "I go to Rome last year.", "role": "user"}, '
        '{"content": "Rome! \u00bfQu\u00e9 viste? 中文", "role": "assistant"}]'
    )
    expected = hashlib.sha256(by_hand.encode("utf-8")).hexdigest()
    assert dedup_key(normalise_messages(messages)) == expected
    assert (
        first_user_md5(normalise_messages(messages))
        == hashlib.md5(b"i go to rome last year.").hexdigest()
    )


ALPHABET = [chr(c) for c in range(0x250)] + list("\u2028\u2029\ufeff\u3000中😀İΣςß\x85\xa0")


def _random_messages(rng: random.Random) -> list[dict[str, str]]:
    return [
        {
            "role": rng.choice(("user", "assistant", "system")),
            "content": "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 8))),
        }
        for _ in range(rng.randint(1, 4))
    ]


def test_the_keys_written_directly_are_the_original_rule() -> None:
    """``dedup_payload`` and ``encoded_keys`` (what the importer uses) against
    ``json.dumps(sort_keys=True, ensure_ascii=False)`` and the string rules, on text with every
    control character, quotes, backslashes, odd whitespace and case pairs."""
    rng = random.Random(7)
    for _ in range(20_000):
        messages = _random_messages(rng)
        payload = json.dumps(messages, sort_keys=True, ensure_ascii=False)
        assert dedup_payload(messages) == payload
        contents, key, user_md5, chars = encoded_keys(messages)
        assert key == hashlib.sha256(payload.encode("utf-8")).hexdigest()
        assert user_md5 == first_user_md5(messages)
        assert contents == [m["content"].encode("utf-8") for m in messages]
        assert chars == sum(len(m["content"]) for m in messages)
    lone = [{"role": "user", "content": "a\ud800b"}, {"role": "assistant", "content": "x"}]
    with pytest.raises(UnicodeEncodeError):
        encoded_keys(lone)


def test_the_line_rule_gives_the_original_keys_with_or_without_escapes() -> None:
    """A line without a backslash skips the escape checks; either way the keys are the rule's."""
    rng = random.Random(11)
    plain = 0
    for _ in range(5_000):
        messages = _random_messages(rng)
        messages[-1]["role"] = "assistant"
        line = json.dumps({"messages": messages}, ensure_ascii=rng.random() < 0.3)
        result = python_line(1, line, None)
        if len(result) == 4:
            continue
        normalised = normalise_messages(messages)
        assert result[4] == dedup_key(normalised) and result[5] == first_user_md5(normalised)
        plain += "\\" not in line
    assert plain > 100


def _stored(ws: Workspace) -> dict[int, dict]:
    with ws.db.connect() as con:
        ids = [r.id for r in store_records.page(con, limit=10_000)]
        rows = [store_records.get(con, i) for i in ids]
    return {r["line_no"]: r for r in rows if r is not None}


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("dedup", ["source", "cross-source", "first-user-md5"])
def test_import_equals_the_python_rule(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dedup, workers
) -> None:
    """Every line of a file seeded with every kind of bad and odd line, in pieces of about
    2 kB (so several pieces, and with two workers, pieces done out of order)."""
    monkeypatch.setattr(readers, "CHUNK_BYTES", 2048)
    data = lines()
    path = tmp_path / "cases.jsonl"
    path.write_bytes(b"\n".join(data) + b"\n")
    summary = import_file(workspace.db, path, dedup=dedup, workers=workers)
    expected = reference_import(data, key="user_md5" if dedup == "first-user-md5" else "hash")

    assert summary.lines == len(data)
    assert summary.accepted + summary.duplicates + summary.rejected_total == summary.lines
    assert summary.accepted == len(expected.accepted)
    assert summary.duplicates == len(expected.duplicates)
    with workspace.db.connect() as con:
        rejects = {r[2]: r[3] for r in store_records.rejects(con, limit=10_000)}
    assert rejects == expected.rejected
    stored = _stored(workspace)
    assert sorted(stored) == sorted(expected.accepted)
    for line_no, want in expected.accepted.items():
        got = stored[line_no]
        got_view = {k: got[k] for k in want if k != "fmt"}
        got_view["messages"] = [dict(m) for m in got["messages"]]
        assert got_view == {k: v for k, v in want.items() if k != "fmt"}, f"line {line_no}"
        assert got["format"] == want["fmt"]
    assert sum(summary.formats.values()) == summary.accepted
    # Ids follow the lines: the records in id order are the records in line order.
    by_id = sorted(stored.values(), key=lambda r: r["id"])
    assert [r["line_no"] for r in by_id] == sorted(stored)
    assert by_id[-1]["id"] - by_id[0]["id"] == len(by_id) - 1


@pytest.mark.parametrize("workers", [1, 2])
def test_a_second_import_finds_the_stored_records(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers
) -> None:
    """Duplicates of records stored by an earlier import (of the same source, or of any with
    cross-source dedup) and of earlier lines of this one."""
    monkeypatch.setattr(readers, "CHUNK_BYTES", 2048)
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(o) + "\n" for o in OBJECTS[:12]), encoding="utf-8")
    done = import_file(workspace.db, first, source="a", workers=workers)
    both = tmp_path / "both.jsonl"
    both.write_text("".join(json.dumps(o) + "\n" for o in OBJECTS * 2), encoding="utf-8")
    expected = reference_import([json.dumps(o).encode() for o in OBJECTS * 2])

    again = import_file(workspace.db, both, source="a", workers=workers)
    assert again.accepted == len(expected.accepted) - done.accepted
    assert again.duplicates == len(expected.duplicates) + done.accepted
    other = import_file(workspace.db, both, source="b", workers=workers)
    assert other.accepted == len(expected.accepted)
    crossed = import_file(workspace.db, both, source="c", dedup="cross-source", workers=workers)
    assert crossed.accepted == 0
    assert crossed.duplicates == len(expected.accepted) + len(expected.duplicates)
