"""Find the Chromium that the site's browser tests drive (Playwright never downloads one)."""

from __future__ import annotations

import os
import shutil

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Flags for a headless run on a machine with no network but loopback, as root.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


class ChromiumNotFoundError(RuntimeError):
    """Raised when no Chromium executable is available."""


def find_chromium() -> str:
    """Return the Chromium executable: `$CHROMIUM` if set, else the first one on PATH.

    Raises:
        ChromiumNotFoundError: with the command that installs it.
    """
    configured = os.environ.get("CHROMIUM")
    if configured:
        if shutil.which(configured):
            return configured
        raise ChromiumNotFoundError(f"CHROMIUM={configured!r} is not an executable")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumNotFoundError(
        "The site's browser tests need Chromium. On Debian or Ubuntu: "
        "`sudo apt-get install chromium` (nox -s tests does this itself when run as root); "
        "elsewhere, point the CHROMIUM environment variable at a Chromium or Chrome binary."
    )
