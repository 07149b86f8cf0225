"""Researcher-defined themes: codebooks (dictionaries) and keyword-assisted topic models (docs/themes.md).

- :mod:`.codebook`: :class:`Codebook`, :func:`read_codebook` (TOML, quanteda YAML, LIWC .dic, CSV term,category)
- :mod:`.matching`: :func:`find_matches` (lemma or surface forms, phrases, wildcards, aliases)
- :mod:`.analysis`: :func:`count_themes` -> :class:`ThemeCounts`; :func:`theme_shares`,
  :func:`theme_differences`, :func:`theme_trends` (the topic-share machinery on categories)
- :mod:`.seeded`: :func:`fit_seeded_topics`, :func:`fit_seeded_ensemble`, :func:`seeded_drift`
- :mod:`.config`: :class:`ThemesConfig` (``[themes]``); :mod:`.stage`: the pipeline stage
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "Codebook": "textanalytics.themes.codebook",
    "Entry": "textanalytics.themes.codebook",
    "read_codebook": "textanalytics.themes.codebook",
    "codebook_from_dict": "textanalytics.themes.codebook",
    "find_matches": "textanalytics.themes.matching",
    "ThemeCounts": "textanalytics.themes.analysis",
    "count_themes": "textanalytics.themes.analysis",
    "theme_shares": "textanalytics.themes.analysis",
    "theme_differences": "textanalytics.themes.analysis",
    "theme_trends": "textanalytics.themes.analysis",
    "ThemeResult": "textanalytics.themes.analysis",
    "fit_seeded_topics": "textanalytics.themes.seeded",
    "fit_seeded_ensemble": "textanalytics.themes.seeded",
    "seeded_drift": "textanalytics.themes.seeded",
    "theme_kwic": "textanalytics.themes.stage",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, eager=("ThemesConfig",))

from .config import ThemesConfig  # noqa: E402  (light: a dataclass)
