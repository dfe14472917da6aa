import re
from pathlib import Path

import pytest

from kombo_portal.config import (
    DEFAULT_DATABASE_URL,
    PROJECT_ROOT,
    SANDBOX_SECRET_KEY,
    SANDBOX_WEBHOOK_SECRET,
    Settings,
    SettingsError,
    env_file_path,
    production_problems,
    production_warnings,
)
from kombo_portal.kombo.models import IntegrationCategory

REAL_MODE = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_real",
    "PORTAL_SECRET_KEY": "k" * 40,
}


def settings_from(**environ: str) -> Settings:
    return Settings.from_environment(environ)


def test_defaults_run_in_sandbox_mode_with_sqlite():
    settings = settings_from()

    assert settings.sandbox_mode
    assert settings.infrastructure.database_url == DEFAULT_DATABASE_URL
    assert settings.infrastructure.redis_url is None
    assert settings.connect.categories == (IntegrationCategory.HRIS, IntegrationCategory.ATS)
    assert settings.kombo.webhook_secrets == (SANDBOX_WEBHOOK_SECRET,)
    assert settings.kombo.api_base_url == "https://api.kombo.dev/v1"


def test_blank_values_mean_the_default():
    settings = settings_from(KOMBO_API_KEY="", REFLEX_DB_URL=" ", REFLEX_REDIS_URL="")

    assert settings.sandbox_mode
    assert settings.infrastructure.database_url == DEFAULT_DATABASE_URL
    assert settings.infrastructure.redis_url is None


@pytest.mark.parametrize(
    ("region", "base_url"),
    [
        ("eu", "https://api.kombo.dev/v1"),
        ("us", "https://api.us.kombo.dev/v1"),
        ("ca", "https://api.ca.kombo.dev/v1"),
    ],
)
def test_region_chooses_the_kombo_base_url(region, base_url):
    assert settings_from(KOMBO_REGION=region).kombo.api_base_url == base_url


def test_explicit_base_url_wins_over_region():
    settings = settings_from(KOMBO_REGION="us", KOMBO_API_BASE_URL="http://127.0.0.1:9000/v1/")

    assert settings.kombo.api_base_url == "http://127.0.0.1:9000/v1"


def test_real_mode_with_all_secrets_is_valid():
    settings = settings_from(**REAL_MODE, KOMBO_WEBHOOK_SECRET_PREVIOUS="whsec_old")

    assert not settings.sandbox_mode
    assert settings.kombo.webhook_secrets == ("whsec_real", "whsec_old")
    assert settings.security.secret_key == "k" * 40


@pytest.mark.parametrize(
    ("environ", "expected_message"),
    [
        (
            {**REAL_MODE, "KOMBO_WEBHOOK_SECRET": ""},
            "KOMBO_WEBHOOK_SECRET: required when KOMBO_API_KEY is set",
        ),
        (
            {**REAL_MODE, "PORTAL_SECRET_KEY": ""},
            "PORTAL_SECRET_KEY: required when KOMBO_API_KEY is set",
        ),
        (
            {**REAL_MODE, "PORTAL_SECRET_KEY": "too-short"},
            "PORTAL_SECRET_KEY: must be at least 32 characters",
        ),
        ({"KOMBO_REGION": "mars"}, "KOMBO_REGION: "),
        ({"PORTAL_CATEGORIES": "HRIS,PAYROLL"}, "PORTAL_CATEGORIES: "),
        ({"PORTAL_CATEGORIES": ","}, "PORTAL_CATEGORIES: "),
        ({"PORTAL_CATEGORIES": "HRIS,hris"}, "PORTAL_CATEGORIES: lists a category twice"),
        ({"KOMBO_API_BASE_URL": "api.kombo.dev"}, "KOMBO_API_BASE_URL: must start with"),
        ({"REFLEX_DB_URL": "not a url"}, "REFLEX_DB_URL: the portal runs on SQLite or PostgreSQL"),
        ({"REFLEX_DB_URL": "mysql://u@h/db"}, "REFLEX_DB_URL: the portal runs on SQLite or"),
        ({"REFLEX_REDIS_URL": "localhost:6379"}, "REFLEX_REDIS_URL: must start with redis://"),
        ({"PORTAL_SECRET_KEY": "short"}, "PORTAL_SECRET_KEY: must be at least 32 characters"),
        ({"KOMBO_TIMEOUT_SECONDS": "0"}, "KOMBO_TIMEOUT_SECONDS: "),
        ({"KOMBO_TIMEOUT_SECONDS": "soon"}, "KOMBO_TIMEOUT_SECONDS: "),
        (
            {"KOMBO_WEBHOOK_SECRET_PREVIOUS": "whsec_old"},
            "KOMBO_WEBHOOK_SECRET_PREVIOUS: set only while rotating",
        ),
        ({"KOMBO_ENABLE_STATIC_IPS": "maybe"}, "KOMBO_ENABLE_STATIC_IPS: "),
        (
            {"KOMBO_REMOTE_ENVIRONMENT": "test-tenant"},
            "KOMBO_REMOTE_ENVIRONMENT: Kombo accepts it only with a tool chosen in advance; "
            "set KOMBO_CONNECT_TOOLS for HRIS, ATS too",
        ),
        (
            {"KOMBO_REMOTE_ENVIRONMENT": "test-tenant", "KOMBO_CONNECT_TOOLS": "HRIS:personio"},
            "KOMBO_REMOTE_ENVIRONMENT: Kombo accepts it only with a tool chosen in advance; "
            "set KOMBO_CONNECT_TOOLS for ATS too",
        ),
    ],
)
def test_invalid_settings_fail_with_one_line_naming_the_variable(environ, expected_message):
    with pytest.raises(SettingsError) as error:
        settings_from(**environ)

    message = str(error.value)
    assert message.startswith(expected_message)
    assert "\n" not in message


