"""``quimbot-tui gallery``: serve the creative-coding gallery on localhost."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``gallery`` subcommand; the server module is imported only when it runs."""
    parser = subparsers.add_parser(
        "gallery",
        help="serve the creative-coding gallery on 127.0.0.1",
        description="Serve the creative-coding gallery on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port to listen on (default 8765; 0 picks one)"
    )
    parser.add_argument("--open", action="store_true", help="open the index in the web browser")
    parser.add_argument(
        "piece", nargs="?", default="", help="slug of a piece to open instead of the index"
    )
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from gallery import load_catalogue
    from gallery.server import main

    page = ""
    if args.piece:
        pieces = {p.slug: p for p in load_catalogue()}
        if args.piece not in pieces:
            print(f"gallery: no piece named {args.piece!r}; try one of: {', '.join(pieces)}")
            return 2
        page = pieces[args.piece].file
    return main(port=args.port, open_browser=args.open, page=page)
