"""``quimbot-tui data ...``: import, statistics, rejects, export, preflight, synthetic data."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

FORMATS = ("messages", "scaffolding", "lmsys", "sharegpt", "prosocial")
DEDUP_MODES = ("source", "cross-source", "first-user-md5")
KINDS = ("jsonl", "json", "parquet", "datasets")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("data", help="training data: import, stats, rejects, export, check, synth")
    cmds = p.add_subparsers(dest="data_command", metavar="COMMAND", required=True)

    imp = cmds.add_parser(
        "import",
        help="import JSONL (.gz), JSON arrays, Parquet or datasets into the index",
        description="Import files into the record index. Every line is accounted for: "
        "accepted, duplicate, or rejected with its file, line and reason. Each file is one "
        "transaction: an interrupted import leaves nothing behind and can be run again. A "
        "folder saved with datasets' save_to_disk, or a dataset id (from the local Hugging Face "
        "cache, or the hub where there is network), imports too; for Parquet and datasets a "
        "line is a row number.",
    )
    imp.add_argument("paths", nargs="+", metavar="PATH")
    imp.add_argument("--source", help="source name (default: from each file's name)")
    imp.add_argument("--format", choices=FORMATS, help="force a record format (default: detect)")
    imp.add_argument("--kind", choices=KINDS, help="force the input kind (default: detect)")
    imp.add_argument("--split", help="the split of a dataset (default: train)")
    imp.add_argument(
        "--dedup",
        choices=DEDUP_MODES,
        default="source",
        help="duplicates within the source (default), across all sources, or by the MD5 of "
        "the first user message",
    )
    imp.add_argument("--json", action="store_true", help="one JSON summary per input")
    imp.set_defaults(func=run_import)

    stats = cmds.add_parser("stats", help="records per source, imports, rejects per reason")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=run_stats)

    rej = cmds.add_parser("rejects", help="rejected lines with file, line and reason")
    rej.add_argument("--source")
    rej.add_argument("--reason")
    rej.add_argument("--limit", type=int, default=100)
    rej.add_argument("--raw", action="store_true", help="also print each rejected line")
    rej.set_defaults(func=run_rejects)

    exp = cmds.add_parser("export", help="write records as canonical {'messages'} JSONL")
    exp.add_argument("--source", action="append", default=[], help="(repeatable)")
    exp.add_argument("--flag", help="only records with this validation flag")
    exp.add_argument("--search", default="", help="only records with this text in a message")
    exp.add_argument("--out", required=True, metavar="FILE")
    exp.set_defaults(func=run_export)

    chk = cmds.add_parser(
        "check",
        help="preflight: over-length records, last turn not the assistant's, role order, empty",
        description="Check records as the trainer will see them. With --model, each record is "
        "rendered through that model's chat template and its tokens counted against "
        "--max-length (default: the model's context length). Exits with 2 when a record "
        "has a problem.",
    )
    chk.add_argument("--model", help="a model folder or a model in the workspace")
    chk.add_argument("--max-length", type=int)
    chk.add_argument("--source", action="append", default=[], help="(repeatable)")
    chk.add_argument("--train-on", choices=("last", "all"), default="last")
    chk.add_argument("--limit", type=int, default=20, help="findings to list")
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=run_check)

    syn = cmds.add_parser(
        "synth",
        help="generate scaffolding dialogues and import them as a source",
        description="Generate scaffolding dialogues (a learner utterance with a typed error, a "
        "tutor turn that recasts, asks, hints or encourages) that are in no source of the "
        "workspace yet, and import them.",
    )
    syn.add_argument("--count", type=int, default=200)
    syn.add_argument("--seed", type=int, default=42)
    syn.add_argument("--l1", action="append", default=[], help="L1 background (repeatable)")
    syn.add_argument("--level", action="append", default=[], help="proficiency (repeatable)")
    syn.add_argument("--error-type", action="append", default=[], help="(repeatable)")
    syn.add_argument("--scenario", action="append", default=[], help="(repeatable)")
    syn.add_argument("--lengths", default="2,4,6", help="messages per dialogue (default 2,4,6)")
    syn.add_argument("--source", default="synth", help="source name (default synth)")
    syn.add_argument("--plain", action="store_true", help="write plain {'messages'} records")
    syn.add_argument("--list", action="store_true", help="list the choices and exit")
    syn.set_defaults(func=run_synth)


def _workspace(args: argparse.Namespace) -> Any:
    from engine.workspace import Workspace

    return Workspace.open(args.workspace)


def _reasons(rejected: dict[str, int]) -> str:
    return ", ".join(f"{reason} {n:,}" for reason, n in sorted(rejected.items()))


def run_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine.importers import import_file
    from quimbot_tui.cli.progress import TextProgress

    ws = _workspace(args)
    bar = None if args.json or not sys.stderr.isatty() else TextProgress()
    totals = {"lines": 0, "accepted": 0, "duplicates": 0, "rejected": 0}
    for raw in args.paths:
        path = Path(raw)
        label = path.name[:9]
        summary = import_file(
            ws.db,
            path,
            source=args.source,
            fmt=args.format,
            dedup=args.dedup,
            kind=args.kind,
            split=args.split,
            on_progress=None if bar is None else (lambda d, t, label=label: bar(label, d, t)),
        )
        if bar is not None:
            bar.close()
        result = summary.as_dict()
        for key in ("lines", "accepted", "duplicates"):
            totals[key] += result[key]
        totals["rejected"] += summary.rejected_total
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
            continue
        print(
            f"{summary.path} -> {summary.source}: {summary.lines:,} lines, "
            f"{summary.accepted:,} accepted, {summary.duplicates:,} duplicates, "
            f"{summary.rejected_total:,} rejected ({summary.seconds:.1f} s)"
        )
        if summary.rejected:
            print(f"  rejected: {_reasons(dict(summary.rejected))}")
            print(f"  see them with: quimbot-tui data rejects --source {summary.source}")
    if len(args.paths) > 1 and not args.json:
        print(
            f"total: {totals['lines']:,} lines, {totals['accepted']:,} accepted, "
            f"{totals['duplicates']:,} duplicates, {totals['rejected']:,} rejected"
        )
    return 0


def run_stats(args: argparse.Namespace) -> int:
    from store import records as store_records

    ws = _workspace(args)
    with ws.db.connect() as con:
        stats = store_records.source_stats(con)
        imports = store_records.imports(con)
        reasons = store_records.reject_counts(con)
    if args.json:
        print(
            json.dumps(
                {
                    "sources": [s.__dict__ for s in stats],
                    "records": sum(s.records for s in stats),
                    "imports": [
                        dict(
                            zip(
                                ("id", "source", "path", "format", "finished_at", "lines",
                                 "accepted", "duplicates", "rejected"),
                                (*i[:4], str(i[4]), *i[5:]),
                                strict=True,
                            )
                        )
                        for i in imports
                    ],
                    "rejects": dict(reasons),
                },
                indent=2,
            )
        )  # fmt: skip
        return 0
    print(f"{'source':<24}{'records':>10}{'avg turns':>11}{'avg ~tok':>10}{'max ~tok':>10}"
          f"{'flagged':>9}")  # fmt: skip
    for s in stats:
        print(
            f"{s.source:<24}{s.records:>10,}{s.avg_turns:>11.1f}{s.avg_tokens:>10.0f}"
            f"{s.max_tokens:>10,}{s.flagged:>9,}"
        )
    print(f"{'total':<24}{sum(s.records for s in stats):>10,}")
    if reasons:
        print("rejected lines: " + _reasons(dict(reasons)))
    print(f"{len(imports)} import(s); `quimbot-tui data rejects` lists the rejected lines")
    return 0


def run_rejects(args: argparse.Namespace) -> int:
    from store import records as store_records

    ws = _workspace(args)
    with ws.db.connect() as con:
        rows = store_records.rejects(
            con, source=args.source, reason=args.reason, limit=args.limit, raw=args.raw
        )
    for row in rows:
        print(f"{row[1]}:{row[2]}: {row[3]}: {row[4]}")
        if args.raw:
            print(f"    {row[5][:300]}")
    if not rows:
        print("no rejected lines" + (" match" if args.source or args.reason else ""))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from engine import activity
    from store import records as store_records

    ws = _workspace(args)
    flt = store_records.RecordFilter(sources=args.source, flag=args.flag, search=args.search)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with ws.db.connect() as con, out.open("w", encoding="utf-8") as fh:
        for rows in store_records.iter_messages(con, flt):
            for _, messages in rows:
                clean = [{"role": m["role"], "content": m["content"]} for m in messages]
                fh.write(json.dumps({"messages": clean}, ensure_ascii=False) + "\n")
            written += len(rows)
    activity.log(ws.db, "data.export", str(out), records=written, sources=args.source)
    print(f"wrote {written:,} records to {out}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from engine.data_check import check_workspace, load_tokenizer, model_max_length, resolve_model
    from engine.preflight import summary_lines
    from quimbot_tui.cli.progress import TextProgress

    ws = _workspace(args)
    tokenizer, max_length = None, args.max_length
    if args.model:
        model = resolve_model(ws, args.model)
        tokenizer = load_tokenizer(model)
        max_length = max_length or model_max_length(model)
    bar = None if args.json or not sys.stderr.isatty() else TextProgress()
    report = check_workspace(
        ws,
        sources=args.source,
        tokenizer=tokenizer,
        max_length=max_length,
        train_on=args.train_on,
        on_progress=None if bar is None else (lambda d, t: bar("check", d, t, f"{d:,}")),
    )
    if bar is not None:
        bar.close()
    if args.json:
        print(
            json.dumps(
                {
                    "checked": report.checked,
                    "failing": len(report.failing),
                    "counts": report.counts(),
                    "max_tokens": report.max_tokens,
                    "max_length": max_length,
                    "findings": [f.__dict__ for f in report.findings[: args.limit]],
                },
                indent=2,
            )
        )
    else:
        if tokenizer is not None:
            print(f"model {args.model}: max_length {max_length}, longest {report.max_tokens:,}")
        print("\n".join(summary_lines(report, args.limit)))
        if report.findings:
            print("exclude them from a mix with: quimbot-tui mix build RECIPE --exclude-failing")
    return 0 if report.ok else 2


def run_synth(args: argparse.Namespace) -> int:
    from engine.synth import L1_BACKGROUNDS, SynthOptions
    from engine.synth.bank import ERROR_TYPES, LEVELS, SCENARIOS
    from engine.synth.into_workspace import synthesize

    if args.list:
        for title, values in (
            ("L1 backgrounds (--l1)", L1_BACKGROUNDS),
            ("levels (--level)", LEVELS),
            ("error types (--error-type)", ERROR_TYPES),
            ("scenarios (--scenario)", SCENARIOS),
        ):
            print(f"{title}: {', '.join(values)}")
        return 0
    try:
        lengths = tuple(int(x) for x in args.lengths.split(","))
    except ValueError as exc:
        raise ValueError(f"--lengths {args.lengths!r}: comma-separated numbers") from exc
    options = SynthOptions(
        count=args.count,
        seed=args.seed,
        l1_backgrounds=args.l1,
        levels=args.level,
        error_types=args.error_type,
        scenarios=args.scenario,
        lengths=lengths,
    )
    ws = _workspace(args)
    result = synthesize(ws, options, source=args.source, scaffolding=not args.plain)
    s = result.summary
    print(
        f"generated {result.generated:,} new dialogues into {result.path}; imported as "
        f"{s.source}: {s.accepted:,} accepted, {s.duplicates:,} duplicates, "
        f"{s.rejected_total:,} rejected"
    )
    if result.generated < args.count:
        print(f"  (the bank has no more new dialogues for these choices: {result.generated:,})")
    return 0
