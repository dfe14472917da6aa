from starlette.testclient import TestClient

from kombo_portal.api import create_backend_api
from kombo_portal.db.engine import create_database_engine


def test_healthz_answers_ok_when_the_database_answers(engine):
    client = TestClient(create_backend_api(lambda: engine))

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_healthz_answers_503_naming_the_database_when_it_is_down():
    unreachable = create_database_engine("postgresql://nobody@127.0.0.1:1/nothing")
    client = TestClient(create_backend_api(lambda: unreachable))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_healthz_answers_503_when_the_database_is_not_migrated(empty_engine):
    client = TestClient(create_backend_api(lambda: empty_engine))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "not migrated"}


def test_healthz_only_answers_get(engine):
    client = TestClient(create_backend_api(lambda: engine))

    assert client.post("/healthz").status_code == 405