def test_static_ips_and_a_remote_environment_with_every_tool_chosen_are_valid():
    settings = settings_from(
        KOMBO_ENABLE_STATIC_IPS="1",
        KOMBO_REMOTE_ENVIRONMENT=" test-tenant ",
        KOMBO_CONNECT_TOOLS="HRIS:personio",
        PORTAL_CATEGORIES="HRIS",
    )

    assert settings.connect.enable_static_ips is True
    assert settings.connect.remote_environment == "test-tenant"


def test_categories_are_case_insensitive_and_trimmed():
    settings = settings_from(PORTAL_CATEGORIES=" ats , lms")

    assert settings.connect.categories == (IntegrationCategory.ATS, IntegrationCategory.LMS)


def test_secrets_and_urls_with_passwords_never_appear_in_the_repr():
    settings = settings_from(
        **REAL_MODE,
        REFLEX_DB_URL="postgresql://portal:db-password@db:5432/portal",
        REFLEX_REDIS_URL="redis://:redis-password@cache:6379",
    )

    for secret in ("ks_prod_abcdef", "whsec_real", "k" * 40, "db-password", "redis-password"):
        assert secret not in repr(settings)
        assert secret not in str(settings)


def test_lower_case_variables_are_not_settings():
    settings = settings_from(kombo_api_key="ks_prod_x", db_url="postgresql://u@h/d")

    assert settings.sandbox_mode
    assert settings.infrastructure.database_url == DEFAULT_DATABASE_URL


def test_a_given_mapping_is_read_instead_of_the_process_environment(monkeypatch):
    monkeypatch.setenv("KOMBO_API_KEY", "ks_prod_from_the_process")
    monkeypatch.setenv("PORTAL_PRODUCT_NAME", "From the process")

    settings = settings_from(PORTAL_CATEGORIES="ATS")

    assert settings.sandbox_mode
    assert settings.branding.product_name == "Kombo Portal"
    assert settings.connect.categories == (IntegrationCategory.ATS,)


@pytest.mark.parametrize(
    ("environ", "secure"),
    [
        ({}, False),
        ({"PORTAL_COOKIE_SECURE": "1"}, True),
        (REAL_MODE, True),
        ({**REAL_MODE, "PORTAL_COOKIE_SECURE": " "}, True),
        ({**REAL_MODE, "PORTAL_COOKIE_SECURE": "0"}, False),
    ],
)
def test_cookies_are_secure_by_default_in_real_mode_only(environ, secure):
    assert settings_from(**environ).security.cookie_secure is secure


