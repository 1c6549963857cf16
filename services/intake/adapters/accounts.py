"""Staff accounts, sessions and the audit log: storage, argon2 password hashes, session tokens.

Only a SHA-256 of each session token is stored, so a copy of the database opens no session. The audit
log is only ever added to: nothing here changes or deletes an entry, and the database refuses to
(triggers of intake migration 0010).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.intake.adapters import tables as t
from services.intake.domain.staff import Role, StaffUser
from services.runtime.unit_of_work import utcnow

_hasher = PasswordHasher()
# Verifying against this when the user does not exist keeps the answer time the same.
_DUMMY_HASH = _hasher.hash("tgpl-no-such-user")


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token: str
    csrf_token: str
    user: StaffUser
    expires_at: datetime


@dataclass(frozen=True)
class AuditSearch:
    """What to look for in the audit log; each filter given narrows the search."""

    username: str | None = None
    action: str | None = None
    #: Entries about any of these subjects (a case's id and its register number, say).
    subjects: tuple[str, ...] = ()
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditPage:
    rows: list[dict]
    total: int
    page: int
    pages: int


def _user(row) -> StaffUser:
    return StaffUser(username=row.username, full_name=row.full_name, roles=frozenset(Role(r) for r in row.roles),
                     active=row.active, officer_id=row.officer_id)


class Accounts:
    """Staff accounts and their sessions, on the intake database."""

    def __init__(self, engine: AsyncEngine, *, idle_timeout: timedelta, max_age: timedelta) -> None:
        self._engine = engine
        self._idle = idle_timeout
        self._max_age = max_age

    async def save_user(self, username: str, full_name: str, roles: list[str], *, password: str | None = None,
                        active: bool = True, officer_id: str | None = None, keep_password: bool = False) -> None:
        """Create or update an account; the password is changed when given, unless `keep_password`
        (reference data: an account's own password survives a restart)."""
        values = dict(full_name=full_name, roles=sorted(Role(r).value for r in roles), active=active,
                      officer_id=officer_id)
        if keep_password and await self._exists(username):
            password = None
        if password is not None:
            values["password_hash"] = hash_password(password)
        async with self._engine.begin() as conn:
            updated = await conn.execute(sa.update(t.staff_users).where(t.staff_users.c.username == username)
                                         .values(**values))
            if updated.rowcount == 0:
                if password is None:
                    raise ValueError("a new account needs a password")
                await conn.execute(sa.insert(t.staff_users).values(username=username, created_at=utcnow(), **values))

    async def _exists(self, username: str) -> bool:
        async with self._engine.connect() as conn:
            return (await conn.execute(sa.select(sa.func.count()).select_from(t.staff_users)
                                       .where(t.staff_users.c.username == username))).scalar_one() > 0

    async def log_in(self, username: str, password: str) -> Session | None:
        """A new session for valid credentials of an active account, else None."""
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(t.staff_users).where(t.staff_users.c.username == username))).one_or_none()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        now = utcnow()
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = now + self._idle
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(t.staff_sessions).values(
                token_hash=_token_hash(token), username=username, csrf_token=csrf, created_at=now,
                last_seen_at=now, expires_at=expires))
            if _hasher.check_needs_rehash(row.password_hash):
                await conn.execute(sa.update(t.staff_users).where(t.staff_users.c.username == username)
                                   .values(password_hash=hash_password(password)))
        return Session(token, csrf, _user(row), expires)

    async def session(self, token: str | None) -> Session | None:
        """The live session of a token, sliding its idle expiry; None when unknown or expired."""
        if not token:
            return None
        key = _token_hash(token)
        now = utcnow()
        async with self._engine.begin() as conn:
            row = (await conn.execute(
                sa.select(t.staff_sessions, t.staff_users)
                .join(t.staff_users, t.staff_users.c.username == t.staff_sessions.c.username)
                .where(t.staff_sessions.c.token_hash == key))).one_or_none()
            if row is None:
                return None
            if row.expires_at <= now or row.created_at + self._max_age <= now or not row.active:
                await conn.execute(sa.delete(t.staff_sessions).where(t.staff_sessions.c.token_hash == key))
                return None
            expires = min(now + self._idle, row.created_at + self._max_age)
            await conn.execute(sa.update(t.staff_sessions).where(t.staff_sessions.c.token_hash == key)
                               .values(last_seen_at=now, expires_at=expires))
        return Session(token, row.csrf_token, _user(row), expires)

    async def log_out(self, token: str) -> None:
        """End a session."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.delete(t.staff_sessions).where(t.staff_sessions.c.token_hash == _token_hash(token)))

    async def audit(self, user: StaffUser, action: str, subject: str | None = None, **detail) -> None:
        """Record who read or changed what, and when."""
        async with self._engine.begin() as conn:
            await conn.execute(sa.insert(t.audit_log).values(
                at=utcnow(), username=user.username, action=action, subject=subject, detail=detail))

    async def search_audit(self, search: AuditSearch, *, page: int, size: int) -> AuditPage:
        """A page of the audit log, newest first, each entry with the account's full name."""
        a, users = t.audit_log, t.staff_users
        conditions = []
        if search.username:
            conditions.append(a.c.username == search.username)
        if search.action:
            conditions.append(a.c.action == search.action)
        if search.subjects:
            conditions.append(a.c.subject.in_(search.subjects))
        if search.since is not None:
            conditions.append(a.c.at >= search.since)
        if search.until is not None:
            conditions.append(a.c.at < search.until)
        query = (sa.select(a, users.c.full_name).select_from(a.outerjoin(users, users.c.username == a.c.username))
                 .where(*conditions).order_by(a.c.at.desc(), a.c.id.desc()))
        async with self._engine.connect() as conn:
            total = (await conn.execute(sa.select(sa.func.count()).select_from(a).where(*conditions))).scalar_one()
            pages = max(1, -(-total // size))
            page = min(max(page, 1), pages)
            rows = (await conn.execute(query.limit(size).offset((page - 1) * size))).mappings().all()
        return AuditPage([dict(r) for r in rows], total, page, pages)

    async def audit_actions(self) -> list[str]:
        """Every action the audit log holds, for choosing one."""
        async with self._engine.connect() as conn:
            return list((await conn.execute(sa.select(t.audit_log.c.action).distinct()
                                            .order_by(t.audit_log.c.action))).scalars())

    async def audit_entries(self, subject: str | None = None, limit: int = 200) -> list[dict]:
        """The audit log, newest first, optionally about one subject."""
        query = sa.select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(limit)
        if subject:
            query = query.where(t.audit_log.c.subject == subject)
        async with self._engine.connect() as conn:
            return [dict(r) for r in (await conn.execute(query)).mappings().all()]
