from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The project's wiring as an app, for its template tags and commands."""

    name = "config"
    verbose_name = "Configuration"
