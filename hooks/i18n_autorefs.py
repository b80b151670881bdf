"""Give mkdocs-autorefs a fresh URL map for each language build.

mkdocs-static-i18n builds the other languages by calling MkDocs' `build()` again on the same
config, so every plugin instance is reused. mkdocs-autorefs keeps the anchors it has seen on
its instance, so in the English build `pathlearn.device.resolve_device` is found both on
`api/` (Japanese) and `en/api/` and every cross-reference warns "Multiple primary URLs found"
(a `--strict` failure). No upstream issue covers the pair; `autorefs: resolve_closest` only
helps for pages under `en/`. Clearing the maps when each build starts keeps every language's
references inside that language.
"""

from __future__ import annotations

from mkdocs.plugins import event_priority

# Filled while pages render, read at on_env; the inventory map (_abs_url_map) stays.
PER_BUILD_MAPS = (
    "_primary_url_map",
    "_secondary_url_map",
    "_title_map",
    "_breadcrumbs_map",
    "_url_to_page",
)


@event_priority(100)
def on_pre_build(config):
    autorefs = config.plugins.get("autorefs")
    if autorefs is None:
        return
    for name in PER_BUILD_MAPS:
        mapping = getattr(autorefs, name, None)
        if isinstance(mapping, dict):
            mapping.clear()
