"""The built site served on 127.0.0.1, and a real Chromium to read it."""

import functools
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from scripts.browser import LAUNCH_ARGS, find_chromium
from scripts.local_server import running


@pytest.fixture(scope="session", autouse=True)
def rendered_fragments(performance_pages: None) -> None:
    """The drift guards resolve includes of the rendered Performance fragments too."""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def site_url(built_site: Path) -> Iterator[str]:
    handler = functools.partial(QuietHandler, directory=str(built_site))
    with running(ThreadingHTTPServer(("127.0.0.1", 0), handler)) as server:
        yield f"http://127.0.0.1:{server.server_address[1]}/"


# Per module, not per session: Playwright's sync API runs an event loop on this thread
# while it is open, and the async tests that run later need the thread to themselves.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()  # fails loudly, with the install command, when missing
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()
