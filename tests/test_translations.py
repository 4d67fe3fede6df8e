"""The German catalogues: complete, compiled, and one German word per English text.

Django looks a text up in the project's catalogue (locale/), then in each app's in the
order of INSTALLED_APPS: the same English text translated differently in two catalogues
shows the first one's word everywhere, also on the other app's pages."""

import ast
import gettext
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    [ROOT / "locale/de/LC_MESSAGES/django.po"]
    + [
        path
        for path in ROOT.glob("*/locale/de/LC_MESSAGES/django.po")
        if not path.is_relative_to(ROOT / ".venv")
    ]
)


def _entries(path: Path) -> list[dict]:
    """The entries of a .po file: {"flags", "msgctxt", "msgid", "msgid_plural",
    "msgstr" (a list: one per plural form)}, the header and obsolete ones left out."""
    entries, entry, field = [], None, None

    def close():
        if entry and entry.get("msgid"):
            entries.append(entry)

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        if not line.strip():
            close()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": "", "msgctxt": None, "msgid_plural": None, "msgstr": []}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            text = ast.literal_eval(line)
            if field == "msgstr":
                entry["msgstr"][-1] += text
            else:
                entry[field] += text
        else:
            keyword, _space, value = line.partition(" ")
            text = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                field = "msgstr"
                entry["msgstr"].append(text)
            else:
                field = keyword
                entry[field] = text
    close()
    return entries


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_is_translated_and_none_is_fuzzy(path):
    entries = _entries(path)
    assert entries
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalogue_matches_its_source(path):
    """`make messages` compiles; a .po edited without compiling shows English."""
    with path.with_suffix(".mo").open("rb") as binary:
        compiled = gettext.GNUTranslations(binary)._catalog
    for entry in _entries(path):
        key = (
            entry["msgid"]
            if entry["msgctxt"] is None
            else f"{entry['msgctxt']}\x04{entry['msgid']}"
        )
        if entry["msgid_plural"] is None:
            assert compiled.get(key) == entry["msgstr"][0], entry["msgid"]
        else:
            assert [compiled.get((key, n)) for n in range(2)] == entry["msgstr"], entry["msgid"]


def test_no_english_text_has_two_german_translations():
    seen: dict[tuple, dict[str, str]] = {}
    for path in CATALOGUES:
        for entry in _entries(path):
            key = (entry["msgctxt"], entry["msgid"], entry["msgid_plural"])
            seen.setdefault(key, {})[str(path.relative_to(ROOT))] = tuple(entry["msgstr"])
    conflicts = {key[1]: places for key, places in seen.items() if len(set(places.values())) > 1}
    assert not conflicts, conflicts


EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _eager_calls_outside_functions(path: Path) -> list[str]:
    """Calls of gettext (not the lazy kind) that run when the module is imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
        for alias in node.names
        if alias.name in EAGER
    }
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            )
            call = isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
            if call and not inside and child.func.id in names:
                found.append(f"{path.relative_to(ROOT)}:{child.lineno} {ast.unparse(child)}")
            visit(child, inside)

    visit(tree, False)
    return found


def test_no_text_is_translated_once_when_its_module_is_imported():
    """A module-level gettext() is read in the language active at import (German), so
    English pages would show it in German: module-level texts must be lazy."""
    packages = [app for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()]
    found = [
        call
        for package in sorted(set(packages) | {"msp_maturity"})
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
        for call in _eager_calls_outside_functions(path)
    ]
    assert not found, found


def test_the_empty_choice_of_a_select_is_german_on_german_pages():
    """Django 6.1's own German catalogue lacks its new empty choice; the product's has it."""
    from django.forms import ModelChoiceField
    from django.utils import translation

    empty = ModelChoiceField(queryset=None).empty_label
    with translation.override("de"):
        assert str(empty) == "- Bitte wählen -"
    with translation.override("en"):
        assert str(empty) == "- Select an option -"
