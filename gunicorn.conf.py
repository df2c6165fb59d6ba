"""gunicorn settings for `make serve` (the production configuration).

Values come from the environment (see deploy/production.env.example), so
several instances can be started side by side with different GUNICORN_BIND
against one Turso database: nothing here keeps state on local disk.
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads let one worker keep serving while another request waits on a Turso
# round trip (or a slowed-down failed sign-in).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Load the application in the master before forking: a configuration error
# (e.g. no DJANGO_SECRET_KEY) stops gunicorn once with its one-line message
# instead of every worker failing to boot in a loop.
preload_app = True
# Headers are limited to gunicorn's defaults; bodies are limited by
# config.security.RequestSizeLimitMiddleware.
limit_request_line = 8190
# No control socket: it is a file under $HOME, and nothing here uses it.
control_socket_disable = True
# Trust X-Forwarded-* only from the proxy addresses listed (default: none).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proxy_allow_ips = forwarded_allow_ips

# gunicorn's own error and access logs in the application's one-line,
# redacted format. The access line has no query string (it can carry
# tokens) and no cookies or Authorization header.
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"()": "config.logging.OneLineFormatter"}},
    "filters": {"redact": {"()": "config.logging.RedactSecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["redact"],
            "stream": "ext://sys.stderr",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
