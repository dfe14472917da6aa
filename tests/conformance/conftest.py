import pytest

from harness.sandbox_server import sandbox_server
from tests.support.webhook_receiver import webhook_receiver


@pytest.fixture(scope="module")
def receiver():
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def standalone(tmp_path_factory, receiver):
    with sandbox_server(tmp_path_factory.mktemp("sandbox"), receiver.url) as server:
        yield server
