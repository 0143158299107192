"""gunicorn's settings for IMAG'IN: `gunicorn -c gunicorn.conf.py imagin.wsgi`.

Used by `make run` (through the Procfile), the container image and any
deployment. Every value can be overridden by gunicorn's own command-line
options or GUNICORN_CMD_ARGS.
"""

import multiprocessing
import os

# HOST and PORT as `make run` and the container give them.
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# Pages wait on the database and on PDF layout, not only on the processor:
# gunicorn's usual 2 x cores + 1 synchronous workers, at most 8 a machine
# (more machines scale further; each worker holds its own connection pool).
# WEB_CONCURRENCY, the common convention of hosting platforms, sets it.
workers = int(
    os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
)
# A recap PDF of a large session takes seconds; nothing legitimate takes a minute.
timeout = 60
graceful_timeout = 20
# Django logs one line per request itself (with the request id and user id):
# gunicorn's access log would say it twice, without them.
accesslog = None
errorlog = "-"
# gunicorn 27's control socket lives in the home folder, one path for every
# instance of a machine: two instances (or a container's read-only home)
# would collide. Operators use signals (HUP reloads, TERM stops) instead.
control_socket_disable = True
# Behind a reverse proxy on the same machine, trust its X-Forwarded-* headers;
# FORWARDED_ALLOW_IPS widens it for a proxy elsewhere.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
