from django.apps import AppConfig


class InterviewConfig(AppConfig):
    name = "interview"
    verbose_name = "Content"

    def ready(self) -> None:
        # The admins of voice sessions, channel mappings and relationships
        # live apart from the questions admin (interview/admin.py).
        from interview import admin_related  # noqa: F401
