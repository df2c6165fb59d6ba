from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        # With read-only credentials the users table cannot be written, and
        # Django's own handler would fail every login trying to set last_login.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(update_last_login_unless_read_only, dispatch_uid="update_last_login")


def update_last_login_unless_read_only(sender: Any, user: Any, **kwargs: Any) -> None:
    """Django's update_last_login, skipped in a read-only deployment (checked per login)."""
    from django.conf import settings
    from django.contrib.auth.models import update_last_login

    if not getattr(settings, "READ_ONLY", False):
        update_last_login(sender, user, **kwargs)
