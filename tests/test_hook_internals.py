"""Every upstream internal that a hook relies on still exists.

The site's hooks (hooks/*.py, and the templates in overrides/) reach into private classes, attributes,
call signatures, event priorities, template markup and file layouts of MkDocs (ProperDocs), Material,
mkdocs-static-i18n, mkdocs-jupyter, mkdocs-autorefs, mkdocstrings, nbconvert, nbclient, Jinja and
Pygments. The docs extra bounds those packages below their next release (pyproject.toml) and the
weekly canary builds with the newest ones; when a release drops or changes one of these
internals, the case for it fails here and its message names the hook that would break, the
internal that is gone and the installed version, before a strict build fails somewhere
downstream of it.

One case per (hook, internal). A case whose hook no longer mentions the internal is skipped and
says so: remove it from CASES. A new `from <upstream> import _private` in a hook needs a case
(test_every_private_import_has_a_case).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import marshal
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / "hooks"
UPSTREAM = ("mkdocs", "properdocs", "material", "mkdocs_static_i18n", "mkdocs_jupyter", "mkdocs_autorefs",
            "mkdocstrings", "mkdocstrings_handlers", "nbconvert", "nbclient", "jinja2", "pygments", "pymdownx",
            "mistune")


# --------------------------------------------------------------------------- helpers

def obj(path: str):
    """`module:attr.attr` -> the object."""
    module, _, attrs = path.partition(":")
    found = importlib.import_module(module)
    for name in filter(None, attrs.split(".")):
        found = getattr(found, name)
    return found


def has_params(path: str, *names: str) -> None:
    params = inspect.signature(obj(path)).parameters
    missing = [n for n in names if n not in params]
    assert not missing, f"{path}{inspect.signature(obj(path))} has no parameter {missing}"


def takes_kwargs(path: str) -> None:
    kinds = [p.kind for p in inspect.signature(obj(path)).parameters.values()]
    assert inspect.Parameter.VAR_KEYWORD in kinds, f"{path} no longer takes **kwargs"


def source_has(path: str, *snippets: str) -> None:
    source = inspect.getsource(obj(path))
    missing = [s for s in snippets if s not in source]
    assert not missing, f"the source of {path} no longer has {missing}"


def instance_has(path: str, *names: str, kind: type | None = None) -> None:
    """An instance of the class (made without arguments) has these attributes (plain or
    properties); `kind`: the plain attributes' type."""
    cls = obj(path)
    instance = cls()
    for name in names:
        static = inspect.getattr_static(instance, name, None)
        if isinstance(static, property):
            continue
        assert name in vars(instance) or static is not None, f"{path}() has no attribute {name!r}"
        if kind is not None:
            assert isinstance(getattr(instance, name), kind), f"{path}().{name} is not a {kind.__name__}"


def priority(path: str, expected: int) -> None:
    found = getattr(obj(path), "mkdocs_priority", 0)
    assert found == expected, f"{path} runs at priority {found}, not {expected}"


def package_dir(module: str) -> Path:
    return Path(importlib.import_module(module).__file__).parent


def file_has(path: Path, *snippets: str) -> None:
    assert path.is_file(), f"{path} is gone"
    text = path.read_text(encoding="utf-8")
    missing = [s for s in snippets if s not in text]
    assert not missing, f"{path} no longer has {missing}"


def nbconvert_template(name: str) -> Path:
    from jupyter_core.paths import jupyter_path

    for base in jupyter_path("nbconvert", "templates"):
        if (Path(base) / name).is_file():
            return Path(base) / name
    raise AssertionError(f"nbconvert's template {name} is not installed")


def material_bundle() -> Path:
    (bundle,) = (package_dir("material") / "templates" / "assets" / "javascripts").glob("bundle.*.min.js")
    return bundle


def entry_point(name: str) -> None:
    names = {ep.name for ep in metadata.entry_points(group="mkdocs.plugins")}
    assert name in names, f"no MkDocs plugin is registered as {name!r}"


