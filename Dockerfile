# One image for web, worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY villages ./villages
COPY households ./households
COPY monitoring ./monitoring
COPY grid ./grid
COPY points ./points
COPY notices ./notices
RUN pip install . \
    && if command -v gs >/dev/null; then echo "Ghostscript must not be in the image (common/images.py)" >&2; exit 1; fi
COPY . .
# collectstatic needs settings that import; these build-time values never reach a container.
RUN DJANGO_SECRET_KEY=build-only-not-a-secret-0000000000000000000000000000000 \
    DJANGO_ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    CELERY_BROKER_URL=memory:// CACHE_URL=locmemcache:// ID_HASH_KEY=build FIELD_ENCRYPTION_KEY=build \
    PUBLIC_BASE_URL=http://localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /data/media && chown -R portal /data /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "config.wsgi:application"]
