"""Language selection: Chinese first.

Django's LocaleMiddleware follows the browser's Accept-Language, so a county office PC with
an English Windows would get English pages. The portal is Chinese first: the language is
zh-hans unless the user picked another one with the language switch (a cookie).
"""

from __future__ import annotations

from django.conf import settings
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
