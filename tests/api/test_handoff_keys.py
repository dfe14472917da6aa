"""GET /auth/handoff with tokens signed by the product's private key: checked with its
public key (PORTAL_HANDOFF_PUBLIC_KEY) or its JWKS (PORTAL_HANDOFF_JWKS_URL), served
here by a real HTTP server on a free local port."""

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlmodel import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from kombo_portal.api.handoff import handoff_route
from kombo_portal.config import Settings
from kombo_portal.cookies import SESSION_COOKIE
from kombo_portal.db.models import User, UserSession
from kombo_portal.db.transaction import transaction
from kombo_portal.use_cases import handoff_keys
from kombo_portal.use_cases.handoff import sign_in_handed_off

ISSUER = "https://app.product.test"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
P384_KEY = ec.generate_private_key(ec.SECP384R1())


def pem(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def settings(**variables) -> Settings:
    return Settings.from_environment({"PORTAL_HANDOFF_ISSUER": ISSUER, **variables}, env_file=None)


def claims(**changes):
    now = int(datetime.now(UTC).timestamp())
    base = {
        "iss": ISSUER,
        "aud": "kombo-portal",
        "sub": "user-7",
        "email": "ada@acme.test",
        "org_id": "org-42",
        "org_name": "Acme Inc.",
        "role": "admin",
        "iat": now,
        "exp": now + 120,
        "jti": f"jti-{time.monotonic_ns()}",
    }
    return base | changes


def signed(key, algorithm, kid=None, **changes) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**changes), key, algorithm=algorithm, headers=headers)


def client_for(engine, portal: Settings) -> TestClient:
    app = Starlette(routes=[handoff_route(lambda: engine, lambda: portal)])
    return TestClient(app, follow_redirects=False)


def hand_off(client, token):
    return client.get("/auth/handoff", params={"token": token})


def sessions(engine) -> int:
    with transaction(engine) as session:
        return session.exec(select(func.count()).select_from(UserSession)).one()


def refused(client, token, caplog, reason, engine=None):
    """Asserts the token is refused with a page, not signed in, and `reason` logged."""
    with caplog.at_level(logging.WARNING):
        response = hand_off(client, token)
    assert response.status_code == 400, response.text
    assert "sign-in link" in response.text
    assert SESSION_COOKIE not in response.cookies
    assert "hand-off refused: " in caplog.text
    assert reason in caplog.text
    if engine is not None:
        assert sessions(engine) == 0


# -- A public key ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("private_key", "algorithm"), [(RSA_KEY, "RS256"), (EC_KEY, "ES256")], ids=["rs256", "es256"]
)
def test_a_token_signed_by_the_products_private_key_signs_in(engine, private_key, algorithm):
    client = client_for(engine, settings(PORTAL_HANDOFF_PUBLIC_KEY=pem(private_key)))

    response = hand_off(client, signed(private_key, algorithm))

    assert response.status_code == 303, response.text
    assert response.cookies.get(SESSION_COOKIE)
    with transaction(engine) as session:
        assert session.exec(select(User.email)).all() == ["ada@acme.test"]


def test_a_token_signed_by_another_key_is_a_bad_signature(engine, caplog):
    client = client_for(engine, settings(PORTAL_HANDOFF_PUBLIC_KEY=pem(RSA_KEY)))

    refused(
        client,
        signed(OTHER_RSA_KEY, "RS256"),
        caplog,
        "bad signature (not signed with PORTAL_HANDOFF_PUBLIC_KEY)",
        engine,
    )


