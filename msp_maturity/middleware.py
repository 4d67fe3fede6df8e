from django.conf import settings
from django.utils import translation


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
