"""The sandbox is stricter than Kombo documents: its activation tokens are single-use
and live ten minutes, which Kombo does not promise. The portal must not depend on it:
behind a Kombo that accepts a token again, a replay still records nothing twice."""

from __future__ import annotations

import httpx
import pytest
import respx
from sqlmodel import Session, select

from kombo_portal.db.models import ConnectAttempt, Integration
from kombo_portal.kombo import KomboClient
from kombo_portal.problems import Problem
from kombo_portal.use_cases.connect import ConnectOptions, finish_connect, start_connect

BASE = "https://kombo.test/v1"
INTEGRATION_ID = "personio:CBNMt7dSNCzBdnRTx87dev4E"


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'portal.db'}"


def success(data: dict) -> httpx.Response:
    return httpx.Response(200, json={"status": "success", "data": data})


async def test_a_token_kombo_would_accept_again_is_not_exchanged_twice(engine, admin):
    with respx.mock(base_url=BASE) as kombo_api:
        kombo_api.post("/connect/create-link").mock(return_value=success({"link": "https://l"}))
        # Answers every time: a token that neither expires nor is used up.
        exchange = kombo_api.get("/connect/integration-by-token/token-1").mock(
            return_value=success(
                {
                    "id": INTEGRATION_ID,
                    "tool": "personio",
                    "end_user_origin_id": admin.organisation_id,
                }
            )
        )
        kombo_api.get(f"/integrations/{INTEGRATION_ID}").mock(
            return_value=success(
                {
                    "id": INTEGRATION_ID,
                    "tool": {"id": "personio", "label": "Personio"},
                    "category": "HRIS",
                    "status": "ACTIVE",
                    "setup_status": "COMPLETED",
                }
            )
        )
        async with KomboClient(BASE, "ks_test_key") as kombo:
            options = ConnectOptions()
            started = await start_connect(engine, kombo, admin, "HRIS", options)
            await finish_connect(engine, kombo, admin, started.attempt_id, "token-1")
            with pytest.raises(Problem) as replay:
                await finish_connect(engine, kombo, admin, started.attempt_id, "token-1")
            another = await start_connect(engine, kombo, admin, "ATS", options)
            with pytest.raises(Problem) as elsewhere:
                # The same token for another category's flow: it names an HRIS integration.
                await finish_connect(engine, kombo, admin, another.attempt_id, "token-1")

    assert replay.value.message == "This connection has already been completed."
    assert exchange.call_count == 2  # the replay never reached Kombo; the second flow did
    assert elsewhere.value.message == "This connection was not started here. Start it again."
    with Session(engine) as session:
        live = session.exec(select(Integration).where(Integration.removed_at == None)).all()  # noqa: E711
        outcomes = [a.outcome for a in session.exec(select(ConnectAttempt)).all()]
    assert [record.kombo_integration_id for record in live] == [INTEGRATION_ID]
    assert sorted(outcomes) == sorted(["connected", "refused", "refused"])
