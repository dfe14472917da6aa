"""PORTAL_OIDC_*: OpenID Connect sign-in is all or nothing, over HTTPS, with defaults for
the claims and the button's name."""

import pytest

from kombo_portal.config import Settings, SettingsError
from kombo_portal.logs import secret_values_of

OIDC = {
    "PORTAL_OIDC_ISSUER": "https://id.acme.example/",
    "PORTAL_OIDC_CLIENT_ID": "kombo-portal",
    "PORTAL_OIDC_CLIENT_SECRET": "the-client-secret-0123456789",
}


def settings(**variables: str) -> Settings:
    return Settings.from_environment(variables, env_file=None)


def test_off_unless_the_issuer_is_set():
    oidc = settings().oidc

    assert oidc.enabled is False
    assert oidc.name == "your company account"


def test_set_up_it_has_sensible_defaults():
    oidc = settings(**OIDC).oidc

    assert oidc.enabled is True
    assert oidc.issuer == "https://id.acme.example/", "kept exactly: it is compared with iss"
    assert oidc.discovery_url == "https://id.acme.example/.well-known/openid-configuration"
    assert (oidc.org_id_claim, oidc.org_name_claim, oidc.role_claim) == (
        "org_id",
        "org_name",
        "role",
    )
    assert oidc.scopes == "openid email profile"
    assert "the-client-secret" not in repr(oidc)


def test_the_claims_scopes_and_name_can_be_chosen():
    oidc = settings(
        **OIDC,
        PORTAL_OIDC_ORG_ID_CLAIM=" https://acme.example/org_id ",
        PORTAL_OIDC_ORG_NAME_CLAIM="company",
        PORTAL_OIDC_ROLE_CLAIM="groups",
        PORTAL_OIDC_SCOPES="openid  email profile organization",
        PORTAL_OIDC_NAME="Acme ID",
    ).oidc

    assert oidc.org_id_claim == "https://acme.example/org_id"
    assert (oidc.org_name_claim, oidc.role_claim, oidc.name) == ("company", "groups", "Acme ID")
    assert oidc.scopes == "openid email profile organization"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_CLIENT_ID: required when PORTAL_OIDC_ISSUER"),
        ("PORTAL_OIDC_CLIENT_SECRET", "PORTAL_OIDC_CLIENT_SECRET: required when"),
        ("PORTAL_OIDC_ISSUER", "PORTAL_OIDC_ISSUER: required when PORTAL_OIDC_CLIENT_ID"),
    ],
)
def test_a_half_done_set_up_stops_the_start_naming_what_is_missing(missing, named):
    given = {name: value for name, value in OIDC.items() if name != missing}

    with pytest.raises(SettingsError, match=f"^{named}"):
        settings(**given)


@pytest.mark.parametrize(
    "issuer",
    ["http://id.acme.example", "ftp://id.acme.example", "id.acme.example", "https://id?x=1"],
)
def test_the_issuer_must_be_https(issuer):
    with pytest.raises(SettingsError, match=r"^PORTAL_OIDC_ISSUER: "):
        settings(**OIDC | {"PORTAL_OIDC_ISSUER": issuer})


@pytest.mark.parametrize(
    "issuer", ["http://localhost:8080", "http://127.0.0.1:9000/realms/x", "http://[::1]:9000"]
)
def test_plain_http_is_allowed_on_this_machine(issuer):
    assert settings(**OIDC | {"PORTAL_OIDC_ISSUER": issuer}).oidc.issuer == issuer


def test_scopes_must_ask_for_openid():
    with pytest.raises(SettingsError, match=r"^PORTAL_OIDC_SCOPES: must include openid"):
        settings(**OIDC, PORTAL_OIDC_SCOPES="email profile")


def test_the_client_secret_never_reaches_a_log_line():
    assert OIDC["PORTAL_OIDC_CLIENT_SECRET"] in secret_values_of(settings(**OIDC))


def test_openid_connect_is_a_way_in_when_passwords_are_off():
    real = {
        "KOMBO_API_KEY": "ks_prod_abcdef",
        "KOMBO_WEBHOOK_SECRET": "whsec_real",
        "PORTAL_SECRET_KEY": "k" * 40,
        "PORTAL_HOST_SIGN_IN_URL": "https://app.test/login",
        "PORTAL_PASSWORD_SIGN_IN": "0",
    }

    assert settings(**real, **OIDC).sign_in.password is False
    with pytest.raises(SettingsError, match=r"^PORTAL_PASSWORD_SIGN_IN: .* PORTAL_OIDC_ISSUER"):
        settings(**real)
