"""The idempotency key of a message sent without `Nats-Msg-Id`."""

from services.runtime.consumers import message_key_without_id


def test_a_message_without_id_is_known_by_its_place_and_its_body():
    key = message_key_without_id("TGPL_INBOUND", 1, b'{"a": 1}')
    assert key == message_key_without_id("TGPL_INBOUND", 1, b'{"a": 1}')
    # Two copies at two places are two messages, as before...
    assert key != message_key_without_id("TGPL_INBOUND", 2, b'{"a": 1}')
    # ...and a stream declared again after the broker lost its store numbers from 1 again: another
    # message at an old number is not the old message.
    assert key != message_key_without_id("TGPL_INBOUND", 1, b'{"a": 2}')
    assert len(message_key_without_id("TGPL_INBOUND", 10**18, b"x" * 1_000_000)) <= 300  # fits the ledger
