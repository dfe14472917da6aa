"""Security headers on every HTTP response the portal's process sends.

Applied around everything Reflex serves over HTTP (the built pages and their
assets, Reflex's routes, the portal's routes, the sandbox), so no response
escapes it; websockets pass through untouched.

The Content-Security-Policy allows scripts only from this origin plus the exact
inline scripts of the built pages (by hash: the production build inlines a few
bootstrapping scripts), frames only from the Kombo Connect origin (and this
origin in sandbox mode, where the flow page is served here), and connections
only back to this origin (the websocket included).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kombo_portal.config import Settings
from kombo_portal.paths import SANDBOX_MOUNT_PATH

# Tool logos come from Kombo's asset host, which Kombo does not pin down: any https image.
IMAGE_SOURCES = "'self' data: https:"
HSTS_VALUE = "max-age=31536000"
NO_SOURCE = "'none'"

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.I)


def inline_script_hashes(html_files: Iterable[Path]) -> tuple[str, ...]:
    """CSP source expressions ('sha256-...') for every inline script in these pages."""
    hashes: set[str] = set()
    for path in html_files:
        for match in _INLINE_SCRIPT.finditer(path.read_bytes()):
            if match.group(1).strip():
                digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
                hashes.add(f"'sha256-{digest}'")
    return tuple(sorted(hashes))


def built_pages_folder() -> Path:
    """Where the production build keeps its HTML (Reflex's web folder, build/client)."""
    from reflex.utils.prerequisites import get_web_dir
    from reflex_base import constants

    return get_web_dir() / constants.Dirs.STATIC


@dataclass(frozen=True)
class SecurityPolicy:
    """What the headers say; built from the settings by `from_settings`."""

    frame_sources: tuple[str, ...]
    frame_ancestors: tuple[str, ...]
    https: bool
    # Read on the first request: the production build exists by then.
    pages_folder: Callable[[], Path] = built_pages_folder
    sandbox_path: str | None = None
    # Only for the sandbox, whose logos may come from its http:// address.
    extra_image_sources: tuple[str, ...] = ()
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, sandbox_url: str | None = None) -> SecurityPolicy:
        """`sandbox_url`: where browsers load the sandbox's flow page and logos (sandbox mode)."""
        sandbox_sources = []
        if settings.sandbox_mode:
            sandbox_sources.append("'self'")
            if sandbox_url:
                # The configured backend URL may name this host differently (localhost).
                parts = urlsplit(sandbox_url)
                sandbox_sources.append(f"{parts.scheme}://{parts.netloc}")
        frames = [*sandbox_sources, *settings.connect.flow_origins]
        return cls(
            frame_sources=tuple(dict.fromkeys(frames)),
            frame_ancestors=settings.security.frame_ancestors,
            https=settings.security.cookie_secure,
            sandbox_path=SANDBOX_MOUNT_PATH if settings.sandbox_mode else None,
            extra_image_sources=tuple(source for source in sandbox_sources if source != "'self'"),
        )

    def content_security_policy(self, *, framed_anywhere: bool = False) -> str:
        key = f"csp:{framed_anywhere}"
        if key not in self._cache:
            hashes = self._script_hashes()
            scripts = " ".join(("'self'", *hashes))
            directives = [
                "default-src 'self'",
                f"script-src {scripts}",
                # Radix and its CSS-in-JS add style elements at run time.
                "style-src 'self' 'unsafe-inline'",
                f"img-src {' '.join((IMAGE_SOURCES, *self.extra_image_sources))}",
                "font-src 'self' data:",
                "connect-src 'self'",
                f"frame-src {' '.join(self.frame_sources) or NO_SOURCE}",
                "object-src 'none'",
                "base-uri 'self'",
                "form-action 'self'",
            ]
            if not framed_anywhere:
                directives.append(f"frame-ancestors {' '.join(self.frame_ancestors)}")
            policy = "; ".join(directives)
            if not hashes:
                # No built pages yet (development, or a build still to come): ask
                # again next time rather than block their scripts until a restart.
                return policy
            self._cache[key] = policy
        return self._cache[key]

    def _script_hashes(self) -> tuple[str, ...]:
        folder = self.pages_folder()
        if not folder.is_dir():
            return ()  # development: the page is served by the dev server, not here
        return inline_script_hashes(folder.rglob("*.html"))

    def headers_for(self, path: str) -> list[tuple[bytes, bytes]]:
        # The sandbox's flow page stands in for Kombo's, which any customer app may frame.
        framed_anywhere = self.sandbox_path is not None and (
            path == self.sandbox_path or path.startswith(self.sandbox_path + "/")
        )
        policy = self.content_security_policy(framed_anywhere=framed_anywhere)
        headers = [
            ("content-security-policy", policy),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "strict-origin-when-cross-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
            # Not plain same-origin: tools' sign-in popups opened from the Connect
            # flow must keep their opener to report back.
            ("cross-origin-opener-policy", "same-origin-allow-popups"),
        ]
        if not framed_anywhere and self.frame_ancestors == ("'none'",):
            headers.append(("x-frame-options", "DENY"))  # for browsers without CSP level 2
        elif not framed_anywhere and self.frame_ancestors == ("'self'",):
            headers.append(("x-frame-options", "SAMEORIGIN"))
        if self.https:
            headers.append(("strict-transport-security", HSTS_VALUE))
        return [(name.encode(), value.encode()) for name, value in headers]


def security_headers(policy: SecurityPolicy) -> Callable[[ASGIApp], ASGIApp]:
    """An `api_transformer` for rx.App: wraps the whole app in `SecurityHeaders`."""
    return lambda app: SecurityHeaders(app, policy)


class SecurityHeaders:
    """Pure ASGI middleware (no body buffering, websockets untouched)."""

    def __init__(self, app: ASGIApp, policy: SecurityPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                added = self.policy.headers_for(path)
                names = {name for name, _ in added}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + added}
            await send(message)

        await self.app(scope, receive, send_with_headers)