def test_the_sandbox_signs_with_its_published_secrets_and_real_mode_with_its_own():
    sandbox, real = settings_from(), settings_from(**REAL_MODE)

    assert sandbox.security.secret_key == SANDBOX_SECRET_KEY
    assert real.security.secret_key == REAL_MODE["PORTAL_SECRET_KEY"]
    assert real.kombo.webhook_secrets == (REAL_MODE["KOMBO_WEBHOOK_SECRET"],)


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path):
    env_file = tmp_path / ".env"
    env_file.write_text("KOMBO_REGION=us\nPORTAL_CATEGORIES=ATS\n")

    settings = Settings.from_environment({"KOMBO_REGION": "ca"}, env_file=env_file)

    assert settings.kombo.region == "ca"
    assert settings.connect.categories == (IntegrationCategory.ATS,)


def test_env_file_path_is_chosen_by_portal_env_file(tmp_path: Path):
    assert env_file_path({}) == PROJECT_ROOT / ".env"
    assert env_file_path({"PORTAL_ENV_FILE": str(tmp_path / "portal.env")}) == (
        tmp_path / "portal.env"
    )
    assert env_file_path({"PORTAL_ENV_FILE": ""}) is None


# Settings fit for a public server: real key, real webhook secret, a random portal key.
PRODUCTION = {
    "KOMBO_API_KEY": "ks_prod_abcdef",
    "KOMBO_WEBHOOK_SECRET": "whsec_9fK2mQ7xL1",
    "PORTAL_SECRET_KEY": "Zq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1",
    "REFLEX_CORS_ALLOWED_ORIGINS": "https://portal.example.com",
}


def test_production_settings_have_no_problems_and_no_warnings():
    settings = settings_from(**PRODUCTION)

    assert production_problems(settings) == []
    assert production_warnings(settings) == []


def test_sandbox_mode_is_refused_for_production_unless_a_demo_is_meant():
    problems = production_problems(settings_from())
    demo = settings_from(PORTAL_DEMO="1")

    assert len(problems) == 1
    assert problems[0].startswith("KOMBO_API_KEY: not set")
    assert "PORTAL_DEMO=1" in problems[0]
    assert production_problems(demo) == []
    assert production_warnings(demo) == []


@pytest.mark.parametrize(
    ("environ", "expected_problem"),
    [
        (
            {"PORTAL_SECRET_KEY": SANDBOX_SECRET_KEY},
            "PORTAL_SECRET_KEY: is a published development value",
        ),
        ({"PORTAL_SECRET_KEY": "k" * 40}, "PORTAL_SECRET_KEY: too easy to guess"),
        # Nine different characters, however long, are too few.
        ({"PORTAL_SECRET_KEY": "abcdefghi" * 4}, "PORTAL_SECRET_KEY: too easy to guess"),
        (
            {"KOMBO_WEBHOOK_SECRET": SANDBOX_WEBHOOK_SECRET},
            "KOMBO_WEBHOOK_SECRET: is the sandbox's public development secret",
        ),
        (
            {"KOMBO_WEBHOOK_SECRET_PREVIOUS": SANDBOX_WEBHOOK_SECRET},
            "KOMBO_WEBHOOK_SECRET_PREVIOUS: is the sandbox's public development secret",
        ),
        # PORTAL_DEMO is for the sandbox; it lets nothing through with a real key.
        (
            {"PORTAL_DEMO": "1", "PORTAL_SECRET_KEY": SANDBOX_SECRET_KEY},
            "PORTAL_SECRET_KEY: is a published development value",
        ),
    ],
)
def test_insecure_production_settings_are_named_in_one_line(environ, expected_problem):
    problems = production_problems(settings_from(**{**PRODUCTION, **environ}))

    assert len(problems) == 1
    assert problems[0].startswith(expected_problem)
    assert "\n" not in problems[0]


def test_ten_different_characters_make_a_key_long_enough_to_pass():
    settings = settings_from(**{**PRODUCTION, "PORTAL_SECRET_KEY": "abcdefghij" * 4})

    assert production_problems(settings) == []


def test_the_current_webhook_secret_again_as_the_previous_one_is_harmless():
    secret = PRODUCTION["KOMBO_WEBHOOK_SECRET"]
    settings = settings_from(**PRODUCTION, KOMBO_WEBHOOK_SECRET_PREVIOUS=secret)

    assert production_problems(settings) == []


