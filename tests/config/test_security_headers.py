"""Security headers on every response, and the admin's pages working under the CSP.

The server-side half checks every admin page the sweep reaches for inline
script (which the CSP blocks); the browser half opens the question page in
Chromium, where Markdown and the Mermaid diagram render, and listens for
CSP violations.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.support.admin_sweep import SCRIPT_TAG, admin_urls, load_sweep_content

PASSWORD = "headers-test-password-3"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_response_carries_the_security_headers(client: Client) -> None:
    for url in ("/admin/login/", "/healthz", "/admin/no-such-page/"):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "unsafe-eval" not in csp
        assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]


def test_https_deployment_sends_hsts_and_secure_cookies(settings: Any, db: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    User.objects.create_superuser("hsts-admin", "h@example.com", PASSWORD)
    client = Client()
    response = client.post("/admin/login/", {"username": "hsts-admin", "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.cookies["sessionid"]["secure"] and response.cookies["sessionid"]["httponly"]
    assert response.cookies["csrftoken"]["secure"]


@pytest.mark.django_db
def test_no_admin_page_has_inline_script(client: Client) -> None:
    load_sweep_content()
    User.objects.create_superuser("csp-admin", "c@example.com", PASSWORD)
    client.force_login(User.objects.get(username="csp-admin"))
    inline = []
    pages = 0
    for case in admin_urls()[0]:
        response = client.get(case.url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        pages += 1
        for attrs, body in SCRIPT_TAG.findall(response.content.decode()):
            if "src=" not in attrs and body.strip() and 'type="application/json"' not in attrs:
                inline.append((case.name, body.strip()[:60]))
    assert pages > 40
    assert inline == [], f"inline scripts the CSP would block: {inline}"
