#!/bin/sh
# Run a server command with the job runner beside it:
#   sh deploy/with_job_runner.sh .venv/bin/python manage.py runserver 127.0.0.1:8000
# The job runner (`manage.py db_worker`: django-tasks' database worker, its
# queue in the admin database) runs big imports and exports in the
# background. It starts first, and stops when the server stops: Ctrl-C
# reaches both (the worker stops a running job at its next step, which
# writes nothing), and the server ending for any other reason stops it too.
# A process manager stopping this script should signal its whole process
# group (systemd does by default).
set -u
python="$1"
"$python" manage.py db_worker --no-reload --no-startup-delay &
worker=$!
stop_worker() {
	trap - EXIT INT TERM
	kill -TERM "$worker" 2>/dev/null
	wait "$worker" 2>/dev/null
}
trap stop_worker EXIT
trap 'stop_worker; exit 130' INT
trap 'stop_worker; exit 143' TERM
"$@"