def test_cookies_without_secure_are_a_warning_not_a_refusal():
    settings = settings_from(**PRODUCTION, PORTAL_COOKIE_SECURE="0")

    assert production_problems(settings) == []
    assert len(production_warnings(settings)) == 1
    assert production_warnings(settings)[0].startswith("PORTAL_COOKIE_SECURE: is 0")


@pytest.mark.parametrize("origins", ["", "*"])
def test_a_websocket_open_to_every_origin_is_a_warning(origins: str):
    settings = settings_from(**{**PRODUCTION, "REFLEX_CORS_ALLOWED_ORIGINS": origins})

    assert production_problems(settings) == []
    assert [w.split(":")[0] for w in production_warnings(settings)] == [
        "REFLEX_CORS_ALLOWED_ORIGINS"
    ]


def test_portal_demo_with_a_real_key_is_a_warning_that_it_is_ignored():
    warnings = production_warnings(settings_from(**PRODUCTION, PORTAL_DEMO="1"))

    assert warnings == ["PORTAL_DEMO: ignored, because KOMBO_API_KEY is set"]


def test_every_secret_key_the_docs_show_is_refused_for_production():
    # A key written in the README or .env.example is public: serving with it is refused.
    shown = {
        value
        for name in ("README.md", ".env.example")
        for value in re.findall(
            r"PORTAL_SECRET_KEY=([^\s`'\"]+)", (PROJECT_ROOT / name).read_text()
        )
        if len(value) >= 32
    } | {SANDBOX_SECRET_KEY}

    for key in shown:
        problems = production_problems(settings_from(**{**PRODUCTION, "PORTAL_SECRET_KEY": key}))
        assert problems and problems[0].startswith("PORTAL_SECRET_KEY: "), key


def test_env_example_copied_to_env_is_valid_and_is_sandbox_mode():
    settings = Settings.from_environment({}, env_file=PROJECT_ROOT / ".env.example")

    assert settings.sandbox_mode
    assert settings.security.cookie_secure is False
    assert settings.sandbox.demo is False


def test_an_empty_line_means_the_default_for_every_kind_of_setting():
    blank = {
        "PORTAL_DEMO": "",
        "KOMBO_ENABLE_FILTERING": " ",
        "PORTAL_SESSION_HOURS": "",
        "KOMBO_TIMEOUT_SECONDS": "",
        "PORTAL_CATEGORIES": "",
        "REFLEX_DB_URL": "",
    }

    assert Settings.from_environment(blank) == Settings.from_environment({})


def test_branding_defaults_to_the_portals_own():
    settings = settings_from(PORTAL_PRODUCT_NAME=" ", PORTAL_LOGO_URL="", PORTAL_ACCENT_COLOR="")

    assert settings.branding.product_name == "Kombo Portal"
    assert settings.branding.logo_url == "/favicon.svg"
    assert settings.branding.accent_color == "indigo"


def test_branding_takes_a_name_an_https_or_asset_logo_and_a_radix_accent():
    settings = settings_from(
        PORTAL_PRODUCT_NAME=" Acme HR ",
        PORTAL_LOGO_URL="https://cdn.acme.example/logo.svg",
        PORTAL_ACCENT_COLOR="Violet",
    )

    assert settings.branding.product_name == "Acme HR"
    assert settings.branding.logo_url == "https://cdn.acme.example/logo.svg"
    assert settings.branding.accent_color == "violet"
    assert settings_from(PORTAL_LOGO_URL="/favicon.svg").branding.logo_url == "/favicon.svg"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORTAL_ACCENT_COLOR", "corporate-blue", "is not a Radix Themes accent colour"),
        ("PORTAL_ACCENT_COLOR", "#3e63dd", "is not a Radix Themes accent colour"),
        ("PORTAL_LOGO_URL", "http://cdn.acme.example/logo.svg", "neither an https:// URL"),
        ("PORTAL_LOGO_URL", "/../pyproject.toml", "neither an https:// URL"),
        ("PORTAL_LOGO_URL", "/no-such-logo.svg", "neither an https:// URL"),
        ("PORTAL_LOGO_URL", "//cdn.acme.example/logo.svg", "neither an https:// URL"),
        ("PORTAL_PRODUCT_NAME", "x" * 61, "at most 60 characters"),
    ],
)
def test_bad_branding_stops_the_app_naming_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=f"^{name}: .*{message}"):
        settings_from(**{name: value})


