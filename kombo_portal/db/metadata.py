"""Every table the migrations manage, gathered on one metadata object."""

from sqlalchemy import MetaData
from sqlmodel import SQLModel


def all_tables() -> MetaData:
    # Importing the modules registers their tables on SQLModel.metadata.
    import kombo_portal.db.models
    import kombo_portal.sandbox.models  # noqa: F401

    return SQLModel.metadata
