"""`python -m deploy.probe URL`: exit 0 when URL answers 200, 1 otherwise (a container's health check).

The service image has no curl or wget; this needs only the standard library.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def healthy(url: str, timeout_s: float = 3.0) -> bool:
    """Whether `url` answers 200 within the timeout (a 503 from /healthz is unhealthy)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Probe the URL given on the command line."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m deploy.probe URL", file=sys.stderr)
        return 2
    return 0 if healthy(args[0]) else 1


if __name__ == "__main__":
    sys.exit(main())
