"""The production checks: settings that are fine on a developer's machine but not on a
public server, where anyone can read the published development values.

Validation refuses what no command can run with; `serve` refuses these problems too
and prints the warnings, and `check` reports both.
"""

from __future__ import annotations

from kombo_portal.config.sandbox import (
    SANDBOX_HANDOFF_SECRET,
    SANDBOX_SECRET_KEY,
    SANDBOX_WEBHOOK_SECRET,
)
from kombo_portal.config.settings import Settings
from kombo_portal.theme import ACCESSIBLE_ACCENT_COLORS

# A production key needs more than length: "a" * 40 is long and guessable.
MIN_SECRET_KEY_DISTINCT_CHARACTERS = 10
# Secret keys anyone can read (the code, the README, .env.example): never for a public server.
PUBLISHED_SECRET_KEYS = frozenset({SANDBOX_SECRET_KEY})
NEW_KEY_COMMAND = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
# Named in the order of Settings.kombo.webhook_secrets: current, then previous.
WEBHOOK_SECRET_VARIABLES = ("KOMBO_WEBHOOK_SECRET", "KOMBO_WEBHOOK_SECRET_PREVIOUS")


def production_problems(settings: Settings) -> list[str]:
    """Why these settings must not serve the public; one line each, naming the variable."""
    if settings.sandbox_mode:
        if settings.sandbox.demo:
            return []
        return [
            "KOMBO_API_KEY: not set, so the portal would serve its local Kombo sandbox, "
            "whose demo passwords and webhook secret are public; set KOMBO_API_KEY, "
            "or PORTAL_DEMO=1 to serve a sandbox demo on purpose"
        ]
    problems = []
    key = settings.security.secret_key
    if key in PUBLISHED_SECRET_KEYS:
        problems.append(
            f"PORTAL_SECRET_KEY: is a published development value; generate one: {NEW_KEY_COMMAND}"
        )
    elif len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        problems.append(
            f"PORTAL_SECRET_KEY: too easy to guess (fewer than "
            f"{MIN_SECRET_KEY_DISTINCT_CHARACTERS} different characters); "
            f"generate one: {NEW_KEY_COMMAND}"
        )
    # Whoever guesses the metrics token reads how much the portal is used.
    token = settings.metrics.token
    if token is not None and len(set(token)) < MIN_SECRET_KEY_DISTINCT_CHARACTERS:
        problems.append(
            f"PORTAL_METRICS_TOKEN: too easy to guess (fewer than "
            f"{MIN_SECRET_KEY_DISTINCT_CHARACTERS} different characters); "
            f"generate one: {NEW_KEY_COMMAND}"
        )
    # With the published hand-off secret anyone could sign in as anyone, in any role.
    if settings.handoff.secret == SANDBOX_HANDOFF_SECRET:
        problems.append(
            f"PORTAL_HANDOFF_SECRET: is the sandbox's published development value; "
            f"generate one: {NEW_KEY_COMMAND}"
        )
    # The previous secret is checked too: a public one lets anyone sign webhooks.
    secrets = settings.kombo.webhook_secrets  # the previous one only while rotating
    for name, secret in zip(WEBHOOK_SECRET_VARIABLES, secrets, strict=False):
        if secret == SANDBOX_WEBHOOK_SECRET:
            problems.append(
                f"{name}: is the sandbox's public development secret; "
                "copy the real one from Kombo's dashboard, Webhooks"
            )
    return problems


def production_warnings(settings: Settings) -> list[str]:
    """Settings a public server may have on purpose but should say out loud."""
    if settings.sandbox_mode:
        return []
    warnings = []
    accent = settings.branding.accent_color
    if accent not in ACCESSIBLE_ACCENT_COLORS:
        warnings.append(
            f"PORTAL_ACCENT_COLOR: {accent} gives buttons whose text falls "
            "short of WCAG AA contrast (4.5:1); these keep it: "
            f"{', '.join(ACCESSIBLE_ACCENT_COLORS)}"
        )
    if not settings.security.cookie_secure:
        warnings.append(
            "PORTAL_COOKIE_SECURE: is 0, so the session cookie goes without Secure and "
            "browsers also send it over plain HTTP; right only if no browser reaches "
            "the portal without TLS"
        )
    if settings.infrastructure.cors_allowed_origins in (None, "*"):
        warnings.append(
            "REFLEX_CORS_ALLOWED_ORIGINS: not set, so pages of any origin may open the "
            "portal's websocket; set it to the portal's own address "
            "(https://portal.example.com)"
        )
    if settings.sandbox.demo:
        warnings.append("PORTAL_DEMO: ignored, because KOMBO_API_KEY is set")
    return warnings
