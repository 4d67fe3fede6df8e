from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control


class LanguageMiddleware:
    """Activate the language the user chose, else German.

    Django's LocaleMiddleware would follow the browser's Accept-Language; the product is
    German unless someone switches, so only the language cookie counts here.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PrivateCacheMiddleware:
    """Every page and export the product renders says ``Cache-Control: private, no-store``
    unless its view chose otherwise: they hold a signed-in person's data, a survey link's
    answers or a visitor's result, which no shared cache and no browser history should keep.
    Static files never reach this middleware (whitenoise answers them first, cacheable).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response.headers:
            patch_cache_control(response, private=True, no_store=True)
        return response
