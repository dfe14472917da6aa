"""The backend the state handlers use: the sandbox, in process, on the test's database."""

import pytest

from kombo_portal.backend import build_backend, install_backend
from kombo_portal.config import Settings


@pytest.fixture
async def backend(engine):
    built = build_backend(Settings.from_environment({}), lambda: engine, backend_url="http://t")
    install_backend(built)
    yield built
    await built.kombo.aclose()
