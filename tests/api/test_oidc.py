"""GET /auth/oidc/start and /auth/oidc/callback: signing in through the host's OpenID
provider, against a real one running here (harness.oidc_provider, authlib's server)."""

import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import OctKey, RSAKey
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from harness.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider
from kombo_portal.api.oidc import OIDC_COOKIE, oidc_routes
from kombo_portal.config import Settings
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.db.models import Organisation, UsedHandoff, User, UserSession
from kombo_portal.db.transaction import transaction
from kombo_portal.records.sessions import resolve_session

ADA = {
    "email": "Ada@Acme.test",
    "name": "Ada Lovelace",
    "org_id": "org-42",
    "org_name": "Acme Inc.",
    "role": "admin",
}


@pytest.fixture
def provider():
    with running_provider() as provider:
        provider.add_user("ada", **ADA)
        yield provider


def settings_for(provider, **changes) -> Settings:
    return Settings.from_environment(
        {
            "PORTAL_OIDC_ISSUER": provider.issuer,
            "PORTAL_OIDC_CLIENT_ID": CLIENT_ID,
            "PORTAL_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            **changes,
        },
        env_file=None,
    )


def portal_for(engine, settings: Settings) -> TestClient:
    app = Starlette(routes=oidc_routes(lambda: engine, lambda: settings))
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def settings(provider) -> Settings:
    return settings_for(provider)


@pytest.fixture
def portal(engine, settings) -> TestClient:
    return portal_for(engine, settings)


def start(portal, to=None) -> str:
    """Begin a sign-in; the provider's authorization URL the browser is sent to."""
    response = portal.get("/auth/oidc/start", params={"to": to} if to is not None else {})
    assert response.status_code == 303, response.text
    return response.headers["location"]


def at_provider(authorization_url, username="ada", decision="allow") -> str:
    """Sign in on the provider's form; where it sends the browser back to."""
    response = httpx.post(authorization_url, data={"username": username, "decision": decision})
    assert response.status_code == 302, response.text
    return response.headers["location"]


def sign_in(portal, username="ada", to=None) -> httpx.Response:
    return portal.get(at_provider(start(portal, to), username))


def signed_in(engine, settings, response):
    cookie = response.cookies.get(SESSION_COOKIE)
    with transaction(engine) as session:
        return resolve_session(session, cookie or "", settings.security.secret_key)


def counts(engine):
    with transaction(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Organisation, User, UserSession)
        )


def test_the_first_visit_makes_the_organisation_and_user_and_signs_in(
    portal, engine, settings, provider
):
    response = sign_in(portal)

    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/settings/integrations"
    cookie = next(h for h in response.headers.get_list("set-cookie") if SESSION_COOKIE in h)
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert response.headers["referrer-policy"] == "no-referrer"
    user = signed_in(engine, settings, response)
    assert user is not None
    assert (user.email, user.name, user.role) == ("ada@acme.test", "Ada Lovelace", "admin")
    assert user.organisation_name == "Acme Inc."
    with transaction(engine) as session:
        organisation = session.exec(select(Organisation)).one()
        person = session.exec(select(User)).one()
    assert (organisation.external_issuer, organisation.external_id) == (provider.issuer, "org-42")
    assert (person.external_issuer, person.external_subject) == (provider.issuer, "sub-ada")


def test_a_later_visit_brings_role_and_organisation_name_up_to_date(
    portal, engine, settings, provider
):
    sign_in(portal)
    provider.add_user("ada", **ADA | {"role": "member", "org_name": "Acme Group"})

    user = signed_in(engine, settings, sign_in(portal))

    assert (user.role, user.organisation_name, user.is_admin) == ("member", "Acme Group", False)
    assert counts(engine) == (1, 1, 2)


def test_it_goes_on_to_a_page_of_this_portal_only(portal):
    assert sign_in(portal, to="/settings/integrations?tab=2").headers["location"] == (
        "/settings/integrations?tab=2"
    )
    # This host on another port: development's pages (:3000) beside these routes (:8000).
    assert sign_in(portal, to="http://testserver:3000/settings/integrations").headers[
        "location"
    ] == ("http://testserver:3000/settings/integrations")
    assert sign_in(portal, to="//evil.test/").headers["location"] == "/settings/integrations"
    assert sign_in(portal, to="https://evil.test/").headers["location"] == (
        "/settings/integrations"
    )
    assert sign_in(portal, to="http://testserver@evil.test/").headers["location"] == (
        "/settings/integrations"
    )


