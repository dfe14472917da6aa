import pytest

from kombo_portal.db.models import Organisation, User
from kombo_portal.db.transaction import transaction
from kombo_portal.records.sessions import SignedInUser
from tests.sandbox.conftest import control, kombo, sandbox_app, sandbox_config  # noqa: F401
from tests.support.accounts import PASSWORD, SECRET_KEY, People  # noqa: F401


@pytest.fixture
def admin(engine) -> SignedInUser:
    """One organisation's admin, quicker to make than `people` (no password hashing)."""
    with transaction(engine) as session:
        organisation = Organisation(name="Acme Inc.")
        # Nobody signs in as this admin: a password hash no password matches.
        user = User(
            organisation_id=organisation.id,
            email="admin@acme.test",
            name="Ada",
            password_hash="-",
            role="admin",
        )
        session.add(organisation)
        session.flush()
        session.add(user)
    return SignedInUser(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role="admin",
        language="en",
        organisation_id=organisation.id,
        organisation_name=organisation.name,
    )
