"""GET /auth/handoff: the operator's product signs its user in with a signed token."""

import base64
import json
import logging
from datetime import UTC, datetime

import jwt
import pytest
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kombo_portal.api.handoff import handoff_route, local_path
from kombo_portal.config import Settings
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.db.models import Organisation, UsedHandoff, User, UserSession
from kombo_portal.db.transaction import transaction
from kombo_portal.records.accounts import SignInRefused, authenticate
from kombo_portal.records.sessions import resolve_session

SECRET = "the-products-shared-hand-off-secret-0123456789"
ISSUER = "https://app.product.test"
SETTINGS = Settings.from_environment(
    {"PORTAL_HANDOFF_SECRET": SECRET, "PORTAL_HANDOFF_ISSUER": ISSUER}, env_file=None
)


@pytest.fixture
def client(engine):
    app = Starlette(routes=[handoff_route(lambda: engine, lambda: SETTINGS)])
    return TestClient(app, follow_redirects=False)


def claims(**changes):
    now = int(datetime.now(UTC).timestamp())
    base = {
        "iss": ISSUER,
        "aud": "kombo-portal",
        "sub": "user-7",
        "email": "Ada@Acme.test",
        "name": "Ada Lovelace",
        "org_id": "org-42",
        "org_name": "Acme Inc.",
        "role": "admin",
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{now}-{changes.get('sub', 'user-7')}-{changes.get('jti', '')}",
    }
    base.update(changes)
    return {name: value for name, value in base.items() if value is not None}


def token(secret=SECRET, algorithm="HS256", **changes):
    return jwt.encode(claims(**changes), secret, algorithm=algorithm)


def hand_off(client, value, to=None):
    params = {"token": value} | ({"to": to} if to is not None else {})
    return client.get("/auth/handoff", params=params)


def signed_in(engine, response):
    cookie = response.cookies.get(SESSION_COOKIE)
    with transaction(engine) as session:
        return resolve_session(session, cookie or "", SETTINGS.security.secret_key)


def counts(engine):
    with transaction(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (Organisation, User, UserSession, UsedHandoff)
        )


def test_a_first_visit_makes_the_organisation_and_user_and_signs_in(client, engine):
    response = hand_off(client, token())

    assert response.status_code == 303
    assert response.headers["location"] == "/settings/integrations"
    assert "httponly" in response.headers["set-cookie"].lower()
    user = signed_in(engine, response)
    assert user is not None
    assert (user.email, user.name, user.role) == ("ada@acme.test", "Ada Lovelace", "admin")
    assert user.organisation_name == "Acme Inc."


def test_a_hand_off_user_cannot_sign_in_with_a_password(client, engine):
    hand_off(client, token())
    for password in ("", "x" * 12):
        with transaction(engine) as session, pytest.raises(SignInRefused):
            authenticate(session, "ada@acme.test", password)


def test_a_newer_token_changes_the_role_and_renames_the_organisation(client, engine):
    hand_off(client, token())
    response = hand_off(
        client, token(role="member", org_name="Acme Group", email="ada@group.test", jti="2")
    )

    user = signed_in(engine, response)
    assert (user.role, user.organisation_name, user.email) == (
        "member",
        "Acme Group",
        "ada@group.test",
    )
    assert user.is_admin is False, "a member may not connect"
    assert counts(engine)[:2] == (1, 1)


def test_the_same_email_from_another_subject_is_not_that_user(client, engine, caplog):
    first = signed_in(engine, hand_off(client, token()))
    with caplog.at_level(logging.WARNING):
        response = hand_off(client, token(sub="user-8", jti="other"))

    assert response.status_code == 400
    assert SESSION_COOKIE not in response.cookies
    assert "belongs to another portal user" in caplog.text
    assert first is not None


def test_an_organisation_is_matched_by_its_id_not_its_name(client, engine):
    hand_off(client, token())
    response = hand_off(client, token(sub="user-9", email="bob@other.test", org_id="org-43"))

    user = signed_in(engine, response)
    assert user.organisation_name == "Acme Inc. (org-43)"
    assert counts(engine)[:2] == (2, 2)


def test_a_token_in_its_minute_of_leeway_after_exp_still_signs_in_only_once(client, engine):
    # Accepted up to a minute after `exp` (clocks differ): remembered that long too.
    now = int(datetime.now(UTC).timestamp())  # not import time: the suite takes minutes
    value = token(iat=now - 100, exp=now - 30)
    assert hand_off(client, value).status_code == 303
    before = counts(engine)

    assert hand_off(client, value).status_code == 401
    assert counts(engine) == before


def test_moving_to_another_organisation_ends_the_users_other_sessions(client, engine):
    first = hand_off(client, token())
    assert signed_in(engine, first).organisation_name == "Acme Inc."

    moved = hand_off(client, token(org_id="org-77", org_name="Globex", jti="moved"))

    assert signed_in(engine, moved).organisation_name == "Globex"
    assert signed_in(engine, first) is None, "a tab of the old organisation stops working"


def test_a_name_taken_twice_still_finds_one_for_the_organisation(client, engine):
    hand_off(client, token(sub="u1", email="u1@a.test", org_id="org-1", org_name="Acme (org-42)"))
    hand_off(client, token(sub="u2", email="u2@b.test", org_id="org-2", org_name="Acme"))

    response = hand_off(client, token(org_id="org-42", org_name="Acme"))

    assert response.status_code == 303
    assert signed_in(engine, response).organisation_name == "Acme (org-42 3)"
    long_id = hand_off(
        client, token(sub="u4", email="u4@c.test", org_id="9" * 200, org_name="Acme")
    )
    assert len(signed_in(engine, long_id).organisation_name) <= 200


