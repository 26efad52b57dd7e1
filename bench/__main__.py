"""Entry point: `python -m bench <subcommand>`; each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bench import merkle, notify, pdf, reads, scale, sign, store, web


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subparser per benchmark (`store`, `pdf`, `http`)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="SUBCOMMAND")
    store_parser = subcommands.add_parser("store", help=store.__doc__, description=store.__doc__)
    store.add_arguments(store_parser)
    store_parser.set_defaults(run=store.main)
    pdf_parser = subcommands.add_parser("pdf", help=pdf.__doc__.splitlines()[0], description=pdf.__doc__)
    pdf.add_arguments(pdf_parser)
    pdf_parser.set_defaults(run=pdf.main)
    http_parser = subcommands.add_parser("http", help=web.__doc__.splitlines()[0], description=web.__doc__)
    web.add_arguments(http_parser)
    http_parser.set_defaults(run=web.main)
    notify_parser = subcommands.add_parser("notify", help=notify.__doc__.splitlines()[0], description=notify.__doc__)
    notify.add_arguments(notify_parser)
    notify_parser.set_defaults(run=notify.main)
    reads_parser = subcommands.add_parser("reads", help=reads.__doc__.splitlines()[0], description=reads.__doc__)
    reads.add_arguments(reads_parser)
    reads_parser.set_defaults(run=reads.main)
    merkle_parser = subcommands.add_parser("merkle", help=merkle.__doc__.splitlines()[0], description=merkle.__doc__)
    merkle.add_arguments(merkle_parser)
    merkle_parser.set_defaults(run=merkle.main)
    scale_parser = subcommands.add_parser("scale", help=scale.__doc__.splitlines()[0], description=scale.__doc__)
    scale.add_arguments(scale_parser)
    scale_parser.set_defaults(run=scale.main)
    sign_parser = subcommands.add_parser("sign", help=sign.__doc__.splitlines()[0], description=sign.__doc__)
    sign.add_arguments(sign_parser)
    sign_parser.set_defaults(run=sign.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen benchmark; its return value is the exit status."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
