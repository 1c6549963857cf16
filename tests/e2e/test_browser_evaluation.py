"""Quality evaluation in a real headless browser against the whole system (`tgpl up`): the evaluator
draws the plan and fills an evaluation whose failed criterion raises a corrective action, the
performer reports the correction, and a leader closes it.

Closing a case is intake's `intake.case_closed` event, published here as intake publishes it, with a
closing time in the last evaluation year that has ended: evaluation draws a year's plan only once
the year is over, so a case closed today could not be planned until next November.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import httpx
import pytest

from deploy.local.nats_identities import AGENCY, SERVICE
from services.intake.entrypoints.evaluation_form import evaluation_year
from shared import events as ev
from shared import subjects
from tests import harness
from tests.e2e.conftest import CHROMIUM, log_in, wait_until_up

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium); .ci/run installs it")]

VN = timezone(timedelta(hours=7))
PERFORMER = "TGV-004"  # trogiupvien's roster entry
LEADER = {"username": "lanhdao", "officer_id": "TGV-001", "is_leader": True}
SCORES = {"file_complete": "9", "deadlines_met": "13", "client_meetings": "8", "research_evidence": "12",
          "legal_argument": "17", "proceedings_attended": "12", "result_recorded": "2", "professional_ethics": "5"}


async def closed_case_of_the_performer(ports: dict[str, int], person: str, credentials) -> tuple[str, str]:
    """A referral notice opens a case; if the rule gave it to someone else a leader gives it to the performer
    (assignment's API); the case closes completed in the last ended evaluation year. Its id and number."""
    import nats

    notice = harness.make_notice(person__full_name=person)  # Phường Quy Nhơn: the head office, TGV-004's
    agency = await nats.connect(f"nats://127.0.0.1:{ports['nats']}", **credentials.nats(AGENCY, notice["agency"]["code"]))
    try:
        await harness.publish(agency.jetstream(), subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))
    finally:
        await agency.close()
    nc = await nats.connect(f"nats://127.0.0.1:{ports['nats']}", **credentials.nats(SERVICE, "intake"))  # as intake
    try:
        js = nc.jetstream()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['ui']}") as ui, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['assignment']}") as assignment, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{ports['evaluation']}") as evaluation:
            assert (await harness.log_in(ui, "lanhdao", credentials.password("lanhdao"))).status_code == 303

            async def opened() -> dict | None:
                cases = (await ui.get("/api/cases", params={"q": person})).json()["cases"]
                return cases[0] if cases else None

            case = await harness.eventually(opened, timeout=30, interval=0.3)

            async def decided() -> dict | None:
                response = await assignment.get(f"/api/cases/{case['case_id']}/decision")
                return response.json() if response.status_code == 200 and response.json().get("officer_id") else None

            decision = await harness.eventually(decided, timeout=30, interval=0.3)
            if decision["officer_id"] != PERFORMER:
                given = await assignment.post(f"/api/cases/{case['case_id']}/override", json={
                    "officer_id": PERFORMER, "reason": "Trợ giúp viên đã gặp bị can ở giai đoạn trước", "actor": LEADER})
                assert given.status_code == 200, given.text
            year = evaluation_year(datetime.now(VN).date()) - 1
            closed = ev.CaseClosed(case_id=case["case_id"], outcome="completed", officer_id=PERFORMER,
                                   form="proceedings", field="criminal", result="charge_reduced",
                                   note="Tòa áp dụng tình tiết giảm nhẹ", closed_by="trogiupvien", producer="intake",
                                   occurred_at=datetime(year, 10, 12, 9, 30, tzinfo=VN))
            await js.publish(subjects.subject_of(ev.CaseClosed), closed.model_dump_json().encode(),
                             headers={"Nats-Msg-Id": closed.event_id})

            async def known() -> bool:
                found = (await evaluation.get("/api/cases", params={"officer_id": PERFORMER})).json()
                return any(c["case_id"] == case["case_id"] and c["outcome"] == "completed" for c in found)

            await harness.eventually(known, timeout=30, interval=0.3)
            return case["case_id"], case["register_no"]
    finally:
        await nc.close()


