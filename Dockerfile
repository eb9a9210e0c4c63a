# tracegrade's production image: Debian bookworm, torch (CPU) 2.13.0 and the project, installed by
# scripts/install.sh (the script make and CI run); tini as PID 1; runs as an unprivileged user.
# Build and run: docs/deploy.md. BASE may name a locally made Debian image (debootstrap + import).
ARG BASE=docker.io/library/debian:bookworm-slim
FROM ${BASE}

# pip settings of the build machine pass through (a private index, find-links, a CA bundle
# mounted into the build); empty by default
ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_FIND_LINKS=
ARG PIP_CERT=
ARG EXTRAS=scale

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/tracegrade/venv/bin:$PATH \
    TRACEGRADE_INSTANCE=/var/lib/tracegrade \
    TRACEGRADE_EXERCISES=/app/exercises

RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/tracegrade --create-home \
            --shell /usr/sbin/nologin tracegrade

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY scripts/ scripts/
COPY graders/ graders/
COPY server/ server/
COPY migrations/ migrations/
COPY exercises/ exercises/
RUN chmod -R a+rX /app \
 && VENV=/opt/tracegrade/venv EXTRAS="${EXTRAS}" scripts/install.sh \
 && /opt/tracegrade/venv/bin/tracegrade --version \
 && rm -rf /root/.cache

USER tracegrade
VOLUME /var/lib/tracegrade
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["tracegrade", "serve", "--host", "0.0.0.0", "--port", "8000"]
