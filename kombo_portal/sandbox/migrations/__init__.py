"""The sandbox's migrations: an alembic branch of their own (label `sandbox`),
listed in pyproject.toml's [tool.alembic] version_locations and run only for a
sandbox-mode database (see kombo_portal.db.migrations)."""
