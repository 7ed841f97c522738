# 業務改善提案システム — production image: PostgreSQL via DATABASE_URL, migrations at start.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    ENVIRONMENT=production \
    DEMO=false \
    HOST=0.0.0.0 \
    PORT=8000 \
    WEB_CONCURRENCY=2

WORKDIR /srv/teian
RUN useradd --create-home --uid 10001 --user-group teian
# pg_dump and pg_restore for `python -m app backup` / `restore` on PostgreSQL (they must be
# of the server's major version or newer: use the PGDG packages for a newer server).
# pango and a Japanese font for WeasyPrint's PDFs (the committee's review packet).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
       libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml README.md alembic.ini babel.cfg ./
COPY app ./app
COPY migrations ./migrations
RUN pip install -e . \
    && mkdir -p data/uploads \
    && chown -R teian:teian data

USER teian
EXPOSE 8000
VOLUME ["/srv/teian/data"]

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/api/v1/health', timeout=4)"

# Migrate, then serve. Behind the town's reverse proxy set FORWARDED_ALLOW_IPS to its
# address so client addresses (used for sign-in throttling) are read from X-Forwarded-For.
CMD ["sh", "-c", "python -m app migrate && exec uvicorn app.main:create_app --factory --host \"$HOST\" --port \"$PORT\" --proxy-headers"]
