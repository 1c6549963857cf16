"""The staff UI in a real headless browser: Playwright driving Debian's chromium.

Never a downloaded browser: `executable_path` points at the machine's chromium (`.ci/run`
installs it). Without it these tests skip and say why.
"""

import pytest

from deploy.local.nats_identities import AGENCY
from shared import subjects
from tests import harness
from tests.e2e.conftest import CHROMIUM, log_in, wait_until_up

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); .ci/run installs it")]


async def test_log_in_see_the_inbox_and_a_notice_assigned(system, browser, credentials):
    _, ports, _ = system
    await wait_until_up(ports)
    base = f"http://127.0.0.1:{ports['ui']}"
    page = await browser.new_page()

    await log_in(page, base, "tiepnhan", "sai-mat-khau")
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in await page.inner_text("main")
    await log_in(page, base, "tiepnhan", credentials.password("tiepnhan"))
    assert await page.inner_text("h1") == "Việc cần làm"

    import nats

    notice = harness.make_notice(person__full_name="Trần Văn Bình", person__commune_code="21853")
    nc = await nats.connect(f"nats://127.0.0.1:{ports['nats']}", **credentials.nats(AGENCY, notice["agency"]["code"]))
    await harness.publish(nc.jetstream(), subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    await nc.close()

    async def assigned() -> bool:
        await page.goto(f"{base}/cases")
        row = page.locator("tr", has_text="Trần Văn Bình")
        return await row.count() == 1 and "Chưa phân công" not in await row.inner_text()

    await harness.eventually(assigned, timeout=30, interval=0.5)
    await page.click("text=Trần Văn Bình >> xpath=ancestor::tr//a")
    assert "Phân công người thực hiện" in await page.inner_text("main")
    await page.click("text=Đăng xuất")
    assert page.url.startswith(f"{base}/login")


async def register_request(page, base: str, full_name: str) -> None:
    """Fill the walk-in request form for a person of a poor household, with every paper."""
    await page.goto(f"{base}/requests/new")
    await page.select_option("#channel", "walk_in")
    await page.fill("#full_name", full_name)
    await page.fill("#birth_date", "12/03/1980")
    await page.select_option("#gender", "female")
    await page.fill("#commune_code", "21910")
    await page.select_option("#field", "civil")
    await page.select_option("#form", "proceedings")
    await page.fill("#summary", "Tranh chấp hợp đồng vay tài sản")
    await page.check("input[name=claimed_groups][value=poor_household]")
    await page.check("input[name=documents][value=request_form]")
    await page.check("input[name=documents][value=poor_household_certificate]")
    await page.click("form[action='/requests'] button[type=submit]")


async def test_register_accept_see_assigned_and_refuse_another(system, browser, credentials):
    _, ports, _ = system
    await wait_until_up(ports)
    base = f"http://127.0.0.1:{ports['ui']}"
    page = await browser.new_page()
    await log_in(page, base, "tiepnhan", credentials.password("tiepnhan"))

    # A form with a mistake says which field and keeps what was typed.
    await page.goto(f"{base}/requests/new")
    await page.fill("#full_name", "Phạm Thị Thu")
    await page.fill("#national_id", "123")
    await page.click("form[action='/requests'] button[type=submit]")
    assert await page.input_value("#full_name") == "Phạm Thị Thu"
    assert "CCCD" in await page.inner_text("main") or "12 chữ số" in await page.inner_text("main")

    await register_request(page, base, "Phạm Thị Thu")
    assert "Phạm Thị Thu" in await page.inner_text("main")
    await page.click("form[action$='/accept'] button[type=submit]")

    async def assigned() -> bool:
        await page.goto(f"{base}/cases")
        row = page.locator("tr", has_text="Phạm Thị Thu")
        return await row.count() == 1 and "Chưa phân công" not in await row.inner_text()

    await harness.eventually(assigned, timeout=30, interval=0.5)

    await register_request(page, base, "Võ Văn Tài")
    await page.select_option("#ground", "d")
    await page.fill("#reason", "Vụ việc đã được Đoàn luật sư tỉnh thụ lý trợ giúp.")
    await page.click("form[action$='/refuse'] button[type=submit]")
    request_url = page.url.split("?")[0].removesuffix("/refusal")
    await page.goto(f"{request_url}/refusal")
    letter = await page.inner_text("body")
    assert "Võ Văn Tài" in letter and "Đoàn luật sư tỉnh" in letter
