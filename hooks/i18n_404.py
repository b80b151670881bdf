"""Keep the default language's 404 page.

A site has a single 404.html, and mkdocs-static-i18n writes it in every language build, so the
last language built (English) wins (ultrabug/mkdocs-static-i18n#284). The Japanese site is the
default one at `/`, so only its build writes 404.html. Drop this hook once i18n handles it.
"""

from __future__ import annotations

from mkdocs.plugins import event_priority


# After mkdocs-static-i18n's on_config (priority -100), which sets the language being built.
@event_priority(-110)
def on_config(config):
    i18n = config.plugins["i18n"]
    if i18n.current_language == i18n.default_language:
        config.theme.static_templates.add("404.html")
    else:
        config.theme.static_templates.discard("404.html")
    return config
