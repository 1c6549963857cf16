"""How `tgpl republish --since/--until` reads a moment: local unless it says otherwise."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from deploy.republish import parse_moment

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=VN)


def test_a_date_is_local_midnight():
    assert parse_moment("2026-11-28", VN, NOW) == datetime(2026, 11, 28, 0, 0, tzinfo=VN)
    assert parse_moment("2026-11-28", VN, NOW).astimezone(timezone.utc).hour == 17  # the day before, in UTC


def test_a_time_without_offset_is_local_and_an_offset_is_kept():
    assert parse_moment("2026-11-28T08:30", VN, NOW) == datetime(2026, 11, 28, 8, 30, tzinfo=VN)
    assert parse_moment("2026-11-28T08:30+00:00", VN, NOW) == datetime(2026, 11, 28, 8, 30, tzinfo=timezone.utc)


def test_a_span_counts_back_from_now():
    assert parse_moment("90m", VN, NOW) == NOW - timedelta(minutes=90)
    assert parse_moment("12h", VN, NOW) == NOW - timedelta(hours=12)
    assert parse_moment("7d", VN, NOW) == NOW - timedelta(days=7)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "7w", ""])
def test_anything_else_is_refused_with_examples(text):
    with pytest.raises(ValueError, match="e.g. 2026-11-30"):
        parse_moment(text, VN, NOW)
