# The portal's production image.
#
#   docker build -t kombo-portal .
#   docker run -p 3000:3000 --env-file portal.env kombo-portal
#
# Its build and start steps are the commands `make build` and `make serve` run:
# `python -m kombo_portal build` and `python -m kombo_portal serve`.

ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
# The same folders in both stages: the virtualenv's scripts name its python by
# path, and the frontend's package cache records which npm installed it.
WORKDIR /app
ENV PATH=/app/.venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    REFLEX_DIR=/app/.reflex \
    REFLEX_USE_NPM=1
RUN python -m venv /app/.venv
COPY pyproject.toml README.md rxconfig.py ./
COPY kombo_portal/ kombo_portal/
COPY alembic/ alembic/
COPY assets/ assets/
COPY reflex.lock/ reflex.lock/
COPY packages/reflex-kombo-connect/ packages/reflex-kombo-connect/
RUN pip install ./packages/reflex-kombo-connect .
# npm install and the production frontend build, for port 3000 (PORT below) and
# stamped with what it was built from: `serve` with the same settings starts
# without building, and in any case without npm's registry.
RUN python -m kombo_portal build

FROM ${PYTHON_IMAGE}
WORKDIR /app
# PYTHONPATH: the app runs from /app, not from the copy `pip install .` left in
# the virtualenv, because settings, migrations and Reflex find rxconfig.py,
# alembic/ and assets/ next to the package. REFLEX_DIR: Reflex's own files,
# made in the build, where the non-root user can write (its locks).
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    REFLEX_DIR=/app/.reflex \
    REFLEX_USE_NPM=1 \
    PORT=3000
# tini as process 1: the kernel gives process 1 no default signal actions, so
# Reflex itself would ignore `docker stop` until its server is up.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 --user-group portal
# Read-only for the app: code, virtualenv, configuration, migrations.
COPY --from=builder /app/.venv /app/.venv
COPY --from=builder /app/pyproject.toml /app/rxconfig.py /app/
COPY --from=builder /app/kombo_portal /app/kombo_portal
COPY --from=builder /app/alembic /app/alembic
COPY --from=builder /app/assets /app/assets
# Written at start: `serve` builds the frontend into .web again when its stamp
# does not match (settings that change a page, such as a KOMBO_API_KEY or the
# branding), and Reflex then copies the npm lock file back to reflex.lock/; Reflex
# keeps locks in .reflex and states in .states; data/ holds the SQLite database
# when REFLEX_DB_URL does not name PostgreSQL.
COPY --from=builder --chown=portal:portal /app/reflex.lock /app/reflex.lock
COPY --from=builder --chown=portal:portal /app/.web /app/.web
COPY --from=builder --chown=portal:portal /app/.reflex /app/.reflex
RUN install -d -o portal -g portal /app/data /app/.states
USER portal
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# Refuses insecure settings, applies migrations, then becomes Reflex's server.
CMD ["python", "-m", "kombo_portal", "serve"]
