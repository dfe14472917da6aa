from tests.sandbox.conftest import control, kombo, sandbox_app, sandbox_config  # noqa: F401
from tests.support.accounts import PASSWORD, SECRET_KEY, People  # noqa: F401
