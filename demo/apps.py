from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo content `make run` loads into an empty database."""

    name = "demo"
    verbose_name = "Demo content"
