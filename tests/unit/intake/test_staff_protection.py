"""Login throttling per account and per address; masked national ID numbers."""

from datetime import datetime, timedelta, timezone

from services.intake.domain.throttle import LoginThrottle

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def test_five_failures_lock_the_account_for_the_window_then_it_opens_again():
    throttle = LoginThrottle(max_failures=5, window=timedelta(minutes=15))
    for minute in range(4):
        throttle.failed("lanhdao", "10.0.0.1", T0 + timedelta(minutes=minute))
        assert throttle.locked_until("lanhdao", "10.0.0.1", T0 + timedelta(minutes=minute)) is None
    throttle.failed("LanhDao", "10.0.0.1", T0 + timedelta(minutes=4))  # names compare without case
    assert throttle.locked_until("lanhdao", "10.0.0.9", T0 + timedelta(minutes=5)) == T0 + timedelta(minutes=15)
    assert throttle.locked_until("lanhdao", "10.0.0.9", T0 + timedelta(minutes=15)) is None  # the first aged out


def test_an_address_may_fail_more_often_before_it_is_locked_for_every_account():
    throttle = LoginThrottle(max_failures=2, address_factor=3)
    for name in ("a", "b", "c", "d", "e"):
        throttle.failed(name, "1.1.1.1", T0)
    assert throttle.locked_until("f", "1.1.1.1", T0) is None  # 5 failures, the address allows 6
    throttle.failed("g", "1.1.1.1", T0)
    assert throttle.locked_until("f", "1.1.1.1", T0) is not None
    assert throttle.locked_until("f", "2.2.2.2", T0) is None


def test_a_success_clears_the_account_but_not_the_address():
    throttle = LoginThrottle(max_failures=1, address_factor=1)
    throttle.failed("a", "1", T0)
    throttle.succeeded("A")
    assert throttle.locked_until("a", "2", T0) is None
    assert throttle.locked_until("b", "1", T0) is not None


def test_a_national_id_is_masked_but_for_its_last_three_digits():
    from services.intake.domain.staff import mask_national_id

    assert mask_national_id("052150009876") == "•••••••••876"
    assert mask_national_id("12345") == "•••••"
    assert mask_national_id(None) is None and mask_national_id("") == ""
