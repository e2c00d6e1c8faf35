"""Run one example server in the foreground: `python scripts/serve.py RUNTIME EXAMPLE`.

For example `python scripts/serve.py node hello --port 3000`. The server replaces this
process, so Ctrl-C or a SIGTERM reaches it directly.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.servers import RUNTIMES, example_command  # noqa: E402 - needs ROOT on sys.path


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and exec the chosen example server."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runtime", choices=RUNTIMES)
    parser.add_argument("example", help="directory name under examples/<runtime>/, e.g. hello")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    source = ROOT / "examples" / args.runtime / args.example
    if not source.is_dir():
        parser.error(f"no such example: {source.relative_to(ROOT)}")
    command = example_command(args.runtime, args.example)
    os.chdir(ROOT)
    os.environ.update(HOST=args.host, PORT=str(args.port))
    os.execv(command[0], command)  # noqa: S606 - the command is built from a fixed template


if __name__ == "__main__":
    main()
