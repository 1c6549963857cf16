"""The Compose deployment's parts, run for real without Docker: `tgpl deploy-secrets` output, the
PostgreSQL init script against a real server, a 3-node JetStream cluster from the generated
nats-server.conf, the `streams` job's command, and the four services started with the
environment the Compose file and their env files give them, each judged healthy by the same
`python -m deploy.probe` their health check runs. Then an agency sends notices as its own NATS user
and a province system's report counts every one assigned.

Only hosts, ports and paths move to this machine: the NATS nodes get their ports on the command
line (which overrides the file) and their own store directories; the services listen on loopback.
Needs PostgreSQL (TGPL_TEST_POSTGRES_URL) and psql.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import nats
import pytest
from sqlalchemy.engine import make_url

from deploy.deployment_secrets import MONITOR
from deploy.local.credentials import load_identities
from deploy.local.nats_identities import AGENCY, PROVINCE
from deploy.local.nats_server import free_ports, nats_server_binary
from deploy.nats_config import DEMO_DATA, DeploymentOptions
from tests import harness
from tests.integration.deploy.compose_bundle import (
    COMPOSE_DIR,
    ROOT,
    TGPL_SERVICES,
    compose_copy,
    interpolate,
    load_compose,
    read_env_file,
)

pytestmark = pytest.mark.integration

NOTICES = 6


def postgres_admin() -> tuple[str, dict[str, str]] | None:
    """(asyncpg DSN, libpq environment for psql) of the test server, or None."""
    url = os.environ.get("TGPL_TEST_POSTGRES_URL")
    if not url or shutil.which("psql") is None:
        return None
    parsed = make_url(url)
    env = {"PGHOST": parsed.host or "127.0.0.1", "PGPORT": str(parsed.port or 5432),
           "POSTGRES_USER": parsed.username or "postgres", "POSTGRES_DB": parsed.database or "postgres"}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False), env


class Processes:
    """Child processes started by this test, each in its own session; stopped in reverse order."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   cwd=ROOT)
        self.started.append((name, process))
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for _, process in reversed(self.started):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def base_env() -> dict[str, str]:
    """What any process needs from this one, and nothing tgpl-specific (the files give the rest)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV")
    return {**{k: v for k, v in os.environ.items() if k in keep}, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


async def wait_until(check, what: str, timeout: float, processes: Processes, names: list[str]):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        for name, process in processes.started:
            if name in names and process.poll() is not None:
                pytest.fail(f"{name} exited with {process.returncode} while waiting for {what}:\n{processes.log(name)}")
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out waiting for {what}:\n" + "\n".join(
                f"--- {name}\n{processes.log(name)}" for name in names))
        await asyncio.sleep(0.5)


async def probe(url: str) -> bool:
    """The services' Compose health check: `python -m deploy.probe URL`."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "deploy.probe", url, cwd=ROOT,
                                                   env=base_env())
    return await process.wait() == 0