def hook_module(name: str):
    """A hook's own module (hooks/ on sys.path, as MkDocs puts it there)."""
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))
    return importlib.import_module(name)


def jinja_bytecode_layout() -> None:
    """Jinja writes bc_magic, the pickled checksum, then the marshalled code; jinja_cache.py reads
    it back in that order (SafeBytecodeCache.load_bytecode)."""
    from jinja2 import Environment
    from jinja2.bccache import Bucket, bc_magic

    bucket = Bucket(Environment(), "key", "checksum")
    bucket.code = compile("1 + 1", "<template>", "eval")
    out = io.BytesIO()
    bucket.write_bytecode(out)
    data = out.getvalue()
    assert data.startswith(bc_magic), "Jinja's bytecode no longer starts with bc_magic"
    checksum, end = hook_module("jinja_cache")._unpickle_prefix(data[len(bc_magic):])
    assert checksum == "checksum", "the checksum is no longer pickled right after bc_magic"
    assert eval(marshal.loads(data[len(bc_magic) + end:])) == 2  # noqa: S307 - our own code object


def css_hidden_rule() -> None:
    hidden = hook_module("_lean_html").HIDDEN_RULE
    file_has(package_dir("mkdocs_jupyter") / "templates/mkdocs_html/assets/index.css", hidden)


# --------------------------------------------------------------------------- the cases

@dataclass(frozen=True)
class Internal:
    hook: str  # path under the repository root
    package: str  # its distribution, for the version in the message
    what: str  # the internal, as the failure message names it
    mention: str  # how the hook names it: the case is stale when the hook no longer has this text
    check: Callable[[], None]


JUPYTER_TEMPLATE = ("mkdocs_jupyter", "templates/mkdocs_html/notebook.html.j2")
I18N = "mkdocs_static_i18n.plugin:I18n"
AUTOREFS = "mkdocs_autorefs:AutorefsPlugin"
SEARCH = "material.plugins.search.plugin"


def _jupyter_template(*snippets):
    return lambda: file_has(package_dir(JUPYTER_TEMPLATE[0]) / JUPYTER_TEMPLATE[1], *snippets)


