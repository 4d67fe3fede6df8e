"""`make screenshots`: every page of the product (the walk of tests/e2e/site_walk.py, on
demo data) at 1366x900 and 390x844, in German and in English, saved as full-page PNGs in
screenshots/<language>-<width>/<role>--<page>.png for people to look at.

Not a test module (its name does not start with test_), so `make test` leaves it out; the
Makefile runs it by path. Staff pages that managers see alike are saved once, as the
manager's.
"""

import re

import pytest

from tests.conftest import ROOT
from tests.e2e.site_walk import DESKTOP, PHONE, ROLES, new_context, visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

OUT = ROOT / "screenshots"


def _file_name(role: str, name: str) -> str:
    return f"{role}--{re.sub(r'[^A-Za-z0-9_-]+', '-', name)}.png"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
@pytest.mark.parametrize("language", ["de", "en"])
def test_save_every_page(browser, demo_site, language, viewport):
    folder = OUT / f"{language}-{viewport['width']}"
    folder.mkdir(parents=True, exist_ok=True)
    managers = {page.name for page in demo_site.pages["manager"]}
    problems = []
    for role in ROLES:
        pages = demo_site.pages[role]
        if role == "staff":
            pages = [page for page in pages if page.name not in managers]
        context = new_context(browser, demo_site, role, language=language, viewport=viewport)
        try:
            page = context.new_page()
            page.set_default_timeout(15000)
            for target in pages:
                outcome = visit(page, demo_site, target)
                if outcome == "skip":
                    continue
                if outcome != "ok":
                    problems.append(f"{role} {target.name}: {outcome}")
                page.screenshot(path=str(folder / _file_name(role, target.name)), full_page=True)
        finally:
            context.close()
    assert not problems, "\n".join(problems)
