"""Applies a service's Alembic migrations at start, on its own engine."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine


#: The PostgreSQL advisory lock held while a service migrates its database.
MIGRATION_LOCK = 74_250_000


def alembic_config(script_location: Path) -> Config:
    """An Alembic config pointing at a service's `migrations/` folder."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    return cfg


async def upgrade_to_head(engine: AsyncEngine, script_location: Path) -> None:
    """Bring the service's database to the newest migration."""
    await upgrade_to(engine, script_location, "head")


async def upgrade_to(engine: AsyncEngine, script_location: Path, revision: str) -> None:
    """Bring the service's database to a migration (tests of a migration start from the one before)."""

    def _upgrade(sync_conn) -> None:
        cfg = alembic_config(script_location)
        cfg.attributes["connection"] = sync_conn
        command.upgrade(cfg, revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two instances starting together must not both create the same tables.
            await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        await conn.run_sync(_upgrade)


def run_env(context, target_metadata) -> None:
    """Body of every service's `migrations/env.py`: migrate on the connection handed over."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through the service (it hands Alembic a connection)")
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
