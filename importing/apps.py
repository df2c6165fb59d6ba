from django.apps import AppConfig


class ImportingConfig(AppConfig):
    """Bulk import and export; each content app registers what it brings."""

    name = "importing"
    verbose_name = "Import and export"