CASES = [
    # i18n_pairs.py
    Internal("hooks/i18n_pairs.py", "mkdocs-static-i18n", "the `locale` and `build` options of each language",
             "lang.build",
             lambda: [obj(f"mkdocs_static_i18n.config:I18nPluginLanguage.{n}") for n in ("locale", "build")]),
    Internal("hooks/i18n_pairs.py", "mkdocs-static-i18n", "I18n.on_files at priority -100 (the hook runs before it)",
             "priority -100", lambda: priority(f"{I18N}.on_files", -100)),
    # i18n_autorefs.py
    *[Internal("hooks/i18n_autorefs.py", "mkdocs-autorefs", f"AutorefsPlugin().{name} (a dict)", f'"{name}"',
               lambda name=name: instance_has(AUTOREFS, name, kind=dict))
      for name in ("_primary_url_map", "_secondary_url_map", "_title_map", "_breadcrumbs_map", "_url_to_page")],
    # i18n_404.py
    Internal("hooks/i18n_404.py", "mkdocs-static-i18n", "I18n().current_language and .default_language",
             "i18n.current_language", lambda: instance_has(I18N, "current_language", "default_language")),
    Internal("hooks/i18n_404.py", "mkdocs-static-i18n", "I18n.on_config at priority -100 (the hook runs after it)",
             "priority -100", lambda: priority(f"{I18N}.on_config", -100)),
    Internal("hooks/i18n_404.py", "mkdocs-material", "404.html among Material's static_templates",
             "static_templates",
             lambda: file_has(package_dir("material") / "templates/mkdocs_theme.yml",
                              "static_templates:", "- 404.html")),
    # i18n_notebooks.py
    Internal("hooks/i18n_notebooks.py", "mkdocs-static-i18n",
             "mkdocs_static_i18n.folder.create_i18n_file(file, current_language, default_language, "
             "all_languages, config)",
             "create_i18n_file",
             lambda: has_params("mkdocs_static_i18n.folder:create_i18n_file", "file", "current_language",
                                "default_language", "all_languages", "config")),
    Internal("hooks/i18n_notebooks.py", "mkdocs-static-i18n",
             "I18n().build_languages, .all_languages, .i18n_files_per_language, .current_language",
             "i18n_files_per_language",
             lambda: instance_has(I18N, "build_languages", "all_languages", "i18n_files_per_language",
                                  "current_language", "default_language")),
    Internal("hooks/i18n_notebooks.py", "mkdocs-static-i18n", "I18n.on_files at priority -100 (the hook runs after it)",
             "priority -100", lambda: priority(f"{I18N}.on_files", -100)),
    Internal("hooks/i18n_notebooks.py", "properdocs", "File._get_url(use_directory_urls)", "_get_url",
             lambda: has_params("mkdocs.structure.files:File._get_url", "use_directory_urls")),
    Internal("hooks/i18n_notebooks.py", "mkdocs-jupyter", "the plugin name 'mkdocs-jupyter'", '"mkdocs-jupyter"',
             lambda: entry_point("mkdocs-jupyter")),
    Internal("hooks/i18n_notebooks.py", "mkdocs-jupyter", "Plugin.should_include(file)", "should_include",
             lambda: has_params("mkdocs_jupyter.plugin:Plugin.should_include", "file")),
    # notebook_exec.py: mkdocs-jupyter's on_pre_page puts its converter on page.render first;
    # the hook's on_pre_page (priority -50) replaces it with the render of the executed copy.
    Internal("hooks/notebook_exec.py", "mkdocs-jupyter", "Plugin.on_pre_page at priority 0 (the hook runs after it)",
             "on_pre_page", lambda: priority("mkdocs_jupyter.plugin:Plugin.on_pre_page", 0)),
    # _nbrender.py: nbconvert's HTMLExporter with mkdocs-jupyter's template and options
    Internal("hooks/_nbrender.py", "mkdocs-jupyter",
             "templates/mkdocs_html/notebook.html.j2 (package data) and the resources it reads",
             "mkdocs_html/notebook.html.j2",
             _jupyter_template("resources.mkdocs.include_requirejs", "resources.inlining.css",
                               "resources.theme")),
    Internal("hooks/_nbrender.py", "nbconvert",
             "HTMLExporter's template_file, extra_template_paths, filters, theme and mathjax_url",
             "HTMLExporter(",
             lambda: instance_has("nbconvert.exporters:HTMLExporter", "template_file", "extra_template_paths",
                                  "filters", "theme", "mathjax_url")),
    Internal("hooks/_nbrender.py", "nbconvert",
             "CSSHTMLHeaderPreprocessor's enabled and highlight_class, filling resources['inlining']['css']",
             'resources["inlining"]["css"]',
             lambda: (instance_has("nbconvert.preprocessors:CSSHTMLHeaderPreprocessor", "enabled",
                                   "highlight_class"),
                      source_has("nbconvert.preprocessors:CSSHTMLHeaderPreprocessor", 'resources["inlining"]'))),
    Internal("hooks/_nbrender.py", "nbconvert", "the lab template's highlight_code and clean_html filters",
             '"highlight_code"',
             lambda: file_has(nbconvert_template("lab/base.html.j2"), "| highlight_code(", "| clean_html")),
    Internal("hooks/_nbrender.py", "mistune", "mistune.escape", "mistune.escape",
             lambda: obj("mistune:escape")("<")),
    # notebook_html.py
    Internal("hooks/notebook_html.py", "properdocs",
             "mkdocs.structure.pages._RelativePathTreeprocessor(file, files, config)",
             "_RelativePathTreeprocessor(page.file, files, config)",
             lambda: has_params("mkdocs.structure.pages:_RelativePathTreeprocessor", "file", "files", "config")),
    Internal("hooks/notebook_html.py", "properdocs", "_RelativePathTreeprocessor.path_to_url(url)", "path_to_url",
             lambda: has_params("mkdocs.structure.pages:_RelativePathTreeprocessor.path_to_url", "url")),
    Internal("hooks/notebook_html.py", "properdocs", "_RelativePathTreeprocessor's links_to_anchors",
             "processor.links_to_anchors",
             lambda: source_has("mkdocs.structure.pages:_RelativePathTreeprocessor.__init__", "self.links_to_anchors")),
    Internal("hooks/notebook_html.py", "properdocs",
             "Page.links_to_anchors and Page.present_anchor_ids, read by Page.validate_anchor_links",
             "page.present_anchor_ids",
             lambda: source_has("mkdocs.structure.pages:Page.validate_anchor_links", "links_to_anchors",
                                "present_anchor_ids")),
    Internal("hooks/notebook_html.py", "mkdocs-jupyter",
             "templates/mkdocs_html/assets/theme-dark.css (.jupyter-wrapper)",
             "theme-dark.css",
             lambda: file_has(package_dir("mkdocs_jupyter") / "templates/mkdocs_html/assets/theme-dark.css",
                              ".jupyter-wrapper")),
    Internal("hooks/notebook_html.py", "mkdocs-jupyter", "the template's jupyter-wrapper <div> and its closing comment",
             "WRAPPER_CLOSE", _jupyter_template('<div class="jupyter-wrapper">', "</div> <!-- jupyter-wrapper -->")),
    # api_reference.py
    Internal("hooks/api_reference.py", "mkdocstrings-python", 'the templates\' <div class="doc doc-object ...">',
             "doc doc-object",
             lambda: file_has(package_dir("mkdocstrings_handlers.python")
                              / "templates/material/_base/module.html.jinja", 'class="doc doc-object')),
    # learning_path.py (+ _lean_html.py, _plots.py)
    Internal("hooks/learning_path.py", "nbconvert", "the celltag_<tag> classes of the celltags macro", "celltag_",
             lambda: file_has(nbconvert_template("base/celltags.j2"), "celltag_")),
    Internal("hooks/learning_path.py", "mkdocs-jupyter", "the template's <div class=\"celltoolbar\">", "celltoolbar",
             _jupyter_template('<div class="celltoolbar">')),
    Internal("hooks/learning_path.py", "nbconvert",
             "the lab template's jp-Cell-inputWrapper/outputWrapper and text/markdown cells",
             "jp-Cell-inputWrapper",
             lambda: file_has(nbconvert_template("lab/base.html.j2"), '<div class="jp-Cell-inputWrapper"',
                              'class="jp-Cell-outputWrapper"', 'data-mime-type="text/markdown">')),
    Internal("hooks/_plots.py", "nbconvert", "the lab template's PNG outputs as data: URIs (data_png)",
             "data:image/png;base64",
             lambda: file_has(nbconvert_template("lab/base.html.j2"), '<img src="data:image/png;base64,')),
    Internal("hooks/_lean_html.py", "nbconvert", "CSSHTMLHeaderPreprocessor().style",
             "CSSHTMLHeaderPreprocessor().style",
             lambda: obj("nbconvert.preprocessors:CSSHTMLHeaderPreprocessor")().style),
    Internal("hooks/_lean_html.py", "Pygments", "HtmlFormatter().class2style", "class2style",
             lambda: obj("pygments.formatters:HtmlFormatter")().class2style.items()),
    Internal("hooks/_lean_html.py", "mkdocs-jupyter", "custom_highlight_code's hidden clipboard-copy-txt <div>",
             "clipboard-copy-txt",
             lambda: file_has(package_dir("mkdocs_jupyter") / "nbconvert2.py", 'class="clipboard-copy-txt"')),
    Internal("hooks/_lean_html.py", "mkdocs-jupyter", "the template's <clipboard-copy for=...> and clipboard-copy-icon",
             "clipboard-copy-icon", _jupyter_template("<clipboard-copy for=", 'class="clipboard-copy-icon"')),
    Internal("hooks/_lean_html.py", "mkdocs-jupyter", "index.css hiding collapsers and input prompts (HIDDEN_RULE)",
             "HIDDEN_RULE", css_hidden_rule),
    # a11y.py and overrides/main.html
    Internal("hooks/a11y.py", "mkdocs-material",
             "partials/search.html's role=\"dialog\" and md-search__input aria-label",
             "md-search__input",
             lambda: file_has(package_dir("material") / "templates/partials/search.html",
                              '<div class="md-search" data-md-component="search" role="dialog">',
                              'class="md-search__input" name="query" aria-label=')),
    Internal("hooks/a11y.py", "mkdocs-jupyter", "the code scroller div.highlight-ipynb", "highlight-ipynb",
             lambda: file_has(package_dir("mkdocs_jupyter") / "nbconvert2.py", "highlight-ipynb")),
    Internal("overrides/main.html", "mkdocs-material", "base.html's {% block scripts %}", "block scripts",
             lambda: file_has(package_dir("material") / "templates/base.html", "{% block scripts %}")),
    Internal("overrides/main.html", "mkdocs-material", "the bundle's md-code__nav and md-typeset__scrollwrap",
             "md-code__nav", lambda: file_has(material_bundle(), "md-code__nav", "md-typeset__scrollwrap")),
    Internal("hooks/scripts_after_paint.py", "mkdocs-material",
             "the bundle starts on DOMContentLoaded (h(document,\"DOMContentLoaded\",{once:!0}))",
             "DOMContentLoaded",
             lambda: file_has(material_bundle(), 'h(document,"DOMContentLoaded",{once:!0})')),
    # overrides/partials/*.html: copies of Material's partials, included where Material includes them
    *[Internal(f"overrides/partials/{name}", "mkdocs-material",
               f"partials/{name} ({markup}), included by {parent}", markup,
               lambda name=name, markup=markup, parent=parent: (
                   file_has(package_dir("material") / "templates" / parent, f'{{% include "partials/{name}" %}}'),
                   file_has(package_dir("material") / "templates/partials" / name, markup)))
      for name, markup, parent in (("actions.html", "md-content__button", "partials/content.html"),
                                   ("copyright.html", "md-copyright", "partials/footer.html"),
                                   ("source.html", "md-source", "partials/header.html"))],
    # language_switcher.py
    Internal("hooks/language_switcher.py", "mkdocs-static-i18n", "I18n().extra_alternate", "i18n.extra_alternate",
             lambda: instance_has(I18N, "extra_alternate", "default_language")),
    Internal("hooks/language_switcher.py", "mkdocs-static-i18n", "I18n.on_page_context at priority 50",
             "priority 50", lambda: priority(f"{I18N}.on_page_context", 50)),
    Internal("hooks/language_switcher.py", "mkdocs-material", "base.html's head <link rel=\"alternate\" hreflang>",
             "HEAD_ALTERNATE_RE",
             lambda: file_has(package_dir("material") / "templates/base.html",
                              '<link rel="alternate" href="{{ alt.link | url }}" hreflang=')),
    # jinja_cache.py
    Internal("hooks/jinja_cache.py", "Jinja2", "FileSystemBytecodeCache._get_cache_filename(bucket)",
             "_get_cache_filename", lambda: has_params("jinja2:FileSystemBytecodeCache._get_cache_filename", "bucket")),
    Internal("hooks/jinja_cache.py", "Jinja2", "jinja2.bccache.bc_magic and its bytecode layout", "bc_magic",
             jinja_bytecode_layout),
    Internal("hooks/api_reference.py", "mkdocstrings", "Handlers._locale, read for each block rendered",
             "handlers._locale",
             lambda: (source_has("mkdocstrings:Handlers.__init__", "self._locale = locale"),
                      file_has(package_dir("mkdocstrings") / "_internal" / "extension.py",
                               "locale=self._handlers._locale"))),
    Internal("hooks/jinja_cache.py", "mkdocstrings", "MkdocstringsPlugin.handlers.get_handler(name)",
             'handlers.get_handler("python")',
             lambda: (obj("mkdocstrings:MkdocstringsPlugin.handlers"),
                      has_params("mkdocstrings:Handlers.get_handler", "name"))),
    Internal("hooks/jinja_cache.py", "mkdocstrings", "a handler's Jinja environment, BaseHandler.env",
             ".env.bytecode_cache",
             lambda: source_has("mkdocstrings:BaseHandler.__init__", "self.env =")),
    # search_cache.py
    Internal("hooks/search_cache.py", "mkdocs-material", "SearchIndex.add_entry_from_context(page)",
             "add_entry_from_context", lambda: has_params(f"{SEARCH}:SearchIndex.add_entry_from_context", "page")),
    Internal("hooks/search_cache.py", "mkdocs-material", "SearchIndex.generate_search_index(prev)",
             "generate_search_index", lambda: has_params(f"{SEARCH}:SearchIndex.generate_search_index", "prev")),
    Internal("hooks/search_cache.py", "mkdocs-material", "SearchIndex().entries (a list)", "self.entries",
             lambda: source_has(f"{SEARCH}:SearchIndex.__init__", "self.entries = []")),
    Internal("hooks/search_cache.py", "mkdocs-material", "the module attribute `jieba`", "search.jieba",
             lambda: obj(SEARCH).__dict__["jieba"]),
    # _nbexec.py (notebook_exec.py's runner)
    Internal("hooks/_nbexec.py", "nbclient", "NotebookClient.execute(**kwargs) passing env and stderr to the kernel",
             "client.execute(env=env, stderr=log)", lambda: takes_kwargs("nbclient:NotebookClient.execute")),
    Internal("hooks/_nbexec.py", "nbclient", "record_timing's cell metadata execution.iopub.execute_input and "
             "shell.execute_reply", "iopub.execute_input",
             lambda: file_has(Path(obj("nbclient.client").__file__), "record_timing", '"iopub.execute_input"',
                              '"shell.execute_reply"')),
]


