# syntax=docker/dockerfile:1
# partygraph: the GraphQL API and the admin, served by gunicorn with uvicorn workers.
#
#   docker build -t partygraph .
#   docker volume create partygraph-data
#   docker run --rm -v partygraph-data:/data partygraph partygraph db upgrade
#   docker run -d -p 8000:8000 -v partygraph-data:/data \
#       -e PARTYGRAPH_SECRET_KEY=... partygraph
#
# docs/deployment.md has the rest: PostgreSQL, a reverse proxy, the log, health checks.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- builder: every wheel the runtime needs, built or downloaded once ----------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# The locked dependencies first, in their own layer: a change to the code alone does not
# download them again. --require-hashes: exactly the files that were locked.
COPY requirements/runtime.lock requirements/runtime.lock
RUN pip wheel --require-hashes --wheel-dir /wheels -r requirements/runtime.lock
# Then partygraph itself. The wheel carries templates/ and migrations/ inside the package
# (pyproject.toml maps them), so nothing else of the checkout goes into the image.
COPY pyproject.toml README.md ./
COPY src src
COPY templates templates
COPY migrations migrations
RUN pip wheel --no-deps --wheel-dir /wheels .

# --- runtime: a venv holding those wheels, run as an unprivileged user --------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
# The wheels are bind-mounted from the builder, not copied: they stay out of the image's layers.
# --no-index: the runtime installs what the builder locked and nothing newer.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && pip install --no-index --find-links /wheels /wheels/partygraph-*.whl \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home partygraph \
    && mkdir -p /data \
    && chown partygraph:partygraph /data

# /data holds the SQLite database (and, when PARTYGRAPH_SECRET_KEY is not set, the generated
# session secret, written to the working directory): both must outlive the container.
# With PostgreSQL, set PARTYGRAPH_DATABASE_URL=postgresql://user:password@host/db instead.
ENV PARTYGRAPH_DATABASE_URL=sqlite:////data/partygraph.db \
    PARTYGRAPH_LOG_LEVEL=INFO
VOLUME ["/data"]
WORKDIR /data
USER partygraph

EXPOSE 8000
# Liveness only (/healthz never touches the database); an orchestrator also asks /readyz.
# No curl in a slim image: Python's urllib, which fails on anything but a 2xx.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
# gunicorn handles SIGTERM (docker stop) by finishing the requests in flight.
CMD ["partygraph", "serve", "--host", "0.0.0.0", "--workers", "2"]
