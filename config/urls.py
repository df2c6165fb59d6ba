import re

from django.conf import settings
from django.contrib import admin
from django.urls import path, re_path
from django.views.generic import RedirectView

from config.health import healthz
from config.redirects import moved_admin_model

# A form body over DATA_UPLOAD_MAX_MEMORY_SIZE inside a multipart upload is
# only found while Django parses it; answer 413 with a sentence, not a bare 400.
handler400 = "config.security.bad_request"
# A database failure outside a view (e.g. while the session middleware saves
# the session) gets the same page in words as one inside a view.
handler500 = "config.middleware.server_error"
# A refused page keeps the admin's layout and says what to do, instead of a bare "403 Forbidden".
handler403 = "config.security.permission_denied"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # Voice sessions moved from `interview` to `learning`: old bookmarks land
    # on the same page. Before the admin's own patterns, which would answer 404.
    re_path(
        rf"^{re.escape(settings.ADMIN_URL)}interview/voicesession/(?P<rest>.*)$",
        moved_admin_model,
        {"moved_to": "learning/voicesession/"},
    ),
    # The prefix is configurable (OI_ADMIN_URL) so a deployment need not sit at /admin/.
    path(settings.ADMIN_URL, admin.site.urls),
    # Outside the admin prefix and the login: polled by load balancers.
    path("healthz", healthz, name="healthz"),
]
