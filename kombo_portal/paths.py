"""Every URL path the portal serves or hands out, in one place.

Pages are Reflex's; the rest are the portal's own routes in front of Reflex's backend
(see api.app). In development pages are on :3000 and routes on :8000; in the
single-port build both are on one port.
"""

from __future__ import annotations

# Pages.
HOME_PATH = "/settings/integrations"  # the Integrations page
INTEGRATIONS_PATH = HOME_PATH
SIGN_IN_PATH = "/sign-in"

# The session cookie's routes (api.auth).
AUTH_SESSION_PATH = "/auth/session"
AUTH_SIGN_OUT_PATH = "/auth/sign-out"
# Sandbox mode only: the stand-in host product that hands its demo admin off (api.demo_host).
DEMO_HANDOFF_PATH = "/auth/demo-host"
# The path the sign-in nonce cookie is limited to: both routes above.
AUTH_COOKIE_PATH = "/auth"
# Sign-in through the host's OpenID provider (api.oidc); off unless PORTAL_OIDC_ISSUER is set.
OIDC_START_PATH = "/auth/oidc/start"
OIDC_CALLBACK_PATH = "/auth/oidc/callback"  # the redirect URI to register at the provider

# Kombo's webhooks (api.webhooks): the first is the one to register; the second is
# the path in Kombo's own guide.
WEBHOOK_PATHS = ("/webhooks/kombo", "/webhooks/kombo/integration-created")

HEALTH_PATH = "/healthz"
# Prometheus' scrape target; off unless PORTAL_METRICS_TOKEN is set (api.metrics).
METRICS_PATH = "/metrics"

# Sandbox mode only: the local Kombo sandbox, mounted in the same service.
SANDBOX_MOUNT_PATH = "/sandbox/kombo"
