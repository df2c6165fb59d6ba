from django.apps import AppConfig


class InterviewConfig(AppConfig):
    name = "interview"
    verbose_name = "Content"

    def ready(self) -> None:
        # The admins of voice sessions, channel mappings and relationships
        # live apart from the questions admin (interview/admin.py).
        from interview import admin_related  # noqa: F401
        from interview.selectors import forget_review_queue_facets
        from interview.signals import questions_written

        # A question flagged, approved or moved here shows in the review
        # queue's filters at once, not after the cache period.
        questions_written.connect(forget_review_queue_facets, dispatch_uid="forget_review_queue_facets")