async def test_evaluate_a_case_raise_a_corrective_action_and_close_it(system, browser, credentials):  # noqa: F811
    _, ports, _ = system
    await wait_until_up(ports)
    base = f"http://127.0.0.1:{ports['ui']}"
    case_id, register_no = await closed_case_of_the_performer(ports, "Lương Văn Tín", credentials)
    page = await browser.new_page()

    # The evaluator draws the plan of the last ended year with a chosen seed.
    await log_in(page, base, "danhgia", credentials.password("danhgia"))
    await page.click("header >> text=Đánh giá chất lượng")
    assert "Lập kế hoạch năm" in await page.inner_text("main")
    await page.fill("#seed", "20261127")
    await page.click("form[action='/evaluation/plans'] button[type=submit]")
    main = await page.inner_text("main")
    assert "Đã lập kế hoạch đánh giá." in main and "20261127" in main
    row = page.locator(f"tr#vv-{case_id}")
    assert register_no in await row.inner_text() and "Nguyễn Kim Yến" in await row.inner_text()
    assert "Mẫu ngẫu nhiên" in await row.inner_text()

    # ... opens the evaluation by appraisal of the case file and scores it; one criterion fails.
    await row.locator("select[name=method]").select_option("appraisal")
    await row.locator("button[type=submit]").click()
    assert f"Phiếu đánh giá vụ việc {register_no}" in await page.inner_text("h1")
    for code, score in SCORES.items():
        await page.fill(f"input[name='score:{code}']", score)
    await page.fill("textarea[name='note:result_recorded']", "Hồ sơ lưu thiếu biên bản giao nhận")
    await page.select_option("#successful", "yes")
    await page.select_option("#effective", "yes")
    await page.click("button[value=finalize]")
    main = await page.inner_text("main")
    assert "các tiêu chí sau không đạt" in main and "Kết quả vụ việc được ghi nhận" in main
    assert await page.input_value("input[name='score:result_recorded']") == "2"  # kept

    # ... raises a corrective action on it and finalises.
    await page.check("input[name='raise:result_recorded']")
    assert await page.input_value("input[name='owner:result_recorded']") == PERFORMER
    await page.fill("textarea[name='evidence:result_recorded']", "Biên bản giao nhận hồ sơ lưu trữ có chữ ký")
    await page.click("button[value=finalize]")
    main = await page.inner_text("main")
    assert "Đã hoàn thành đánh giá." in main and "Xếp loại: Đạt chất lượng" in main
    assert "Biên bản giao nhận hồ sơ lưu trữ có chữ ký" in main
    await page.click("text=Đăng xuất")

    # The performer reports what was done.
    await log_in(page, base, "trogiupvien", credentials.password("trogiupvien"))
    await page.click("header >> text=Biện pháp khắc phục")
    action = page.locator("tr", has_text=register_no)
    assert "Đang khắc phục" in await action.inner_text()
    await action.locator("textarea[name=text]").fill("Đã bổ sung biên bản giao nhận có chữ ký vào hồ sơ lưu trữ")
    await action.locator("form[action$='/evidence'] button[type=submit]").click()
    assert "Đã gửi báo cáo khắc phục" in await page.inner_text("main")
    assert "Đã báo cáo khắc phục, chờ xác nhận" in await page.locator("tr", has_text=register_no).inner_text()
    await page.click("text=Đăng xuất")

    # A leader verifies it and closes it.
    await log_in(page, base, "lanhdao", credentials.password("lanhdao"))
    await page.goto(f"{base}/evaluation/actions?status=submitted")
    action = page.locator("tr", has_text=register_no)
    assert "Đã bổ sung biên bản giao nhận có chữ ký" in await action.inner_text()
    await action.locator("form[action$='/close'] textarea[name=note]").fill("Đã kiểm tra hồ sơ lưu trữ, đạt yêu cầu")
    await action.locator("form[action$='/close'] button[type=submit]").click()
    assert "Đã đóng biện pháp khắc phục." in await page.inner_text("main")
    await page.goto(f"{base}/evaluation/actions?status=closed")
    assert "Đã đóng" in await page.locator("tr", has_text=register_no).inner_text()
