from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The Node kernel: the shared model base, column fields and encodings,
    the app's users, roles and the libSQL engine."""

    name = "core"
    verbose_name = "Core"
