"""`tgpl up`'s generated secrets: written at first start into the data dir (owner-only), printed
once, reused by later starts; its embedded nats-server admits only the generated identities."""

from __future__ import annotations

import io
import json
import shutil
import stat

import nats
import pytest

from deploy.local.credentials import credentials_dir, load_identities, nats_credentials_file, staff_passwords_file
from deploy.local.nats_identities import AGENCY, OPERATOR, PROVINCE, SERVICE, province_consumer_name
from deploy.local.nats_server import free_port
from deploy.local.supervisor import DEMO_DATA, Layout, Supervisor
from shared import subjects

pytestmark = pytest.mark.integration


def layout(data_dir, *, reference_dir=DEMO_DATA, nats_url=None) -> Layout:
    return Layout(data_dir=data_dir, nats_url=nats_url, nats_port=free_port(),
                  ports={s: free_port() for s in ("intake", "assignment", "evaluation", "reporting")},
                  demo=True, reference_dir=reference_dir)


def first_start(data_dir, **options) -> tuple[Supervisor, str]:
    out = io.StringIO()
    supervisor = Supervisor(layout(data_dir, **options), out=out)
    supervisor.prepare_credentials()
    return supervisor, out.getvalue()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_first_start_writes_owner_only_credentials_and_prints_the_staff_logins(tmp_path):
    _, printed = first_start(tmp_path)
    assert mode(credentials_dir(tmp_path)) == 0o700
    assert mode(nats_credentials_file(tmp_path)) == 0o600 and mode(staff_passwords_file(tmp_path)) == 0o600
    staff = json.loads(staff_passwords_file(tmp_path).read_text())["passwords"]
    users = [u["username"] for u in json.loads((DEMO_DATA / "users.json").read_text())["users"]]
    assert sorted(staff) == sorted(users) and len(set(staff.values())) == len(users)
    for username, password in staff.items():
        assert username in printed and password in printed
    identities = load_identities(nats_credentials_file(tmp_path))
    agencies = [a["code"] for a in json.loads((DEMO_DATA / "agencies.json").read_text())["agencies"]]
    assert sorted(i.code for i in identities.of_role(AGENCY)) == sorted(agencies)
    assert {i.code for i in identities.of_role(SERVICE)} == {"intake", "assignment", "evaluation", "reporting"}
    assert identities.find(OPERATOR) and identities.of_role(PROVINCE)
    assert len({i.password for i in identities.identities}) == len(identities.identities)
    for identity in identities.identities:  # NATS passwords are not printed, only where they are
        assert identity.password not in printed
    assert str(nats_credentials_file(tmp_path)) in printed


def test_a_second_start_reuses_the_credentials_and_prints_no_password(tmp_path):
    first_start(tmp_path)
    before = {path: path.read_bytes() for path in (nats_credentials_file(tmp_path), staff_passwords_file(tmp_path))}
    supervisor, printed = first_start(tmp_path)
    assert {path: path.read_bytes() for path in before} == before
    for password in json.loads(staff_passwords_file(tmp_path).read_text())["passwords"].values():
        assert password not in printed
    assert str(credentials_dir(tmp_path)) in printed
    assert supervisor.identities.find(SERVICE, "intake").password == \
        load_identities(nats_credentials_file(tmp_path)).find(SERVICE, "intake").password


def test_a_new_agency_gets_an_identity_and_the_others_keep_theirs(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(DEMO_DATA, reference)
    first_start(tmp_path / "var", reference_dir=reference)
    before = load_identities(nats_credentials_file(tmp_path / "var"))
    data = json.loads((reference / "agencies.json").read_text())
    data["agencies"].append({"code": "CA-NEW", "kind": "police", "name": "Công an mới"})
    data["agencies"].append({"code": "CA MỚI.*", "kind": "police", "name": "Mã không dùng được"})
    (reference / "agencies.json").write_text(json.dumps(data, ensure_ascii=False))
    supervisor, printed = first_start(tmp_path / "var", reference_dir=reference)
    after = load_identities(nats_credentials_file(tmp_path / "var"))
    assert after.find(AGENCY, "CA-NEW") is not None
    assert "'CA MỚI.*' cannot name a NATS user" in printed
    for identity in before.identities:
        assert after.find(identity.role, identity.code) == identity


def test_with_an_outside_nats_server_no_nats_credentials_are_made(tmp_path):
    supervisor, _ = first_start(tmp_path, nats_url="nats://127.0.0.1:4222")
    assert not nats_credentials_file(tmp_path).exists() and staff_passwords_file(tmp_path).exists()
    assert supervisor.identities.identities == []


async def test_the_embedded_server_admits_only_the_generated_identities(tmp_path):
    supervisor, _ = first_start(tmp_path)
    try:
        await supervisor.start_nats()
        assert mode(tmp_path / "nats" / "nats-server.conf") == 0o600
        with pytest.raises(Exception, match="Authorization Violation"):
            await nats.connect(supervisor.nats_url, allow_reconnect=False, max_reconnect_attempts=0)
        province = supervisor.identities.find(PROVINCE)
        nc = await nats.connect(supervisor.nats_url, **province.connect_options())
        try:  # the launcher declared the streams and each province system's consumer
            info = await nc.jetstream().consumer_info(subjects.REPORTS_STREAM.name, province_consumer_name(province))
            assert info.name == province_consumer_name(province)
        finally:
            await nc.close()
        env = supervisor.layout.service_env("intake", supervisor.nats_url,
                                            supervisor.identities.find(SERVICE, "intake"), supervisor.staff_passwords)
        assert env["TGPL_NATS_USER"] == "tgpl-intake"
        assert env["TGPL_INTAKE_STAFF_PASSWORDS_FILE"] == str(staff_passwords_file(tmp_path))
        nc = await nats.connect(supervisor.nats_url, user=env["TGPL_NATS_USER"], password=env["TGPL_NATS_PASSWORD"],
                                inbox_prefix=f"_INBOX.{env['TGPL_NATS_USER']}")
        await nc.close()
    finally:
        await supervisor.stop()
