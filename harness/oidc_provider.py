"""A real OpenID provider for the tests, on this machine: authlib's own server side
(the authorization code grant, PKCE, OpenID Connect's ID token) behind a small
Starlette app with a discovery document, a JWKS, a login form and a token endpoint.

The portal meets it as it would meet a company's provider: over HTTP, through
discovery. Tests choose who may sign in (`users`), and can make it misbehave the ways a
provider or an attacker could (`id_token_changes`, `id_token_key`, `rotate_key`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from typing import Any, cast
from urllib.parse import urlencode

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, OAuth2Payload
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from joserfc.jwk import OctKey, RSAKey
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from harness.local_server import serve_in_thread

CLIENT_ID = "kombo-portal-tests"
CLIENT_SECRET = "the-portals-client-secret-at-the-provider-0123"  # noqa: S105 (a test value)
CODE_SECONDS = 300


@dataclass
class _Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str] | None  # None: any (the tests' portals have ports of their own)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return ""  # none: the portal always names its own

    def get_allowed_scope(self, scope: Any) -> str:
        return str(scope)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return self.redirect_uris is None or redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    username: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.issued_at)

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


class _Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._data: dict[str, str] = {}
        self._datalist: dict[str, list[str]] = {}
        for name, value in pairs:
            self._data.setdefault(name, value)
            self._datalist.setdefault(name, []).append(value)

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> Any:
        return self._datalist


class _Request(OAuth2Request):
    """A Starlette request's parts, as authlib's grants read them."""

    def __init__(self, url: str, headers: Headers, query: list[tuple[str, str]], form: list):
        super().__init__("POST" if form else "GET", url, headers=headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = _Payload([*query, *form])

    @property
    def args(self) -> Any:
        return self._args

    @property
    def form(self) -> Any:
        return self._form


class LocalOpenIDProvider:
    """The provider's state: its client, users, keys, codes, and what it was asked."""

    def __init__(self) -> None:
        self.issuer = ""  # set once it serves (the port is known then)
        self.client = _Client(CLIENT_ID, CLIENT_SECRET, None)
        # Who may sign in: username -> claims (`sub` and whatever the ID token says).
        self.users: dict[str, dict[str, Any]] = {}
        self.signing_key = RSAKey.generate_key(2048, {"kid": generate_token(8)})
        # Set by tests: the key the ID token is signed with (default: the published
        # one), its algorithm, and claims added to or replacing the ID token's own.
        self.id_token_key: RSAKey | OctKey | None = None
        self.id_token_algorithm = "RS256"  # noqa: S105 (an algorithm, not a password)
        self.id_token_changes: dict[str, Any] = {}
        self.codes: dict[str, _Code] = {}
        self.used_nonces: set[str] = set()
        self.authorization_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.server = _Server(self)
        self.app = Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self._discovery),
                Route("/jwks", self._jwks),
                Route("/authorize", self._authorize, methods=["GET", "POST"]),
                Route("/token", self._token, methods=["POST"]),
            ]
        )

    def add_user(self, username: str, **claims: Any) -> None:
        self.users[username] = {"sub": f"sub-{username}", **claims}

    def rotate_key(self) -> None:
        """A new signing key, the only one published from now on."""
        self.signing_key = RSAKey.generate_key(2048, {"kid": generate_token(8)})

    # -- routes ---------------------------------------------------------------------

    async def _discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def _jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.signing_key.as_dict(private=False)]})

    async def _authorize(self, request: Request) -> Response:
        query = list(request.query_params.multi_items())
        form = [(k, str(v)) for k, v in (await request.form()).multi_items()]
        oauth_request = _Request(str(request.url), request.headers, query, [])
        self.authorization_requests.append(dict(query))
        # This provider wants PKCE, so a client that leaves it out cannot sign in.
        if request.query_params.get("code_challenge_method") != "S256":
            return HTMLResponse("<p>PKCE with S256 is required.</p>", status_code=400)
        username = dict(form).get("username", "")
        user = _User(username, self.users[username]) if username in self.users else None
        try:
            grant = self.server.get_consent_grant(oauth_request, end_user=user)
        except OAuth2Error as error:
            return HTMLResponse(f"<p>{escape(str(error.description))}</p>", status_code=400)
        if not form:
            return HTMLResponse(_login_form(f"/authorize?{urlencode(query)}"))
        if dict(form).get("decision") != "cancel" and user is None:
            return HTMLResponse(_login_form(f"/authorize?{urlencode(query)}", unknown=True))
        chosen = user if dict(form).get("decision") != "cancel" else None
        return cast(
            Response,
            self.server.create_authorization_response(
                oauth_request, grant_user=chosen, grant=grant
            ),
        )

    async def _token(self, request: Request) -> Response:
        form = [(k, str(v)) for k, v in (await request.form()).multi_items()]
        self.token_requests.append(dict(form))
        return cast(
            Response,
            self.server.create_token_response(
                _Request(str(request.url), request.headers, [], form)
            ),
        )


