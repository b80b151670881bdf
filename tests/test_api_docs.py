"""The API reference documents exactly the public API: every name in a module's `__all__` has
an entry on the built API page of both languages, and every entry is in `__all__`."""

import importlib
import re

import pytest
from conftest import LANGUAGES
from test_site import DOCS, Page


def documented_modules(lang: str) -> list[str]:
    return re.findall(r"^::: *(\S+)", (DOCS / lang / "api.md").read_text(encoding="utf-8"), re.M)


def entries(page: Page, module: str) -> set[str]:
    """Ids of the objects documented directly under `module` (not their methods)."""
    return {i.removeprefix(module + ".") for i in page.ids
            if i.startswith(module + ".") and "." not in i.removeprefix(module + ".")}


@pytest.mark.site
@pytest.mark.parametrize("lang", LANGUAGES)
def test_documented_api_is_the_public_api(site, lang):
    page = Page(site.site_dir / ("" if lang == "ja" else "en") / "api" / "index.html")
    modules = documented_modules(lang)
    assert modules == documented_modules("ja"), "ja and en document different modules"
    for name in modules:
        module = importlib.import_module(name)
        public = set(module.__all__) - {"__version__"}
        # a submodule documented on its own is not an entry of its parent
        shown = entries(page, name) - {m.removeprefix(name + ".") for m in modules}
        assert public <= shown, f"{name}: in __all__ but not documented: {sorted(public - shown)}"
        assert shown <= public, f"{name}: documented but not in __all__: {sorted(shown - public)}"


def test_every_documented_module_declares_its_public_api():
    for name in documented_modules("en"):
        module = importlib.import_module(name)
        assert hasattr(module, "__all__"), f"{name} has no __all__"
        for attr in module.__all__:
            assert hasattr(module, attr), f"{name}.__all__ names a missing {attr!r}"



# mkdocstrings-python's template strings, as its ja and en translations write them
TITLES = {"ja": ("引数：", "戻り値：", "発生：", "属性：", "デフォルト："),
          "en": ("Parameters:", "Returns:", "Raises:", "Attributes:")}


@pytest.mark.site
def test_section_titles_are_in_the_pages_language(site):
    """mkdocstrings' "Parameters:", "Returns:", ... follow the page (hooks/api_reference.py), not
    the site's default language."""
    for lang, other in (("ja", "en"), ("en", "ja")):
        html = (site.site_dir / ("" if lang == "ja" else "en") / "api" / "index.html").read_text(encoding="utf-8")
        text = re.sub(r"<[^>]+>", "", html[html.index("<article"):html.index("</article>")])
        assert all(title in text for title in TITLES[lang]), (lang, [t for t in TITLES[lang] if t not in text])
        assert not [t for t in TITLES[other] if t in text], (lang, [t for t in TITLES[other] if t in text])
