"""What `tgpl status` shows of a broker URL and whose a consumer is."""

from deploy.status import owner_of, without_credentials


def test_a_broker_url_is_shown_without_its_user_and_password():
    assert without_credentials("nats://tgpl-operator:s3cret@10.0.0.5:4222") == "nats://10.0.0.5:4222"
    assert without_credentials("nats://a:b@n1:4222, nats://[::1]:4223,tls://n3") == \
        "nats://n1:4222,nats://[::1]:4223,tls://n3"


def test_a_consumer_belongs_to_the_service_its_durable_name_starts_with():
    assert owner_of("reporting-intake-events-v2") == "reporting"
    assert owner_of("intake-referrals-v1") == "intake"
    assert owner_of("province-STP-GL") is None and owner_of("intakes-v1") is None
