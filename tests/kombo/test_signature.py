import pytest

from kombo_portal.kombo.signature import sign_webhook, verify_webhook_signature

# Test vectors from Kombo's documentation, checked independently of this code.
VECTORS = [
    (
        "whsec_test_123",
        b'{"id":"evt_1","type":"integration-created"}',
        "pJRUclmjYrEGZYAiJH_mhlCINQA6efLMQXW1Ei3KggE",
    ),
    (
        "another-secret",
        b'{\n  "id": "evt_2",\n  "type": "integration-deleted",\n  "data": {}\n}',
        "ppeWp4E5vQvCtqDgs3Lg-7t2rM0ojNawdkacWYMz3fU",
    ),
]


@pytest.mark.parametrize(("secret", "body", "signature"), VECTORS)
def test_signing_matches_kombos_test_vectors(secret, body, signature):
    assert sign_webhook(secret, body) == signature


@pytest.mark.parametrize(("secret", "body", "signature"), VECTORS)
def test_verification_accepts_the_test_vectors(secret, body, signature):
    assert verify_webhook_signature([secret], body, signature)


def test_a_previous_secret_is_accepted_during_rotation():
    secret, body, signature = VECTORS[0]

    assert verify_webhook_signature(["the-new-secret", secret], body, signature)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "pJRUclmjYrEGZYAiJH_mhlCINQA6efLMQXW1Ei3KggF",  # last character changed
        "pJRUclmjYrEGZYAiJH_mhlCINQA6efLMQXW1Ei3KggE=",  # padded
        "a49451725a3628",  # hex of something
        "pJRUclmjYrEGZYAiJH/mhlCINQA6efLMQXW1Ei3KggE",  # standard, not url-safe, base64
        "ünïcode",
    ],
)
def test_wrong_or_missing_signatures_are_refused(signature):
    secret, body, _ = VECTORS[0]

    assert not verify_webhook_signature([secret], body, signature)


def test_a_re_serialised_body_does_not_verify():
    secret, body, signature = VECTORS[1]

    assert not verify_webhook_signature([secret], body.replace(b"\n  ", b""), signature)


def test_no_secrets_verify_nothing():
    _, body, signature = VECTORS[0]

    assert not verify_webhook_signature([], body, signature)
