"""The portal's tables, gathered on one metadata object (the sandbox's have their own)."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel


def portal_tables() -> MetaData:
    # Importing the module registers its tables on SQLModel.metadata.
    import kombo_portal.db.models  # noqa: F401

    return SQLModel.metadata
