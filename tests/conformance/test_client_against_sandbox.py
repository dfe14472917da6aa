"""The portal's Kombo client over real HTTP against the sandbox in its own process."""

import pytest

from kombo_portal.kombo import CreateLinkRequest, IntegrationCategory, KomboClient, KomboError


@pytest.fixture
async def client(standalone):
    async with KomboClient(standalone.api_url, standalone.api_key) as client:
        yield client


async def test_the_client_creates_a_link_and_lists_tools_over_http(client, standalone):
    link = await client.create_link(
        CreateLinkRequest(end_user_email="admin@acme.test", end_user_organization_name="Acme")
    )
    tools = await client.list_tools(IntegrationCategory.ATS)

    assert link.startswith(f"{standalone.url}/connect?token=")
    assert "greenhouse" in {tool.id for tool in tools}


async def test_errors_over_http_carry_kombos_code(client):
    with pytest.raises(KomboError) as caught:
        await client.get_integration("personio:missing")

    assert caught.value.status == 404
    assert caught.value.is_not_found