async def test_the_compose_deployment_runs_from_its_generated_files(tmp_path):
    admin = postgres_admin()
    if admin is None:
        pytest.skip("needs PostgreSQL (TGPL_TEST_POSTGRES_URL) and psql: the init script runs against a real server")
    admin_dsn, pg_env = admin
    prefix = f"tgpl_t{uuid.uuid4().hex[:8]}_"
    client_ports, cluster_ports, monitor_ports = free_ports(3), free_ports(3), free_ports(3)
    directory, settings = compose_copy(
        tmp_path, reference_dir=DEMO_DATA, database_prefix=prefix,
        database_host=f"{pg_env['PGHOST']}:{pg_env['PGPORT']}",
        nats_url=",".join(f"nats://127.0.0.1:{port}" for port in client_ports),
        nats=DeploymentOptions(monitor=MONITOR, routes=[f"nats-route://127.0.0.1:{port}" for port in cluster_ports]))
    secrets = directory / "secrets"
    compose = load_compose(directory / "compose.yaml")["services"]
    processes = Processes(tmp_path)
    databases = [settings.database_name(service) for service in TGPL_SERVICES]
    try:
        # PostgreSQL: the init script, twice (idempotent), with postgres.env as the container has it
        init = [str(COMPOSE_DIR / "postgres" / "init-databases.sh")]
        env = {**base_env(), **pg_env, **read_env_file(secrets / "postgres.env")}
        for _ in range(2):
            done = subprocess.run(init, env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
        assert done.stdout.count("ready") == 4
        await assert_each_role_reaches_only_its_database(admin_dsn, databases)

        # NATS: three nodes from the one generated configuration and nats.env
        config = (secrets / "nats-server.conf").read_text()
        nats_env = {**base_env(), **read_env_file(secrets / "nats.env")}
        for index, node in enumerate(("nats-1", "nats-2", "nats-3")):
            node_config = tmp_path / f"{node}.conf"
            node_config.write_text(config.replace('"/data/jetstream"', f'"{tmp_path / node}"'))
            assert compose[node]["environment"]["TGPL_NATS_SERVER_NAME"] == node
            processes.start(node, [str(nats_server_binary()), "-c", str(node_config), "-a", "127.0.0.1",
                                   "-p", str(client_ports[index]), "-m", str(monitor_ports[index]),
                                   "--cluster", f"nats://127.0.0.1:{cluster_ports[index]}"],
                            {**nats_env, **compose[node]["environment"]})

        for index, node in enumerate(("nats-1", "nats-2", "nats-3")):  # Compose: depends_on service_healthy
            url = compose[node]["healthcheck"]["test"][-1].replace(MONITOR, f"127.0.0.1:{monitor_ports[index]}")
            await wait_until(lambda: probe(url), f"{node} healthy", 60, processes, ["nats-1", "nats-2", "nats-3"])

        # the streams job, as Compose runs it: the operator's env file, the reference data
        command = [sys.executable, "-m", "deploy.cli", *compose["streams"]["command"][1:]]
        command[command.index("/etc/tgpl/reference")] = str(DEMO_DATA)
        done = subprocess.run(command, env={**base_env(), **read_env_file(secrets / "operator.env")}, cwd=ROOT,
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        assert "TGPL_INBOUND: created" in done.stdout and "TGPL_REPORTS/province-STP-GL: ready" in done.stdout

        # the four services, with the Compose environment and their own env file
        ports = dict(zip(TGPL_SERVICES, free_ports(4)))
        variables = {"TGPL_TIMEZONE": "Asia/Ho_Chi_Minh"}
        for service in TGPL_SERVICES:
            env = {**base_env(), **{k: interpolate(str(v), variables) for k, v in
                                    compose[service]["environment"].items()},
                   **read_env_file(secrets / f"{service}.env")}
            env.update({f"TGPL_{service.upper()}_HTTP_HOST": "127.0.0.1",
                        f"TGPL_{service.upper()}_HTTP_PORT": str(ports[service]),
                        "TGPL_REFERENCE_DIR": str(DEMO_DATA), "TGPL_DATA_DIR": str(tmp_path / "data"),
                        **{f"TGPL_{other.upper()}_URL": f"http://127.0.0.1:{ports[other]}"
                           for other in ("assignment", "evaluation", "reporting")}})
            if service == "intake":
                env["TGPL_INTAKE_STAFF_PASSWORDS_FILE"] = str(secrets / "staff.json")
            processes.start(service, [sys.executable, "-m", f"services.{service}"], env)
        for service in TGPL_SERVICES:
            url = compose[service]["healthcheck"]["test"][-1].replace(
                f":{env_port(compose, service)}/", f":{ports[service]}/")
            await wait_until(lambda: probe(url), f"{service} healthy", 120, processes, list(TGPL_SERVICES))

        # an agency sends notices as its own user; a province system's report counts them assigned
        identities = load_identities(secrets / "nats.json")
        agency, province = identities.find(AGENCY, "CA-GL"), identities.find(PROVINCE)
        urls = [f"nats://127.0.0.1:{port}" for port in client_ports]
        nc = await nats.connect(urls, **agency.connect_options())
        try:
            for _ in range(NOTICES):
                notice = harness.make_notice()
                ack = await harness.publish(nc.jetstream(), "tgpl.inbound.referral", notice,
                                            msg_id=harness.msg_id_of(notice))
                assert ack.stream == "TGPL_INBOUND"
        finally:
            await nc.close()
        today = datetime.now(timezone(timedelta(hours=7))).date().isoformat()

        async def all_assigned():
            report = await harness.request_report(urls[1], today, today, connect=province.connect_options())
            totals = report.get("totals", {})
            return report if totals.get("notices_received") == NOTICES and totals.get("cases_assigned") == NOTICES \
                else None

        report = await wait_until(all_assigned, "every notice counted and assigned", 90, processes,
                                  list(TGPL_SERVICES))
        assert report["totals"]["cases_opened"] == NOTICES
        for service in TGPL_SERVICES:  # each service migrated its own database, as its own role
            assert await table_owner(admin_dsn, settings.database_name(service)) == settings.database_name(service)
    finally:
        processes.stop()
        await drop_databases_and_roles(admin_dsn, databases)


def env_port(compose: dict, service: str) -> str:
    return compose[service]["environment"][f"TGPL_{service.upper()}_HTTP_PORT"]


async def assert_each_role_reaches_only_its_database(admin_dsn: str, databases: list[str]) -> None:
    for role in databases:
        for database in databases:
            dsn = make_url(admin_dsn).set(username=role, password=None, database=database)
            if role == database:
                conn = await asyncpg.connect(dsn.render_as_string(hide_password=False))
                assert await conn.fetchval("SELECT has_database_privilege(current_user, current_database(), "
                                           "'CREATE')")
                await conn.close()
            else:
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await asyncpg.connect(dsn.render_as_string(hide_password=False))


async def table_owner(admin_dsn: str, database: str) -> str:
    conn = await asyncpg.connect(make_url(admin_dsn).set(database=database).render_as_string(hide_password=False))
    try:
        owners = await conn.fetch("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert len(owners) == 1, owners
        return owners[0]["tableowner"]
    finally:
        await conn.close()


async def drop_databases_and_roles(admin_dsn: str, names: list[str]) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        await conn.close()
