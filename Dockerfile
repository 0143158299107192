# IMAG'IN's image: one image for the web process (the default command,
# gunicorn), the background worker (`python manage.py db_worker`) and one-off
# commands (migrate, send_claim_reminders, seed_demo).
#
# NOT BUILT OR RUN on the development machine: it has no container engine (a
# docker client only, without buildx or compose), and hadolint is not
# available there. What was checked instead, outside any container: the Debian
# package names resolve on bookworm (apt-get install --simulate); the three
# RUN steps that install and prepare the site were run by hand with /bin/sh
# (dash), as written, on a copy of the work tree made with .dockerignore's
# exclusions, into a fresh Python 3.11 virtual environment (requirements read
# from pyproject.toml and installed, the editable install, msgfmt,
# collectstatic and check with the throw-away values below). The useradd step
# was not run: the existing unprivileged user `nobody` stood in for it to run,
# with the variables compose.yaml sets, migrate on PostgreSQL 15, the CMD
# (gunicorn), the worker, a PDF laid out with the DejaVu fonts, and
# docker/healthcheck.py (exit 1 while no worker had run, 0 after;
# tests/test_container_healthcheck.py tests it too).
#
# With a .env that holds DATABASE_URL and the secrets (compose.yaml builds
# DATABASE_URL itself):
#   docker build -t imagin .
#   docker run --env-file .env -p 8000:8000 imagin                 # web
#   docker run --env-file .env imagin python manage.py db_worker --no-reload
#   docker run --env-file .env imagin python manage.py migrate --noinput

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's libraries (Pango, HarfBuzz's subsetting), a fallback font
# (PDFs are set in Marianne, read from django-dsfr's files; DejaVu serves the
# characters Marianne lacks, e.g. a Cyrillic name; the slim image has no font
# at all), and gettext's msgfmt for the English catalogue.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-dejavu-core gettext \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# The dependencies first, read from pyproject.toml alone, so that a change of
# code reuses this layer. EXTRAS names optional groups, e.g. `s3` for
# STORAGE_URL=s3://... (docker build --build-arg EXTRAS=s3).
ARG EXTRAS=""
COPY pyproject.toml ./
RUN python -c "import sys, tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = [name for name in sys.argv[1].split(',') if name]; print('\n'.join(project['dependencies'] + [dep for name in extras for dep in project['optional-dependencies'][name]]))" "$EXTRAS" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# The whole repository, not only the packages: templates/, static/ and locale/
# are top-level folders that settings find from BASE_DIR, the folder above
# imagin/. An editable install registers /app itself, so there is one copy of
# the code and BASE_DIR is /app from any working directory; `pip install .`
# would add a second copy in site-packages, whose BASE_DIR has none of those
# folders.
COPY . .
RUN pip install --no-deps -e .

# The English catalogue, compiled and checked as the Makefile does, then the
# static files (hashed and compressed for WhiteNoise) and Django's checks.
# Settings refuse to load without SECRET_KEY and FIELD_ENCRYPTION_KEYS when
# DEBUG is off: throw-away values on this line only, never in ENV, so that no
# container starts with them.
RUN for catalogue in locale/*/LC_MESSAGES/django.po; do \
        msgfmt --check -o "${catalogue%.po}.mo" "$catalogue" || exit 1; \
    done \
    && DEBUG=false SECRET_KEY=build-only-not-secret \
       FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1jb2xsZWN0c3RhdGljLW5vdC1rZXk= \
       python manage.py collectstatic --noinput \
    && DEBUG=false SECRET_KEY=build-only-not-secret \
       FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1jb2xsZWN0c3RhdGljLW5vdC1rZXk= \
       python manage.py check --fail-level ERROR

# An unprivileged user, who owns only the uploaded files' folder: the code and
# the collected static files stay root's, read-only to the site. A named volume
# mounted on /data/media takes this owner when it is first created.
RUN useradd --system --uid 10001 --no-create-home --home-dir /app \
        --shell /usr/sbin/nologin imagin \
    && mkdir -p /data/media \
    && chown imagin:imagin /data/media
USER imagin

# gunicorn.conf.py binds to $HOST:$PORT (127.0.0.1:8000 by default): every
# interface here, for the container's published port. Gunicorn's workers
# signal they are alive through a temporary file; /dev/shm keeps that off the
# container's overlay filesystem, where it can stall (gunicorn's own advice).
ENV HOST=0.0.0.0 \
    PORT=8000 \
    MEDIA_ROOT=/data/media \
    GUNICORN_CMD_ARGS="--worker-tmp-dir /dev/shm"

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/docker/healthcheck.py"]

CMD ["gunicorn", "-c", "gunicorn.conf.py", "imagin.wsgi"]
