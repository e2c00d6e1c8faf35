"""The image's HEALTHCHECK: exit 0 when /healthz answers 200 within 2 s, else 1.

The slim image has no curl; the Python it already holds does the request.
"""

# --8<-- [start:healthcheck]
import os
import sys
import urllib.error
import urllib.request


def main(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError):
        return 1


if __name__ == "__main__":
    port = os.environ.get("PORT", "8080")
    sys.exit(main(f"http://127.0.0.1:{port}/healthz"))
# --8<-- [end:healthcheck]
