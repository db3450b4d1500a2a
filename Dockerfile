# syntax=docker/dockerfile:1
# telegram-frontend: the bot, the HTTP API (/health, /metrics, /api/v1) and the workers in one
# process. Build: docker build -t telegram-frontend .   Run: see docker-compose.yml and README.md.
#
# Stage 1 installs the hash-pinned lock into a virtual environment (nothing unverified: the build
# backend is pinned too), adds the package itself with --no-deps, then drops the development tools
# the lock also pins. Stage 2 is the same slim base with only that environment, run as non-root.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /build

# Dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements.lock deploy/build-requirements.txt ./
RUN pip install --require-hashes --only-binary=:all: -r requirements.lock \
 && pip install --require-hashes --only-binary=:all: -r build-requirements.txt

COPY pyproject.toml README.md ./
COPY src ./src
COPY deploy/prune_to_runtime.py ./
RUN pip install --no-deps --no-build-isolation . \
 && python prune_to_runtime.py telegram-frontend \
 && pip check \
 && tgfront --help > /dev/null

FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="telegram-frontend" \
      org.opencontainers.image.description="Telegram bot and HTTP API for the Binance AI Traders system"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000
RUN groupadd --system --gid 10001 tgfront \
 && useradd --system --uid 10001 --gid tgfront --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin tgfront \
 && mkdir -p /app/data \
 && chown tgfront:tgfront /app/data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
USER tgfront:tgfront

# /app/data: the default SQLite database and the sandbox's files; mount a volume there.
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health/live' % os.environ.get('HTTP_PORT', '8000'), timeout=4)"]

# `tgfront run` upgrades the database to the head migration, then serves until SIGTERM.
# Other commands: `docker run IMAGE migrate <rev>`, `docker run IMAGE sandbox`, `... api-key list`.
ENTRYPOINT ["tgfront"]
CMD ["run"]
