"""How `tgpl` commands end on a failure they expect: one line on stderr naming the command, and an
exit code (deploy/cli.py's `main` prints it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class CommandFailed(Exception):
    """A command cannot go on; `str()` is the line for the operator."""

    def __init__(self, line: str, code: int = 1) -> None:
        super().__init__(line)
        self.code = code


@contextmanager
def reported(command: str, nats_url: str, *expected: type[Exception]) -> Iterator[None]:
    """Turn the `expected` failures, and no NATS server answering, into CommandFailed for `tgpl command`."""
    from nats.errors import NoServersError

    try:
        yield
    except expected as exc:
        raise CommandFailed(f"tgpl {command}: {exc}") from exc
    except NoServersError:
        raise CommandFailed(f"tgpl {command}: no NATS server answers at {nats_url}") from None