def test_an_empty_name_is_a_name_not_given(client, engine):
    response = hand_off(client, token(name=""))

    assert response.status_code == 303
    with transaction(engine) as session:
        assert session.exec(select(User.name)).one() == "ada"


def test_a_token_signs_in_only_once(client, engine, caplog):
    value = token()
    assert hand_off(client, value).status_code == 303
    before = counts(engine)
    with caplog.at_level(logging.WARNING):
        response = hand_off(client, value)

    assert response.status_code == 401
    assert "already used" in caplog.text
    assert counts(engine) == before


def _unsigned(algorithm):
    header = {"alg": algorithm, "typ": "JWT"}
    parts = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()
        for part in (header, claims())
    ]
    return ".".join(parts) + "."


NOW = int(datetime.now(UTC).timestamp())
REFUSALS = {
    "bad_signature": (
        lambda: token(secret="another-secret-that-is-long-enough-000"),
        400,
        "bad signature",
    ),
    "alg_none": (lambda: _unsigned("none"), 400, "algorithm 'none'"),
    "alg_rs256": (lambda: _unsigned("RS256") + "c2lnbmF0dXJl", 400, "algorithm 'RS256'"),
    "wrong_issuer": (lambda: token(iss="https://evil.test"), 400, "wrong issuer"),
    "wrong_audience": (lambda: token(aud="another-app"), 400, "wrong audience"),
    "expired": (lambda: token(iat=NOW - 600, exp=NOW - 300), 401, "expired"),
    "from_the_future": (lambda: token(iat=NOW + 300, exp=NOW + 400), 400, "in the future"),
    "lives_too_long": (lambda: token(exp=NOW + 3600), 400, "longer than 5 minutes"),
    "missing_sub": (lambda: token(sub=None), 400, "'sub' is missing"),
    "missing_jti": (lambda: token(jti=None), 400, "'jti' is missing"),
    "missing_email": (lambda: token(email=None), 400, "'email' is missing"),
    "malformed_email": (lambda: token(email="not-an-email"), 400, "not an email"),
    "missing_org_id": (lambda: token(org_id=None), 400, "'org_id' is missing"),
    "unknown_role": (lambda: token(role="owner"), 400, "unknown role 'owner'"),
    "unknown_locale": (lambda: token(locale="xx"), 400, "unknown locale"),
    "locale_not_text": (lambda: token(locale=["de"]), 400, "unknown locale"),
    "several_audiences": (
        lambda: token(aud=["kombo-portal", "another-app"]),
        400,
        "wrong audience",
    ),
    "malformed": (lambda: "not.a.token", 400, "malformed token"),
    "too_long": (lambda: token(name="x" * 9000), 400, "longer than 8192 bytes"),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_a_refused_token_writes_nothing_and_explains(client, engine, case, caplog):
    make, status, reason = REFUSALS[case]
    value = make()
    with caplog.at_level(logging.WARNING):
        response = hand_off(client, value)

    assert response.status_code == status
    assert "<p>" in response.text and "sign-in link" in response.text
    assert SESSION_COOKIE not in response.cookies
    assert counts(engine) == (0, 0, 0, 0)
    assert "hand-off refused: " in caplog.text
    assert reason in caplog.text
    assert value not in caplog.text, "the token never reaches the log"


def test_the_refusal_speaks_the_browsers_language(client):
    response = client.get("/auth/handoff", params={"token": "x"}, headers={"accept-language": "de"})
    assert 'lang="de"' in response.text and "Anmeldelink" in response.text


@pytest.mark.parametrize(
    ("to", "where"),
    [
        ("/settings/integrations?tab=1", "/settings/integrations?tab=1"),
        ("//evil.test/", "/settings/integrations"),
        ("/\\evil.test/", "/settings/integrations"),
        ("https://evil.test/", "/settings/integrations"),
        ("evil", "/settings/integrations"),
        ("http://[", "/settings/integrations"),
        ("http://testserver/" + "x" * 2000, "/settings/integrations"),
    ],
)
def test_it_goes_on_only_to_a_page_of_this_portal(client, to, where):
    assert hand_off(client, token(), to=to).headers["location"] == where
    assert local_path(to) == (to if to == where else None)


def test_without_a_secret_the_route_is_not_there(engine):
    # Real mode: sandbox mode has the sandbox's published secret (tests/api/test_demo_host.py).
    real_mode = Settings.from_environment(
        {
            "KOMBO_API_KEY": "ks_test_key",
            "KOMBO_WEBHOOK_SECRET": "whsec_test",
            "PORTAL_SECRET_KEY": "k" * 16 + "-a-long-and-random-enough-key",
        },
        env_file=None,
    )
    app = Starlette(routes=[handoff_route(lambda: engine, lambda: real_mode)])
    client = TestClient(app, follow_redirects=False)
    assert client.get("/auth/handoff", params={"token": token()}).status_code == 404


def test_a_short_secret_or_one_without_issuer_stops_the_start():
    from kombo_portal.config import SettingsError

    with pytest.raises(SettingsError, match="PORTAL_HANDOFF_SECRET"):
        Settings.from_environment(
            {"PORTAL_HANDOFF_SECRET": "short", "PORTAL_HANDOFF_ISSUER": ISSUER}, env_file=None
        )
    with pytest.raises(SettingsError, match="PORTAL_HANDOFF_ISSUER"):
        Settings.from_environment({"PORTAL_HANDOFF_SECRET": SECRET}, env_file=None)
