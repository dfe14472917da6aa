"""Whoever listens (state.live) is told which organisations changed, and the version
each change committed as, once each change is committed, and never of a change
rolled back."""

from collections.abc import Mapping

import pytest
from sqlmodel import select

from kombo_portal.db.models import Organisation
from kombo_portal.db.transaction import transaction
from kombo_portal.records.versions import bump_version, listen_for_changes


@pytest.fixture
def heard():
    news: list[Mapping[str, int]] = []
    stop = listen_for_changes(news.append)
    yield news
    stop()


def organisation(engine, name: str) -> str:
    with transaction(engine) as session:
        made = Organisation(name=name)
        session.add(made)
    return made.id


def test_a_committed_change_is_announced_once_with_every_organisation_it_touched(engine, heard):
    acme, globex = organisation(engine, "Acme"), organisation(engine, "Globex")
    heard.clear()

    with transaction(engine) as session:
        bump_version(session, acme)
        bump_version(session, globex)
        bump_version(session, acme)

    assert heard == [{acme: 1, globex: 1}]


def test_each_announcement_says_the_version_its_change_committed_as(engine, heard):
    acme, globex = organisation(engine, "Acme"), organisation(engine, "Globex")
    heard.clear()

    for bumped in ([acme], [acme, globex], [acme]):
        with transaction(engine) as session:
            for organisation_id in bumped:
                bump_version(session, organisation_id)

    assert heard == [{acme: 1}, {acme: 2, globex: 1}, {acme: 3}]
    with transaction(engine) as session:
        versions = {made.id: made.version for made in session.exec(select(Organisation))}
    assert versions == {acme: 3, globex: 1}


def test_a_rolled_back_change_is_never_announced(engine, heard):
    acme = organisation(engine, "Acme")
    heard.clear()

    with pytest.raises(RuntimeError), transaction(engine) as session:
        bump_version(session, acme)
        raise RuntimeError("the change fails halfway")
    with transaction(engine):
        pass  # a later commit carries nothing of it

    assert heard == []


def test_a_failing_listener_neither_undoes_the_change_nor_silences_the_others(engine, heard):
    def broken(_: Mapping[str, int]) -> None:
        raise RuntimeError("listener bug")

    stop = listen_for_changes(broken)
    acme = organisation(engine, "Acme")
    heard.clear()
    try:
        with transaction(engine) as session:
            bump_version(session, acme)
    finally:
        stop()

    assert heard == [{acme: 1}]
    with transaction(engine) as session:
        assert session.get(Organisation, acme).version == 1