def _login_form(action: str, *, unknown: bool = False) -> str:
    problem = "<p role='alert'>No such user.</p>" if unknown else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Local provider: sign in</title></head><body><h1>Local provider</h1>{problem}
<form method="post" action="{escape(action)}">
<label>Username <input name="username" autocomplete="off"></label>
<button name="decision" value="allow">Sign in</button>
<button name="decision" value="cancel">Cancel</button>
</form></body></html>"""


@dataclass
class _User:
    username: str
    claims: dict[str, Any]


class _CodeGrant(AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]  # noqa: RUF012

    @property
    def provider(self) -> LocalOpenIDProvider:
        return self.server.provider

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data if request.payload else {}
        if request.user is None:
            raise RuntimeError("a code for nobody")
        nonce = data.get("nonce")
        if nonce:
            self.provider.used_nonces.add(nonce)
        self.provider.codes[code] = _Code(
            code=code,
            client_id=self.provider.client.client_id,
            redirect_uri=data.get("redirect_uri", ""),
            scope=data.get("scope", ""),
            username=request.user.username,
            nonce=nonce,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )

    def query_authorization_code(self, code: str, client: ClientMixin) -> _Code | None:
        found = self.provider.codes.get(code)
        if found is None or time.time() - found.issued_at > CODE_SECONDS:
            return None
        return found

    def delete_authorization_code(self, authorization_code: _Code) -> None:
        self.provider.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: _Code) -> _User | None:
        claims = self.provider.users.get(authorization_code.username)
        return None if claims is None else _User(authorization_code.username, claims)


class _OpenIDCode(OpenIDCode):
    def __init__(self, provider: LocalOpenIDProvider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return nonce in self.provider.used_nonces

    def resolve_client_private_key(self, client: ClientMixin) -> RSAKey | OctKey:
        return self.provider.id_token_key or self.provider.signing_key

    def get_client_algorithm(self, client: ClientMixin) -> str:
        return self.provider.id_token_algorithm

    def get_encode_header(self, client: ClientMixin) -> dict[str, str]:
        key = self.resolve_client_private_key(client)
        header = {"alg": self.get_client_algorithm(client)}
        return header | ({"kid": key.kid} if key.kid else {})

    def get_client_claims(self, client: ClientMixin) -> dict[str, Any]:
        return {"iss": self.provider.issuer, "aud": [client.get_client_id()]}

    def generate_user_info(self, user: _User, scope: str) -> UserInfo:
        # Applied last: a test's changes replace even iss, aud, exp and nonce.
        return UserInfo({**user.claims, **self.provider.id_token_changes})


class _Server(AuthorizationServer):
    def __init__(self, provider: LocalOpenIDProvider) -> None:
        super().__init__(scopes_supported=["openid", "email", "profile"])
        self.provider = provider
        self.register_token_generator(
            "default", BearerTokenGenerator(lambda *args, **kwargs: generate_token(42))
        )
        self.register_grant(_CodeGrant, [CodeChallenge(required=True), _OpenIDCode(provider)])

    def query_client(self, client_id: str) -> Any:  # a client, or None for an unknown id
        return self.provider.client if client_id == self.provider.client.client_id else None

    def save_token(self, token: Mapping[str, Any], request: OAuth2Request) -> None:
        pass  # nothing here asks for the access token back

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        return request

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=dict(headers))
        return Response(body, status_code=status, headers=dict(headers))

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        pass


@contextmanager
def running_provider() -> Iterator[LocalOpenIDProvider]:
    """A provider serving on a free loopback port; its issuer is its base URL."""
    provider = LocalOpenIDProvider()
    with serve_in_thread(provider.app) as url:
        provider.issuer = url
        yield provider
