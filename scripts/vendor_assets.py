"""Copy the site's front-end assets from `node_modules/` into `docs/assets/vendor/`.

The built site must make no third-party requests, so mermaid is served from the site
itself. The copy is not committed: `package-lock.json` pins the version, and the nox
sessions that build or serve the site run this script after `npm ci`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from scripts.files import replace_if_changed

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "docs" / "assets" / "vendor"
# Source in node_modules -> file name under docs/assets/vendor/ (see extra_javascript).
ASSETS = {
    "mermaid/dist/mermaid.min.js": "mermaid.min.js",
}


def vendor_assets(
    node_modules: Path = ROOT / "node_modules", target: Path = VENDOR_DIR
) -> list[Path]:
    """Copy every asset in `ASSETS`; return the written paths.

    Raises:
        FileNotFoundError: an asset is missing, i.e. `npm ci` has not run.
    """
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source, name in ASSETS.items():
        origin = node_modules / source
        if not origin.is_file():
            raise FileNotFoundError(
                f"{origin} is missing: run `npm ci` first (the nox sessions do this for you)"
            )
        replace_if_changed(target / name, origin.read_bytes())
        written.append(target / name)
    return written


if __name__ == "__main__":
    try:
        for path in vendor_assets():
            print(f"vendored {path.relative_to(ROOT)}")
    except FileNotFoundError as error:
        sys.exit(str(error))
