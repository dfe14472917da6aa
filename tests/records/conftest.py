"""The record rules' tests set up integrations through the use cases: their fixtures."""

from tests.use_cases.conftest import (  # noqa: F401
    admin,
    control,
    kombo,
    sandbox_app,
    sandbox_config,
)
