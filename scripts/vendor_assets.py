"""Copy the site's front-end assets from `node_modules/` into `docs/assets/vendor/`.

The built site must make no third-party requests, so a library that pages load in the
browser is served from the site itself. The copy is not committed: `package-lock.json`
pins the version, and the nox sessions that build or serve the site run this script
after `npm ci`.

No page needs one today: the diagrams, once drawn by the mermaid bundle in the browser,
are drawn ahead of time by scripts/diagrams.py and inlined as SVG. The script stays as
the one place to add such an asset, and removes copies that are no longer listed (such as
an old `mermaid.min.js`), so that a local build does not ship them.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from scripts.files import replace_if_changed

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "docs" / "assets" / "vendor"
# Source in node_modules -> file name under docs/assets/vendor/ (see extra_javascript).
ASSETS: dict[str, str] = {}


def vendor_assets(
    node_modules: Path = ROOT / "node_modules",
    target: Path = VENDOR_DIR,
    assets: dict[str, str] | None = None,
) -> list[Path]:
    """Copy every asset in `assets` (default `ASSETS`); return the written paths.

    Files in `target` that are not listed are deleted, and `target` too once empty.

    Raises:
        FileNotFoundError: an asset is missing, i.e. `npm ci` has not run.
    """
    assets = ASSETS if assets is None else assets
    written = []
    for source, name in assets.items():
        origin = node_modules / source
        if not origin.is_file():
            raise FileNotFoundError(
                f"{origin} is missing: run `npm ci` first (the nox sessions do this for you)"
            )
        replace_if_changed(target / name, origin.read_bytes())
        written.append(target / name)
    if target.is_dir():
        # Test workers may run this at the same time: tolerate each other's deletions, and
        # leave alone the hidden temporary files that replace_if_changed renames into place.
        for stale in target.iterdir():
            if stale.is_file() and stale not in written and not stale.name.startswith("."):
                stale.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target.rmdir()  # only if empty
    return written


if __name__ == "__main__":
    try:
        for path in vendor_assets():
            print(f"vendored {path.relative_to(ROOT)}")
    except FileNotFoundError as error:
        sys.exit(str(error))
