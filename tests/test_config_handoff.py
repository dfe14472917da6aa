"""The hand-off's key settings: exactly one of a secret, a public key (PEM) or a JWKS
URL, each checked at start, so a mistake stops the app naming the variable."""

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from kombo_portal.config import Settings, SettingsError

ISSUER = {"PORTAL_HANDOFF_ISSUER": "https://app.product.test"}
SECRET = "a-hand-off-secret-of-at-least-32-characters"
JWKS_URL = "https://app.product.test/.well-known/jwks.json"


def public_pem(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


RSA_PEM = public_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))
EC_PEM = public_pem(ec.generate_private_key(ec.SECP256R1()))
P384_PEM = public_pem(ec.generate_private_key(ec.SECP384R1()))
# Breakable on purpose: the settings must refuse it.
SHORT_RSA_PEM = public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505
PRIVATE_PEM = (
    ec.generate_private_key(ec.SECP256R1())
    .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    .decode()
)


def settings_from(environ: dict[str, str]) -> Settings:
    return Settings.from_environment(environ, env_file=None)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORTAL_HANDOFF_PUBLIC_KEY", RSA_PEM),
        ("PORTAL_HANDOFF_PUBLIC_KEY", EC_PEM),
        # One line, as platforms that take no multi-line variables hold it.
        ("PORTAL_HANDOFF_PUBLIC_KEY", EC_PEM.strip().replace("\n", "\\n")),
        ("PORTAL_HANDOFF_JWKS_URL", JWKS_URL),
        ("PORTAL_HANDOFF_JWKS_URL", "http://localhost:8080/jwks.json"),
        ("PORTAL_HANDOFF_JWKS_URL", "http://127.0.0.1/jwks.json"),
    ],
)
def test_a_public_key_or_a_jwks_url_turns_the_hand_off_on(variable, value):
    handoff = settings_from({**ISSUER, variable: value}).handoff

    assert handoff.enabled
    assert handoff.key_variable == variable
    assert handoff.secret is None, "sandbox mode's published secret is not added to it"


def test_a_pem_key_in_the_env_file_may_span_lines(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f'PORTAL_HANDOFF_ISSUER=https://app.product.test\nPORTAL_HANDOFF_PUBLIC_KEY="{RSA_PEM}"\n'
    )

    handoff = Settings.from_environment({}, env_file=env_file).handoff

    assert handoff.key_variable == "PORTAL_HANDOFF_PUBLIC_KEY"


def test_the_public_key_stays_out_of_the_repr():
    settings = settings_from({**ISSUER, "PORTAL_HANDOFF_PUBLIC_KEY": RSA_PEM})
    body = RSA_PEM.splitlines()[1]

    assert body not in repr(settings)


ONE_OF_THREE = (
    "set only one of PORTAL_HANDOFF_SECRET, PORTAL_HANDOFF_PUBLIC_KEY, PORTAL_HANDOFF_JWKS_URL"
)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        (
            {"PORTAL_HANDOFF_SECRET": SECRET, "PORTAL_HANDOFF_PUBLIC_KEY": RSA_PEM},
            f"PORTAL_HANDOFF_PUBLIC_KEY: {ONE_OF_THREE}",
        ),
        (
            {"PORTAL_HANDOFF_SECRET": SECRET, "PORTAL_HANDOFF_JWKS_URL": JWKS_URL},
            f"PORTAL_HANDOFF_JWKS_URL: {ONE_OF_THREE}",
        ),
        (
            {"PORTAL_HANDOFF_PUBLIC_KEY": EC_PEM, "PORTAL_HANDOFF_JWKS_URL": JWKS_URL},
            f"PORTAL_HANDOFF_JWKS_URL: {ONE_OF_THREE}",
        ),
        (
            {"PORTAL_HANDOFF_PUBLIC_KEY": "ssh-rsa AAAAB3NzaC1yc2E= ada@laptop"},
            "PORTAL_HANDOFF_PUBLIC_KEY: not a PEM public key",
        ),
        (
            # Cut short while pasting.
            {"PORTAL_HANDOFF_PUBLIC_KEY": "\n".join(RSA_PEM.splitlines()[:-3])},
            "PORTAL_HANDOFF_PUBLIC_KEY: not a PEM public key",
        ),
        (
            # The private key pasted where the public one belongs.
            {"PORTAL_HANDOFF_PUBLIC_KEY": PRIVATE_PEM},
            "PORTAL_HANDOFF_PUBLIC_KEY: not a PEM public key",
        ),
        (
            {"PORTAL_HANDOFF_PUBLIC_KEY": P384_PEM},
            "PORTAL_HANDOFF_PUBLIC_KEY: must be an RSA key (RS256) or an EC key on P-256",
        ),
        (
            {"PORTAL_HANDOFF_PUBLIC_KEY": SHORT_RSA_PEM},
            "PORTAL_HANDOFF_PUBLIC_KEY: an RSA key of 1024 bits (at least 2048)",
        ),
        (
            {"PORTAL_HANDOFF_JWKS_URL": "http://app.product.test/.well-known/jwks.json"},
            "PORTAL_HANDOFF_JWKS_URL: must start with https:// (http:// only for localhost",
        ),
        (
            {"PORTAL_HANDOFF_JWKS_URL": "http://localhost.evil.test/jwks.json"},
            "PORTAL_HANDOFF_JWKS_URL: must start with https://",
        ),
        (
            {"PORTAL_HANDOFF_JWKS_URL": "file:///etc/jwks.json"},
            "PORTAL_HANDOFF_JWKS_URL: not a URL like https://",
        ),
        (
            {"PORTAL_HANDOFF_JWKS_URL": "app.product.test/jwks.json"},
            "PORTAL_HANDOFF_JWKS_URL: not a URL like https://",
        ),
    ],
    ids=[
        "secret_and_public_key",
        "secret_and_jwks",
        "public_key_and_jwks",
        "not_pem",
        "truncated_pem",
        "private_key",
        "p384_key",
        "short_rsa_key",
        "jwks_over_http",
        "jwks_http_lookalike_host",
        "jwks_file_url",
        "jwks_no_scheme",
    ],
)
def test_an_unusable_key_setting_stops_the_app_naming_the_variable(environ, expected):
    with pytest.raises(SettingsError) as error:
        settings_from({**ISSUER, **environ})

    message = str(error.value)
    assert message.startswith(expected), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("variable", "value"),
    [("PORTAL_HANDOFF_PUBLIC_KEY", EC_PEM), ("PORTAL_HANDOFF_JWKS_URL", JWKS_URL)],
)
def test_a_public_key_or_jwks_needs_the_issuer(variable, value):
    with pytest.raises(SettingsError, match=f"^PORTAL_HANDOFF_ISSUER: required when {variable}"):
        settings_from({variable: value})
