"""``<service> outbox ...``: the parked-rows admin as a command line, for a service runtime to
expose. Output is JSON (one object per line), for people and scripts alike.

    outbox list [--topic T] [--after ID] [--limit N]   parked rows, oldest first
    outbox counts                                      parked rows per topic
    outbox retry (--all [--topic T] | ID...)           make parked rows pending again
    outbox discard ID...                               delete parked rows (their events are lost)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

import msgspec

from lms_platform.messaging.admin_port import ParkedOutboxAdmin

__all__ = ["outbox_command_parser", "run_outbox_command"]


def outbox_command_parser(prog: str = "outbox") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Parked outbox rows.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="parked rows, oldest first")
    listing.add_argument("--topic")
    listing.add_argument("--after", help="the last id of the previous page")
    listing.add_argument("--limit", type=int, default=100)
    commands.add_parser("counts", help="parked rows per topic")
    retry = commands.add_parser("retry", help="make parked rows pending and due now")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", default=[])
    which.add_argument("--all", action="store_true", help="every parked row (of --topic)")
    retry.add_argument("--topic")
    discard = commands.add_parser("discard", help="delete parked rows; their events are lost")
    discard.add_argument("ids", nargs="+")
    return parser


async def run_outbox_command(
    admin: ParkedOutboxAdmin, argv: Sequence[str], *, out: TextIO = sys.stdout, prog: str = "outbox"
) -> int:
    """Run one command; returns the exit status (2 for a usage error, as argparse does)."""
    parser = outbox_command_parser(prog)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:  # row ids are the store's own (integers on PostgreSQL, ObjectIds on MongoDB)
        ids = [admin.parse_id(text) for text in getattr(args, "ids", [])]
        after = (
            {} if getattr(args, "after", None) is None else {"after_id": admin.parse_id(args.after)}
        )
    except ValueError as exc:
        parser.print_usage(sys.stderr)
        print(f"{prog} {args.command}: not a row id: {exc}", file=sys.stderr)
        return 2
    if args.command == "list":
        for row in await admin.list_parked(topic=args.topic, limit=args.limit, **after):
            _print(out, row)
    elif args.command == "counts":
        _print(out, await admin.parked_counts())
    elif args.command == "retry":
        if args.all:
            _print(out, {"retried": await admin.retry(topic=args.topic)})
        elif args.topic is not None:
            parser.print_usage(sys.stderr)
            print(f"{prog} retry: --topic goes with --all", file=sys.stderr)
            return 2
        else:
            _print(out, {"retried": await admin.retry(ids)})
    else:
        _print(out, {"discarded": await admin.discard(ids)})
    return 0


def _print(out: TextIO, value: object) -> None:
    out.write(msgspec.json.encode(value).decode() + "\n")
