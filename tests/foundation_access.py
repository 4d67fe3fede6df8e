from tests.access import Rule, public

ACCESS = {
    "home": public(),
    "healthz": public(),
    # Signed-in users are sent on from the sign-in page.
    "login": Rule(200, 302, 302, 302),
    # Signing out is a POST; a GET is refused.
    "logout": Rule(405, 405, 405, 405),
    # Django's language switch redirects back after a POST; a GET only redirects.
    "set_language": Rule(302, 302, 302, 302, method="post", data={"language": "en", "next": "/"}),
}