def _id(case: Internal) -> str:
    return f"{Path(case.hook).name}:{re.sub(r'[^A-Za-z0-9_.]+', '-', case.what)[:60].strip('-')}"


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "(not installed)"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_upstream_internal_still_exists(case: Internal):
    hook = ROOT / case.hook
    if not hook.is_file() or case.mention not in hook.read_text(encoding="utf-8"):
        pytest.skip(f"{case.hook} no longer mentions {case.mention!r}: remove this case from CASES")
    try:
        case.check()
    except Exception as exc:  # noqa: BLE001 - any failure means the internal is not there as used
        pytest.fail(
            f"{case.hook} would break: {case.package} {_version(case.package)} no longer has "
            f"{case.what}\n  ({type(exc).__name__}: {exc})",
            pytrace=False,
        )


def _private_imports(path: Path) -> set[str]:
    """`from <upstream> import _name` in a hook."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in UPSTREAM:
            found |= {alias.name for alias in node.names if alias.name.startswith("_")}
    return found


def test_every_private_import_has_a_case():
    covered = {(case.hook, word) for case in CASES for word in re.findall(r"_\w+", case.what)}
    missing = [f"{path.relative_to(ROOT)}: {name}" for path in sorted(HOOKS.glob("*.py"))
               for name in sorted(_private_imports(path))
               if (str(path.relative_to(ROOT)), name) not in covered]
    assert not missing, f"private upstream imports without a case in CASES: {missing}"

