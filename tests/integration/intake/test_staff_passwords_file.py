"""Staff accounts from users.json get their first password from the file `tgpl up` generates
(`TGPL_INTAKE_STAFF_PASSWORDS_FILE`), never from the reference data; one without a password there is
not created."""

import json
import shutil

import pytest
import sqlalchemy as sa

from services.intake.adapters import tables
from services.intake.bootstrap import MIGRATIONS, build
from services.intake.config import IntakeSettings
from services.intake.entrypoints.web import build_web
from services.runtime.migrate import upgrade_to_head
from tests import harness

pytestmark = pytest.mark.integration


async def test_accounts_get_the_generated_password_and_none_is_made_without_one(database_url, tmp_path):
    reference = harness.reference_dir_without_staff(tmp_path)
    shutil.copy(harness.DEMO_DATA / "users.json", reference / "users.json")
    passwords = tmp_path / "staff.json"
    passwords.write_text(json.dumps({"passwords": {"tiepnhan": "mat-khau-sinh-ra-1", "lanhdao": "mat-khau-sinh-ra-2"}}))
    settings = IntakeSettings(database_url=await database_url("intake"), data_dir=tmp_path, reference_dir=reference,
                              staff_passwords_file=passwords)
    host = build(settings)
    try:
        await upgrade_to_head(host.engine, MIGRATIONS)
        for hook in host.on_start:  # loads the reference data; nothing here needs NATS
            await hook()
        async with harness.http_client(build_web(host.engine, settings)) as client:
            assert (await harness.log_in(client, "tiepnhan", "mat-khau-sinh-ra-1")).status_code == 303
        async with harness.http_client(build_web(host.engine, settings)) as client:
            assert (await harness.log_in(client, "lanhdao", "mat-khau-sinh-ra-1")).status_code == 401
            assert (await harness.log_in(client, "lanhdao", "mat-khau-sinh-ra-2")).status_code == 303
        async with host.engine.connect() as conn:  # the others have no password in the file: no account
            made = (await conn.execute(sa.select(tables.staff_users.c.username))).scalars().all()
        assert sorted(made) == ["lanhdao", "tiepnhan"]
    finally:
        await host.engine.dispose()