def _hs256_signed_with(secret: bytes) -> str:
    # Made by hand: PyJWT itself refuses a PEM as an HMAC secret, an attacker does not.
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = part(json.dumps(claims()).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{part(signature)}"


@pytest.mark.parametrize("private_key", [RSA_KEY, EC_KEY], ids=["rsa", "ec"])
def test_key_confusion_an_hs256_token_signed_with_the_public_key_is_refused(
    engine, caplog, private_key
):
    # The public key is public: if HS256 were accepted with it as the secret, anyone
    # could sign in as anybody.
    public_pem = pem(private_key)
    client = client_for(engine, settings(PORTAL_HANDOFF_PUBLIC_KEY=public_pem))

    refused(
        client,
        _hs256_signed_with(public_pem.encode()),
        caplog,
        "algorithm 'HS256' with a public key configured: refused as key confusion",
        engine,
    )


def _unsigned() -> str:
    return jwt.encode(claims(), None, algorithm="none")


REFUSED_ALGORITHMS = {
    "none": (_unsigned, "algorithm 'none' (an unsigned token)"),
    "rs512": (lambda: signed(RSA_KEY, "RS512"), "algorithm 'RS512' is not RS256 or ES256"),
    "ps256": (lambda: signed(RSA_KEY, "PS256"), "algorithm 'PS256' is not RS256 or ES256"),
    "es384": (lambda: signed(P384_KEY, "ES384"), "algorithm 'ES384' is not RS256 or ES256"),
    "es256_for_an_rsa_key": (
        lambda: signed(EC_KEY, "ES256"),
        "algorithm 'ES256' but the key is not an EC key on P-256",
    ),
}


@pytest.mark.parametrize("case", REFUSED_ALGORITHMS)
def test_only_the_algorithm_the_key_is_for_is_accepted(engine, caplog, case):
    make, reason = REFUSED_ALGORITHMS[case]
    client = client_for(engine, settings(PORTAL_HANDOFF_PUBLIC_KEY=pem(RSA_KEY)))

    refused(client, make(), caplog, reason, engine)


def test_rs256_is_refused_with_an_ec_key(engine, caplog):
    client = client_for(engine, settings(PORTAL_HANDOFF_PUBLIC_KEY=pem(EC_KEY)))
    # The header claims RS256; the signature is beside the point.
    refused(
        client,
        signed(RSA_KEY, "RS256"),
        caplog,
        "algorithm 'RS256' but the key is not an RSA key",
        engine,
    )


def test_with_a_secret_only_hs256_is_accepted(engine, caplog):
    client = client_for(engine, settings(PORTAL_HANDOFF_SECRET="s" * 40))
    refused(client, signed(RSA_KEY, "RS256"), caplog, "algorithm 'RS256' is not HS256", engine)


# -- A JWKS -----------------------------------------------------------------------------


def jwk(private_key, kid: str) -> dict:
    public = private_key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        return RSAAlgorithm.to_jwk(public, as_dict=True) | {"kid": kid, "use": "sig"}
    return ECAlgorithm.to_jwk(public, as_dict=True) | {"kid": kid, "use": "sig"}


class JwksServer:
    """The product's JWKS endpoint: serves `keys` (or `body`/`status`), counts requests."""

    def __init__(self) -> None:
        self.keys: list[dict] = []
        self.body: bytes | None = None
        self.status = 200
        self.delay = 0.0
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                time.sleep(server.delay)
                body = server.body or json.dumps({"keys": server.keys}).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_port}/.well-known/jwks.json"
        # A short poll: shutdown() waits for it.
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture(autouse=True)
def fresh_jwks_clients():
    # One client per URL lives for the process; a port may come again in a later test.
    handoff_keys.jwks_client.cache_clear()
    yield
    handoff_keys.jwks_client.cache_clear()


@pytest.fixture
def jwks():
    server = JwksServer()
    server.keys = [jwk(RSA_KEY, "rsa-1"), jwk(EC_KEY, "ec-1")]
    yield server
    server.stop()


@pytest.fixture
def jwks_client(engine, jwks):
    return client_for(engine, settings(PORTAL_HANDOFF_JWKS_URL=jwks.url))


def test_the_kid_picks_the_key_from_the_jwks(jwks_client):
    assert hand_off(jwks_client, signed(RSA_KEY, "RS256", kid="rsa-1")).status_code == 303
    assert hand_off(jwks_client, signed(EC_KEY, "ES256", kid="ec-1")).status_code == 303


def test_the_jwks_is_fetched_once_for_many_sign_ins(jwks_client, jwks):
    for _ in range(5):
        assert hand_off(jwks_client, signed(RSA_KEY, "RS256", kid="rsa-1")).status_code == 303

    assert jwks.requests == 1


def test_a_kid_naming_another_key_is_a_bad_signature(jwks_client, engine, caplog):
    token = signed(OTHER_RSA_KEY, "RS256", kid="rsa-1")
    refused(jwks_client, token, caplog, "not signed with PORTAL_HANDOFF_JWKS_URL", engine)


def test_a_jwks_key_checks_only_the_algorithm_it_names(jwks_client, jwks, engine, caplog):
    # The product published this RSA key for RS512 only.
    jwks.keys = [jwk(RSA_KEY, "rsa-512") | {"alg": "RS512"}]
    token = signed(RSA_KEY, "RS256", kid="rsa-512")
    refused(jwks_client, token, caplog, "the JWKS key 'rsa-512' is for RS512", engine)


