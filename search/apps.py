from django.apps import AppConfig


class SearchConfig(AppConfig):
    """Full-text search over questions, kept in the admin's own database."""

    name = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from search import freshness, question_admin

        freshness.connect()
        question_admin.install()
