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

from lms_platform.messaging.admin import OutboxAdmin

__all__ = ["outbox_command_parser", "run_outbox_command"]


def outbox_command_parser(prog: str = "outbox") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description="Parked outbox rows.")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="parked rows, oldest first")
    listing.add_argument("--topic")
    listing.add_argument("--after", type=int, default=0, help="the last id of the previous page")
    listing.add_argument("--limit", type=int, default=100)
    commands.add_parser("counts", help="parked rows per topic")
    retry = commands.add_parser("retry", help="make parked rows pending and due now")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("ids", nargs="*", type=int, default=[])
    which.add_argument("--all", action="store_true", help="every parked row (of --topic)")
    retry.add_argument("--topic")
    discard = commands.add_parser("discard", help="delete parked rows; their events are lost")
    discard.add_argument("ids", nargs="+", type=int)
    return parser


async def run_outbox_command(
    admin: OutboxAdmin, argv: Sequence[str], *, out: TextIO = sys.stdout, prog: str = "outbox"
) -> int:
    """Run one command; returns the exit status (2 for a usage error, as argparse does)."""
    parser = outbox_command_parser(prog)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    if args.command == "list":
        for row in await admin.list_parked(topic=args.topic, after_id=args.after, limit=args.limit):
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
            _print(out, {"retried": await admin.retry(args.ids)})
    else:
        _print(out, {"discarded": await admin.discard(args.ids)})
    return 0


def _print(out: TextIO, value: object) -> None:
    out.write(msgspec.json.encode(value).decode() + "\n")
