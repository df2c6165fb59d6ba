#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except Exception as exc:
        sentence = database_failure_sentence(exc)
        if sentence is None:
            raise
        # Any command (migrate, createsuperuser, ...) that cannot reach or
        # authenticate with the database ends with one plain line, not a
        # traceback; the sentence never contains the token.
        sys.stderr.write(f"{sentence}\n")
        sys.exit(2)


def database_failure_sentence(exc: BaseException) -> str | None:
    try:
        from django.conf import settings

        from core.db.errors import describe_database_error

        return describe_database_error(exc, url=settings.DATABASES["content"]["NAME"])
    except Exception:
        return None


if __name__ == "__main__":
    main()
