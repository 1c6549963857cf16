"""The committed contract documents match what the code generates."""

from pathlib import Path

from deploy.contracts import rendered_contracts, stale_contracts

DOCS = Path(__file__).resolve().parents[3] / "docs" / "contracts"


def test_committed_contract_files_are_up_to_date():
    stale = stale_contracts(DOCS)
    assert stale == [], f"stale contract files {stale}: run `tgpl contracts export` and commit"


def test_every_external_message_and_service_is_documented():
    documents = rendered_contracts()
    for name in ("ReferralNotice", "NoticeRejection", "ReportRequest", "Report"):
        assert f"schemas/external/{name}.json" in documents
    for service in ("intake", "assignment", "evaluation", "reporting"):
        assert f"asyncapi/{service}.json" in documents
    assert '"tgpl.inbound.referral"' in documents["asyncapi/intake.json"]
    assert '"tgpl.reports.request"' in documents["asyncapi/reporting.json"]


def test_a_changed_file_is_reported_stale(tmp_path):
    for relative, content in rendered_contracts().items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(content, encoding="utf-8")
    assert stale_contracts(tmp_path) == []
    (tmp_path / "schemas/external/Report.json").write_text("{}", encoding="utf-8")
    assert stale_contracts(tmp_path) == ["schemas/external/Report.json"]