def test_the_authorization_request_carries_state_nonce_and_an_s256_challenge(portal, provider):
    query = parse_qs(urlsplit(start(portal)).query)

    assert query["client_id"] == [CLIENT_ID]
    assert query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["http://testserver/auth/oidc/callback"]
    assert query["code_challenge_method"] == ["S256"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}
    for name in ("state", "nonce", "code_challenge"):
        assert len(query[name][0]) >= 43
    cookie = portal.cookies.get(OIDC_COOKIE)
    assert cookie and query["state"][0] not in cookie, "the pending sign-in is sealed"


def test_the_pending_sign_in_cookie_is_httponly_short_lived_and_for_these_routes(portal):
    header = portal.get("/auth/oidc/start").headers["set-cookie"].lower()

    assert header.startswith(f"{OIDC_COOKIE}=")
    for attribute in ("httponly", "path=/auth/oidc", "samesite=lax", "max-age=600"):
        assert attribute in header


def test_the_provider_checks_the_pkce_verifier(portal, engine, provider, caplog):
    # A code stolen from another sign-in (A's), brought back with this browser's own
    # state (B's): only A's verifier redeems it, and the portal sends B's.
    elsewhere = portal_for(engine, settings_for(provider))
    stolen = parse_qs(urlsplit(at_provider(start(elsewhere))).query)
    own = parse_qs(urlsplit(at_provider(start(portal))).query)

    with caplog.at_level(logging.WARNING):
        response = portal.get(
            "/auth/oidc/callback", params={"state": own["state"][0], "code": stolen["code"][0]}
        )

    assert response.status_code == 400
    assert "invalid_grant (Code challenge failed.)" in caplog.text
    assert provider.token_requests[-1]["code_verifier"], "the portal sent its verifier"
    assert counts(engine) == (0, 0, 0)


def refused(portal, url, caplog, reason, status=400):
    with caplog.at_level(logging.WARNING):
        response = portal.get(url)
    assert response.status_code == status, response.text
    assert SESSION_COOKIE not in response.cookies
    assert "OpenID Connect sign-in refused: " in caplog.text
    assert reason in caplog.text, caplog.text
    return response


def test_a_cancelled_sign_in_at_the_provider_is_refused(portal, engine, caplog):
    back = at_provider(start(portal), decision="cancel")

    response = refused(portal, back, caplog, "error 'access_denied'")

    assert "did not finish" in response.text
    assert 'href="/auth/oidc/start?to=%2Fsettings%2Fintegrations"' in response.text
    assert counts(engine) == (0, 0, 0)


def test_a_callback_without_this_browsers_cookie_is_refused(portal, engine, settings, caplog):
    back = at_provider(start(portal))
    other_browser = portal_for(engine, settings)

    refused(other_browser, back, caplog, "no sign-in under way in this browser")
    assert counts(engine) == (0, 0, 0)


def test_a_state_that_is_not_this_browsers_is_refused(portal, engine, caplog):
    back = at_provider(start(portal))
    code = parse_qs(urlsplit(back).query)["code"][0]

    url = f"/auth/oidc/callback?state=another-state&code={code}"
    refused(portal, url, caplog, "state does not match")
    assert counts(engine) == (0, 0, 0)


def test_a_replayed_callback_is_refused(portal, engine, caplog):
    authorization_url = start(portal)
    cookie = portal.cookies.get(OIDC_COOKIE)
    back = at_provider(authorization_url)
    assert portal.get(back).status_code == 303
    before = counts(engine)

    portal.cookies.set(OIDC_COOKIE, cookie, path="/auth/oidc")
    refused(portal, back, caplog, "state already used")
    assert counts(engine) == before


def test_a_callback_without_a_code_is_refused(portal, caplog):
    state = parse_qs(urlsplit(start(portal)).query)["state"][0]

    refused(portal, f"/auth/oidc/callback?state={state}", caplog, "callback without a code")


def test_a_refused_token_exchange_is_refused(engine, provider, caplog):
    portal = portal_for(
        engine, settings_for(provider, PORTAL_OIDC_CLIENT_SECRET="not-the-client-secret")
    )

    response = refused(portal, at_provider(start(portal)), caplog, "invalid_client")

    assert "tell the administrator" in response.text
    assert "not-the-client-secret" not in caplog.text


def id_token_refusal(portal, engine, caplog, reason):
    back = at_provider(start(portal))
    refused(portal, back, caplog, reason)
    assert counts(engine) == (0, 0, 0)


