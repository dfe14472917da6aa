"""The whole configuration: one model per concern, all read from the same flat
environment and `.env`, and the rules that span concerns.

Invalid settings stop the process at start-up with one line that names the
variable, rather than failing later in a request.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Self

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from kombo_portal.config.branding import BrandingSettings
from kombo_portal.config.connect import ConnectSettings
from kombo_portal.config.environment import env_file_path, read_variables
from kombo_portal.config.handoff import HandoffSettings
from kombo_portal.config.infrastructure import InfrastructureSettings
from kombo_portal.config.kombo import KomboSettings
from kombo_portal.config.logs import LoggingSettings
from kombo_portal.config.metrics import MetricsSettings
from kombo_portal.config.oidc import OidcSettings
from kombo_portal.config.sandbox import (
    SANDBOX_HANDOFF_ISSUER,
    SANDBOX_HANDOFF_SECRET,
    SandboxSettings,
)
from kombo_portal.config.security import SecuritySettings
from kombo_portal.config.sign_in import SignInSettings
from kombo_portal.config.values import is_blank


class SettingsError(ValueError):
    """Settings that cannot be used; the message is one line naming the variable."""


class Settings(BaseModel):
    """Every concern's settings, each read from all the variables.

    Without a KOMBO_API_KEY the portal runs in sandbox mode, with its local Kombo
    sandbox and published development secrets; with one, in real mode.
    """

    model_config = ConfigDict(frozen=True)

    # Validated in this order: `security` takes its mode's defaults from `kombo`.
    kombo: KomboSettings
    connect: ConnectSettings
    security: SecuritySettings
    sandbox: SandboxSettings
    infrastructure: InfrastructureSettings
    logging: LoggingSettings
    branding: BrandingSettings
    handoff: HandoffSettings
    metrics: MetricsSettings
    oidc: OidcSettings
    sign_in: SignInSettings

    @property
    def sandbox_mode(self) -> bool:
        """No Kombo API key: the portal talks to its built-in local Kombo sandbox."""
        return self.kombo.api_key is None

    # -- The rules across concerns: what real mode (KOMBO_API_KEY set) changes ----------

    @field_validator("security", mode="before")
    @classmethod
    def _real_mode_serves_secure_cookies(cls, variables: object, info: ValidationInfo) -> object:
        # Unless PORTAL_COOKIE_SECURE says otherwise: real mode is served over TLS,
        # sandbox mode (a developer's machine) usually is not.
        kombo = info.data.get("kombo")
        if not (isinstance(variables, Mapping) and isinstance(kombo, KomboSettings)):
            return variables
        chosen = variables.get("PORTAL_COOKIE_SECURE")
        if kombo.api_key is not None and (chosen is None or is_blank(chosen)):
            return {**variables, "PORTAL_COOKIE_SECURE": True}
        return variables

    @field_validator("handoff", mode="before")
    @classmethod
    def _sandbox_mode_hands_off_with_published_values(
        cls, variables: object, info: ValidationInfo
    ) -> object:
        # Like its other secrets, sandbox mode's hand-off secret is public: it is there
        # to show the flow. Real mode has none unless the operator sets one.
        kombo = info.data.get("kombo")
        if not (isinstance(variables, Mapping) and isinstance(kombo, KomboSettings)):
            return variables
        if kombo.api_key is not None or any(
            not is_blank(value)
            for name, value in variables.items()
            if name.startswith("PORTAL_HANDOFF_")
        ):
            return variables
        return {
            **variables,
            "PORTAL_HANDOFF_SECRET": SANDBOX_HANDOFF_SECRET,
            "PORTAL_HANDOFF_ISSUER": SANDBOX_HANDOFF_ISSUER,
        }

    @property
    def demo_handoff(self) -> bool:
        """Sandbox mode with its published hand-off secret: the portal can play the host
        product and hand its demo admin off to itself."""
        return self.sandbox_mode and self.handoff.secret == SANDBOX_HANDOFF_SECRET

    @model_validator(mode="after")
    def _password_off_needs_another_way_in(self) -> Self:
        if self.sign_in.password:
            return self
        if not (self.handoff.enabled or self.oidc.enabled):
            raise ValueError(
                "PORTAL_PASSWORD_SIGN_IN: can be 0 only when PORTAL_HANDOFF_SECRET "
                "(or another hand-off key) or PORTAL_OIDC_ISSUER is set"
            )
        # With OIDC the page has a button of its own; a hand-off starts in the product.
        if self.sign_in.host_sign_in_url is None and not self.oidc.enabled:
            raise ValueError(
                "PORTAL_HOST_SIGN_IN_URL: required when PORTAL_PASSWORD_SIGN_IN=0 "
                "without PORTAL_OIDC_ISSUER (the page of your product where people sign in)"
            )
        return self

    @model_validator(mode="after")
    def _real_mode_needs_real_secrets(self) -> Self:
        # Sandbox mode signs with the sandbox's published values; real mode must not.
        if self.sandbox_mode:
            return self
        if self.kombo.webhook_secret is None:
            raise ValueError(
                "KOMBO_WEBHOOK_SECRET: required when KOMBO_API_KEY is set "
                "(copy it from Kombo's dashboard, Webhooks)"
            )
        # Not given, the key is the sandbox's published one.
        if "secret_key" not in self.security.model_fields_set:
            raise ValueError("PORTAL_SECRET_KEY: required when KOMBO_API_KEY is set")
        return self

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> Settings:
        """Read settings from `env_file` overlaid by `environ` (the process wins over the file).

        `environ` defaults to os.environ. Raises SettingsError with a one-line message
        naming the variable.
        """
        variables = read_variables(environ, env_file)
        try:
            return cls.model_validate({concern: variables for concern in cls.model_fields})
        except ValidationError as error:
            raise SettingsError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    """The first error as `VARIABLE: what is wrong`."""
    first = error.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    # (concern, variable, item...) for a value's own error; the checks name their variable.
    location = [str(part) for part in first["loc"][1:] if not isinstance(part, int)]
    if location and not message.split(":", 1)[0].isupper():
        return f"{location[0]}: {message}"
    return message


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once from the environment and the `.env` file."""
    return Settings.from_environment(env_file=env_file_path())
