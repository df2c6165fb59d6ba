from django.conf import settings
from django.http import HttpRequest


def deployment(request: HttpRequest) -> dict[str, object]:
    """Lets every template show the read-only banner."""
    return {"read_only_deployment": settings.READ_ONLY}