BAD_ID_TOKENS = {
    "wrong_issuer": ({"iss": "https://evil.test"}, "claim 'iss'"),
    "wrong_audience": ({"aud": ["another-client"]}, "claim 'aud'"),
    "expired": ({"exp": 1_000_000_000, "iat": 999_999_000}, "ID token expired"),
    "wrong_nonce": ({"nonce": "another-nonce"}, "claim 'nonce'"),
    "no_sub": ({"sub": None}, "claim 'sub'"),
    "no_org_id": ({"org_id": None}, "claim 'org_id' is missing"),
    "no_org_name": ({"org_name": ""}, "claim 'org_name' is missing"),
    "no_role": ({"role": None}, "claim 'role' (PORTAL_OIDC_ROLE_CLAIM) is missing"),
    "unknown_role": ({"role": "owner"}, "holds no known role ('owner'"),
    "no_email": ({"email": None}, "claim 'email' is missing"),
    "bad_email": ({"email": "not-an-email"}, "not an email address"),
}


@pytest.mark.parametrize("case", BAD_ID_TOKENS)
def test_an_id_token_that_does_not_hold_is_refused(portal, engine, provider, caplog, case):
    changes, reason = BAD_ID_TOKENS[case]
    provider.id_token_changes = changes

    id_token_refusal(portal, engine, caplog, reason)


def test_an_id_token_signed_with_another_key_is_refused(portal, engine, provider, caplog):
    provider.id_token_key = RSAKey.generate_key(2048, {"kid": provider.signing_key.kid})

    id_token_refusal(portal, engine, caplog, "signature does not match")


def test_an_id_token_signed_with_the_client_secret_is_refused(portal, engine, provider, caplog):
    # HS256 keyed with the secret the portal shares: anyone holding it could sign in anybody.
    provider.id_token_key = OctKey.import_key(CLIENT_SECRET.encode())
    provider.id_token_algorithm = "HS256"

    id_token_refusal(portal, engine, caplog, "algorithm is not one of RS256")


def test_a_new_signing_key_is_fetched_when_a_token_names_it(portal, engine, settings, provider):
    assert sign_in(portal).status_code == 303
    provider.rotate_key()

    assert signed_in(engine, settings, sign_in(portal)) is not None


def test_a_provider_that_does_not_answer_is_refused_as_unavailable(engine, caplog):
    with running_provider() as gone:
        settings = settings_for(gone)
    portal = portal_for(engine, settings)

    response = refused(portal, "/auth/oidc/start", caplog, "provider unreachable", status=502)

    assert "cannot be reached just now" in response.text
    assert "your company account" in response.text


def test_a_provider_gone_at_the_token_exchange_is_refused_as_unavailable(engine, caplog):
    with running_provider() as provider:
        provider.add_user("ada", **ADA)
        portal = portal_for(engine, settings_for(provider))
        back = at_provider(start(portal))

    refused(portal, back, caplog, "provider unreachable (token endpoint", status=502)


def test_claims_are_read_where_the_settings_say(engine, provider):
    provider.add_user(
        "bob",
        email="bob@acme.test",
        **{"https://acme.test/org": 42, "https://acme.test/company": "Acme"},
        groups=["staff", "member"],
        locale="de-CH",
    )
    settings = settings_for(
        provider,
        PORTAL_OIDC_ORG_ID_CLAIM="https://acme.test/org",
        PORTAL_OIDC_ORG_NAME_CLAIM="https://acme.test/company",
        PORTAL_OIDC_ROLE_CLAIM="groups",
    )

    user = signed_in(engine, settings, sign_in(portal_for(engine, settings), "bob"))

    assert (user.organisation_name, user.role, user.name) == ("Acme", "member", "bob")
    assert user.language == "de"


def test_the_refusal_speaks_the_browsers_language_and_names_the_provider(engine, provider):
    portal = portal_for(engine, settings_for(provider, PORTAL_OIDC_NAME="Acme ID"))

    response = portal.get("/auth/oidc/callback", headers={"accept-language": "de"})

    assert response.status_code == 400
    assert 'lang="de"' in response.text and "Anmeldung mit Acme ID" in response.text


def test_without_an_issuer_the_routes_are_not_there(engine):
    portal = portal_for(engine, Settings.from_environment({}, env_file=None))

    assert portal.get("/auth/oidc/start").status_code == 404
    assert portal.get("/auth/oidc/callback", params={"code": "x", "state": "y"}).status_code == 404


def test_nothing_is_written_before_the_callback(portal, engine):
    start(portal)
    with transaction(engine) as session:
        assert session.exec(select(func.count()).select_from(UsedHandoff)).one() == 0
