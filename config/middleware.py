"""The portal's own middleware: Chinese first, no caching of staff pages, the edge guard.

Language selection: Chinese first.

Django's LocaleMiddleware follows the browser's Accept-Language, so a county office PC with
an English Windows would get English pages. The portal is Chinese first: the language is
zh-hans unless the user picked another one with the language switch (a cookie).
"""

from __future__ import annotations

from urllib.parse import unquote

from django.conf import settings
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreForStaffMiddleware:
    """Pages for logged-in staff carry personal data: no browser or proxy keeps a copy.

    A shared village-office PC must not show the previous user's household list from its
    cache (the Back button after logout), and no intermediate cache may store it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response.headers["Cache-Control"] = "private, no-store"
        return response


class RequestGuardMiddleware:
    """The edge: a request the portal will not read is answered here, before any view.

    - A body larger than its path may send is a 413 with a sentence (Django caps form
      fields, DATA_UPLOAD_MAX_MEMORY_SIZE, but not files: a 10 GB upload would be read to
      the end). Anonymous requests (the public forms, the login) send text only; staff
      uploads are photos and sheets; the feeds page takes a department's file.
      The proxy caps bodies too (deploy/nginx.conf): this holds without it.
    - A NUL byte in the path, the query or a form field is a 400: PostgreSQL refuses it
      in text (a 500 from every filter and form), and no person types one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def _limit(self, request) -> int:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return settings.REQUEST_MAX_BYTES_ANONYMOUS
        for prefix, limit in settings.REQUEST_MAX_BYTES_PATHS.items():
            if request.path.startswith(prefix):
                return limit
        return settings.REQUEST_MAX_BYTES

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(request, 400)
        if length > self._limit(request):
            return _refusal(request, 413, mb=self._limit(request) / 1024 / 1024)
        if _has_nul(request.path) or _has_nul(unquote(request.META.get("QUERY_STRING", ""))):
            return _refusal(request, 400)
        if request.method == "POST" and any(
            _has_nul(value) for values in request.POST.lists() for value in values[1]
        ):
            return _refusal(request, 400)
        return self.get_response(request)


def _has_nul(text: str) -> bool:
    return "\x00" in text


def _refusal(request, status: int, **context):
    """The portal's own page for a refused request, in the user's language."""
    response = render(request, f"{status}.html", context, status=status)
    if status == 413:
        response["Connection"] = "close"  # the rest of the body is not read
    return response
