"""Every NATS password tgpl generates survives nats-server's reading of a `$VARIABLE` reference (the
deployment configuration takes each password from the environment, and nats-server parses the
value: one starting with `-` or a digit failed to parse, or became a number)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess

import nats
import pytest

from deploy.deployment_secrets import DeploymentSecrets, UnusablePasswords, generate
from deploy.local.credentials import new_password, usable_in_nats_config
from deploy.local.nats_server import free_port, nats_server_binary

pytestmark = pytest.mark.integration

USERS = 300


async def test_generated_passwords_are_read_back_unchanged_from_the_environment(tmp_path):
    passwords = [new_password() for _ in range(USERS)]
    assert all(usable_in_nats_config(password) for password in passwords)
    users = "\n".join(f'    {{ user: "u{i}", password: $TGPL_T_PW_{i} }}' for i in range(USERS))
    config = tmp_path / "nats.conf"
    port = free_port()
    config.write_text(f'listen: "127.0.0.1:{port}"\nauthorization {{\n  users = [\n{users}\n  ]\n}}\n')
    env = {**os.environ, **{f"TGPL_T_PW_{i}": password for i, password in enumerate(passwords)}}
    process = subprocess.Popen([str(nats_server_binary()), "-c", str(config)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        for attempt in range(100):
            try:
                nc = await nats.connect(f"nats://127.0.0.1:{port}", user="u0", password=passwords[0],
                                        allow_reconnect=False, connect_timeout=1)
                await nc.close()
                break
            except Exception:
                assert process.poll() is None, process.stderr.read().decode()
                if attempt == 99:
                    raise
                await asyncio.sleep(0.1)
        for i, password in enumerate(passwords):  # each user with its own password, exactly
            nc = await nats.connect(f"nats://127.0.0.1:{port}", user=f"u{i}", password=password,
                                    allow_reconnect=False, connect_timeout=2)
            await nc.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_deploy_secrets_refuses_a_credentials_file_with_passwords_nats_cannot_carry(tmp_path):
    settings = DeploymentSecrets(out=tmp_path)
    generate(settings)
    path = settings.secrets / "nats.json"
    data = json.loads(path.read_text())
    data["identities"][1]["password"] = "-" + data["identities"][1]["password"]  # what token_urlsafe once made
    path.write_text(json.dumps(data))
    with pytest.raises(UnusablePasswords, match=data["identities"][1]["user"]):
        generate(settings)