def test_an_accent_whose_buttons_lack_contrast_is_a_production_warning():
    assert production_warnings(settings_from(**PRODUCTION, PORTAL_ACCENT_COLOR="iris")) == []

    warnings = production_warnings(settings_from(**PRODUCTION, PORTAL_ACCENT_COLOR="orange"))

    assert len(warnings) == 1
    assert warnings[0].startswith("PORTAL_ACCENT_COLOR: orange gives buttons")


def test_password_sign_in_goes_off_only_with_another_way_in_and_a_host_page():
    real = {
        "KOMBO_API_KEY": "ks_prod_abcdef",
        "KOMBO_WEBHOOK_SECRET": "whsec_real",
        "PORTAL_SECRET_KEY": "k" * 40,
    }
    handoff = {"PORTAL_HANDOFF_SECRET": "h" * 40, "PORTAL_HANDOFF_ISSUER": "https://app.test"}
    host = {"PORTAL_HOST_SIGN_IN_URL": "https://app.test/login"}

    with pytest.raises(SettingsError, match=r"^PORTAL_PASSWORD_SIGN_IN: can be 0 only when"):
        Settings.from_environment({**real, **host, "PORTAL_PASSWORD_SIGN_IN": "0"}, env_file=None)
    with pytest.raises(SettingsError, match=r"^PORTAL_HOST_SIGN_IN_URL: required when"):
        Settings.from_environment({**real, **handoff, "PORTAL_PASSWORD_SIGN_IN": "0"})
    with pytest.raises(SettingsError, match=r"^PORTAL_HOST_SIGN_IN_URL: must start with"):
        Settings.from_environment({**host, "PORTAL_HOST_SIGN_IN_URL": "app.test/login"})
    with pytest.raises(SettingsError, match=r"^PORTAL_HOST_SIGN_OUT_URL: must start with"):
        Settings.from_environment({"PORTAL_HOST_SIGN_OUT_URL": "javascript:alert(1)"})
    off = Settings.from_environment({**real, **handoff, **host, "PORTAL_PASSWORD_SIGN_IN": "0"})
    assert (off.sign_in.password, off.sign_in.host_sign_in_url) == (False, "https://app.test/login")
    # With OIDC the page has its own button: no host page needed.
    oidc = {
        "PORTAL_OIDC_ISSUER": "https://id.app.test",
        "PORTAL_OIDC_CLIENT_ID": "portal",
        "PORTAL_OIDC_CLIENT_SECRET": "a-client-secret",
    }
    assert not Settings.from_environment(
        {**real, **oidc, "PORTAL_PASSWORD_SIGN_IN": "0"}
    ).sign_in.password
    # Sandbox mode's published hand-off counts as a way in.
    assert not Settings.from_environment({**host, "PORTAL_PASSWORD_SIGN_IN": "0"}).sign_in.password
    assert Settings.from_environment({}, env_file=None).sign_in.password


def test_the_sandbox_hand_off_secret_is_a_production_problem():
    from kombo_portal.config import production_problems
    from kombo_portal.config.sandbox import SANDBOX_HANDOFF_SECRET

    real = {
        "KOMBO_API_KEY": "ks_prod_abcdef",
        "KOMBO_WEBHOOK_SECRET": "whsec_9fK2mQ7xL1",
        "PORTAL_SECRET_KEY": "Zq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1",
        "PORTAL_HANDOFF_ISSUER": "https://app.test",
    }
    published = Settings.from_environment({**real, "PORTAL_HANDOFF_SECRET": SANDBOX_HANDOFF_SECRET})
    assert production_problems(published) == [
        "PORTAL_HANDOFF_SECRET: is the sandbox's published development value; generate one: "
        'python -c "import secrets; print(secrets.token_urlsafe(48))"'
    ]
    own = Settings.from_environment(
        {**real, "PORTAL_HANDOFF_SECRET": "Hq3v8Rk1Wm5Tn0Lp7Hs2Jd9Gf4Xc6Bb1"}
    )
    assert production_problems(own) == []
