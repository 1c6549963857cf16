"""Login throttling: too many failed attempts for one account, or from one address, make further
attempts wait (the right password included), so passwords cannot be guessed at speed. An address
may fail more often than an account: several staff may share one (an office behind NAT)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class LoginThrottle:
    """Failed attempts per account name and per client address, in a sliding window."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    address_factor: int = 4
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        attempts = self._failures.get(key)
        if attempts is None:
            return deque()
        while attempts and now - attempts[0] >= self.window:
            attempts.popleft()
        if not attempts:
            del self._failures[key]
        return attempts

    def _limits(self, account: str, address: str) -> list[tuple[str, int]]:
        return [(f"account:{account.casefold()}", self.max_failures),
                (f"address:{address}", self.max_failures * self.address_factor)]

    def locked_until(self, account: str, address: str, now: datetime) -> datetime | None:
        """When attempts for this account from this address may resume; None when they may go on now."""
        until = []
        for key, limit in self._limits(account, address):
            recent = self._recent(key, now)
            if len(recent) >= limit:
                until.append(recent[len(recent) - limit] + self.window)
        return max(until) if until else None

    def failed(self, account: str, address: str, now: datetime) -> None:
        for key, _ in self._limits(account, address):
            self._failures.setdefault(key, deque()).append(now)
        while len(self._failures) > 100_000:  # a flood of names: forget the oldest, keep memory bounded
            self._failures.pop(next(iter(self._failures)))

    def succeeded(self, account: str) -> None:
        """A successful login clears the account's failures (not the address's)."""
        self._failures.pop(f"account:{account.casefold()}", None)