def test_a_token_without_a_kid_is_refused(jwks_client, engine, caplog):
    refused(jwks_client, signed(RSA_KEY, "RS256"), caplog, "no 'kid' in the token's header", engine)


def test_hs256_with_a_jwks_is_refused_as_key_confusion(jwks_client, engine, caplog):
    token = signed("a-secret-of-at-least-32-characters-000", "HS256", kid="rsa-1")
    refused(jwks_client, token, caplog, "refused as key confusion", engine)


def test_a_rotated_key_is_accepted_after_a_refetch(jwks_client, jwks, monkeypatch):
    monkeypatch.setattr(handoff_keys, "JWKS_REFETCH_COOLDOWN_SECONDS", 0.2)
    handoff_keys.jwks_client.cache_clear()
    assert hand_off(jwks_client, signed(RSA_KEY, "RS256", kid="rsa-1")).status_code == 303

    jwks.keys = [jwk(OTHER_RSA_KEY, "rsa-2")]  # the product rotates its key
    time.sleep(0.3)
    response = hand_off(jwks_client, signed(OTHER_RSA_KEY, "RS256", kid="rsa-2"))

    assert response.status_code == 303, response.text
    assert jwks.requests == 2


def test_an_unknown_kid_is_refused_and_a_flood_of_them_fetches_once(
    jwks_client, jwks, engine, caplog, monkeypatch
):
    # PyJWT's clock for the cooldown, moved by hand: how long the flood takes (on a
    # busy machine, longer than any short cooldown) must not open it again.
    clock = [1000.0]
    monkeypatch.setattr(jwt.jwks_client, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    handoff_keys.jwks_client.cache_clear()
    assert hand_off(jwks_client, signed(RSA_KEY, "RS256", kid="rsa-1")).status_code == 303
    # Past the cooldown: an unknown kid may ask for the set again, once.
    clock[0] += handoff_keys.JWKS_REFETCH_COOLDOWN_SECONDS + 1

    for number in range(20):
        token = signed(OTHER_RSA_KEY, "RS256", kid=f"made-up-{number}")
        refused(jwks_client, token, caplog, "unknown kid 'made-up-")

    assert jwks.requests == 2


@pytest.fixture
def down_client(engine):
    server = JwksServer()
    server.stop()  # nothing listens on its port any more
    return client_for(engine, settings(PORTAL_HANDOFF_JWKS_URL=server.url))


def test_a_jwks_that_is_down_gives_a_refusal_page_and_says_so(down_client, engine, caplog):
    token = signed(RSA_KEY, "RS256", kid="rsa-1")
    refused(
        down_client, token, caplog, "the JWKS could not be fetched from http://127.0.0.1:", engine
    )


@pytest.mark.parametrize(
    ("status", "body"), [(503, b"{}"), (200, b"<html>maintenance</html>"), (200, b'{"keys": []}')]
)
def test_a_jwks_that_fails_is_not_asked_again_at_once(jwks_client, jwks, caplog, status, body):
    jwks.status, jwks.body = status, body
    token = signed(RSA_KEY, "RS256", kid="rsa-1")

    refused(jwks_client, token, caplog, "the JWKS could not be fetched")
    refused(jwks_client, signed(RSA_KEY, "RS256", kid="rsa-1"), caplog, "not asked again")

    assert jwks.requests == 1


def test_a_jwks_that_does_not_answer_times_out(jwks_client, jwks, caplog, monkeypatch):
    monkeypatch.setattr(handoff_keys, "JWKS_TIMEOUT_SECONDS", 0.3)
    handoff_keys.jwks_client.cache_clear()
    jwks.delay = 2.0

    started = time.monotonic()
    refused(jwks_client, signed(RSA_KEY, "RS256", kid="rsa-1"), caplog, "timed out")

    assert time.monotonic() - started < 1.5


async def test_fetching_the_jwks_does_not_block_the_event_loop(engine, jwks):
    jwks.delay = 0.5
    portal = settings(PORTAL_HANDOFF_JWKS_URL=jwks.url)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.02)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        handed_off = await sign_in_handed_off(
            engine,
            portal.handoff,
            portal.security.secret_key,
            signed(RSA_KEY, "RS256", kid="rsa-1"),
            timedelta(hours=1),
        )
    finally:
        ticker.cancel()

    assert handed_off.email == "ada@acme.test"
    assert ticks >= 10, "the loop stood still while the JWKS was fetched"
