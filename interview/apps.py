from django.apps import AppConfig


class InterviewConfig(AppConfig):
    name = "interview"
    verbose_name = "Content"

    def ready(self) -> None:
        from interview.selectors import forget_review_queue_facets
        from interview.signals import questions_written

        # A question flagged, approved or moved here shows in the review
        # queue's filters at once, not after the cache period.
        questions_written.connect(forget_review_queue_facets, dispatch_uid="forget_review_queue_facets")
