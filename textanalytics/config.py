"""One configuration, read from TOML, mapped onto frozen dataclasses.

The same :class:`AnalysisConfig` drives the CLI and the Python API. Each
pipeline stage owns the dataclass of its own section (``[corpus]``,
``[preprocess]``, ``[vocabulary]``, ``[compare]``, ``[topics]``, ``[report]``);
this module only composes them and maps TOML onto them, rejecting unknown keys
and wrong types with a one-line :class:`~textanalytics.errors.InputError`.
Each section checks the ranges of its own fields in ``__post_init__``, so a
bad value fails when the file is read, not minutes into an analysis.

Example
-------
>>> from textanalytics.config import AnalysisConfig, load_config
>>> cfg = AnalysisConfig()                       # all defaults
>>> cfg.topics.k_grid[:3]
(2, 3, 4)
>>> cfg2 = cfg.replace(seed=7)                   # configs are immutable
"""

from __future__ import annotations

import dataclasses
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .errors import InputError
from .provenance import digest_document
from .corpus.config import CorpusConfig, FieldChecks
from .preprocessing.config import PreprocessConfig, resolve_resource_paths
from .features import VocabularyConfig
from .compare.config import CompareConfig
from .topics.config import TopicConfig
from .report.config import ReportConfig
from .effects.config import EffectsConfig
from .themes.config import ThemesConfig
from .spark.config import SparkConfig

#: Largest seed numpy's ``RandomState`` (hence gensim and scikit-learn) accepts.
MAX_SEED = 2**32 - 1

__all__ = [
    "MAX_SEED",
    "AnalysisConfig",
    "CorpusConfig",
    "PreprocessConfig",
    "VocabularyConfig",
    "CompareConfig",
    "TopicConfig",
    "ReportConfig",
    "load_config",
    "resolve_paths",
    "from_mapping",
    "to_dict",
    "config_hash",
]


@dataclass(frozen=True)
class AnalysisConfig:
    """Every parameter of an analysis. Defaults are documented in ``analysis.toml``.

    ``seed`` is the one master seed: every random step derives its seed from it
    explicitly (no global random state).
    """

    seed: int = 1
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    vocabulary: VocabularyConfig = field(default_factory=VocabularyConfig)
    compare: CompareConfig = field(default_factory=CompareConfig)
    topics: TopicConfig = field(default_factory=TopicConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    effects: EffectsConfig = field(default_factory=EffectsConfig)
    themes: ThemesConfig = field(default_factory=ThemesConfig)
    spark: SparkConfig = field(default_factory=SparkConfig)

    def __post_init__(self) -> None:
        check = FieldChecks(self, None)
        for name, cls in (("corpus", CorpusConfig), ("preprocess", PreprocessConfig),
                          ("vocabulary", VocabularyConfig), ("compare", CompareConfig), ("topics", TopicConfig),
                          ("report", ReportConfig), ("effects", EffectsConfig), ("themes", ThemesConfig),
                          ("spark", SparkConfig)):
            if not isinstance(getattr(self, name), cls):
                raise InputError(f"{name}: expected a {cls.__name__}, got {type(getattr(self, name)).__name__}")
        # Fits use seed, seed + 1, ..., and numpy, gensim and scikit-learn take seeds in [0, 2**32 - 1].
        top = MAX_SEED - (self.topics.n_seeds - 1)
        check.integer("seed", minimum=0, maximum=top,
                      problem=f"must be between 0 and {top} (fits use seed, seed + 1, ... for "
                              f"n_seeds = {self.topics.n_seeds}, and seeds end at 2**32 - 1)")

    def replace(self, **changes: Any) -> "AnalysisConfig":
        """Return a copy with top-level fields replaced."""
        return dataclasses.replace(self, **changes)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _coerce(value: Any, tp: Any, where: str) -> Any:
    """Check/convert one TOML value to the annotated type ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except InputError as exc:
                errors.append(str(exc))
        raise InputError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin is typing.Literal:
        if value not in args:
            raise InputError(f"{where}: {value!r} is not one of {', '.join(map(repr, args))}")
        return value
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, Mapping):
            raise InputError(f"{where}: expected a table, got {value!r}")
        return from_mapping(tp, value, where=where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise InputError(f"{where}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if args and len(args) != len(value):
            raise InputError(f"{where}: expected a list of {len(args)} values, got {len(value)}")
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args or [Any] * len(value))))
    if origin in (dict, Mapping, typing.Mapping) or tp in (dict, Mapping):
        if not isinstance(value, Mapping):
            raise InputError(f"{where}: expected a table, got {value!r}")
        if args:
            return {str(k): _coerce(v, args[1], f"{where}.{k}") for k, v in value.items()}
        return dict(value)
    if tp is bool:
        if not isinstance(value, bool):
            raise InputError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise InputError(f"{where}: expected a string, got {value!r}")
        return value
    if isinstance(tp, type) and not isinstance(value, tp):
        raise InputError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    return value


def from_mapping(cls: type, data: Mapping[str, Any], *, where: str = "config") -> Any:
    """Build dataclass ``cls`` from a mapping, checking keys and types.

    Unknown keys raise :class:`InputError` naming the key and the known ones,
    so a typo in ``analysis.toml`` is never silently ignored.
    """
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise InputError(
            f"{where}: unknown key {unknown[0]!r}; known keys are: {', '.join(sorted(known))}"
        )
    kwargs = {name: _coerce(value, hints[name], f"{where}.{name}") for name, value in data.items()}
    try:
        obj = cls(**kwargs)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: {exc}") from None
    return obj


def load_config(path: str | Path | None = None, *, resolve: bool = False, **overrides: Any) -> AnalysisConfig:
    """Read an ``analysis.toml`` file (or use defaults when ``path`` is None).

    Relative paths inside the file (``corpus.path``, resource files, cache and
    output folders) are kept as written (``run.json`` records them so); the
    CLI and :func:`~textanalytics.build_report` resolve them against the config
    file's folder. ``resolve=True`` does that here (:func:`resolve_paths`), for
    code that runs elsewhere, e.g. a notebook reading ``../analysis.toml``.

    Raises :class:`InputError` for a missing file, invalid TOML, unknown keys,
    wrong types or values out of range (each section checks its fields when
    it is made), each as one line naming the file and the key:
    ``analysis.toml: [report] dpi = 0: must be between 20 and 1200``.
    """
    if path is None:
        data: dict[str, Any] = {}
        name = "config"
    else:
        p = Path(path)
        name = str(p)
        if not p.is_file():
            raise InputError(f"{p}: config file not found; pass --config PATH or create analysis.toml")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{p}: invalid TOML: {exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError(f"{p}: not UTF-8 at byte {exc.start}; save the file as UTF-8") from None
    try:
        cfg = from_mapping(AnalysisConfig, data, where=name)
    except InputError as exc:
        # Range checks of the sections say "[report] dpi = 0: ..."; put the file in front.
        message = str(exc)
        raise InputError(message if message.startswith(name) else f"{name}: {message}") from None
    if overrides:
        cfg = dataclasses.replace(cfg, **overrides)
    if resolve and path is not None:
        cfg = resolve_paths(cfg, base=Path(path).resolve().parent)
    return cfg


def resolve_paths(cfg: AnalysisConfig, *, base: str | Path) -> AnalysisConfig:
    """``cfg`` with its relative input paths made absolute against ``base`` (the config file's folder).

    Resolved: ``[corpus] path``, the ``[preprocess]`` resource files (aliases,
    stopwords, stopword files, lemma exceptions, abbreviations) and its
    ``cache_dir``. Packaged names, ``""`` and absolute paths are unchanged;
    ``[report] out`` is the caller's (the CLI's ``--out``).

    >>> resolve_paths(AnalysisConfig(), base="/study").corpus.path
    '/study/seeds'
    """
    corpus = cfg.corpus
    if not Path(corpus.path).is_absolute():
        corpus = dataclasses.replace(corpus, path=str((Path(base) / corpus.path).resolve()))
    return cfg.replace(corpus=corpus, preprocess=resolve_resource_paths(cfg.preprocess, base=base),
                       themes=cfg.themes.resolved(base=base))


def to_dict(cfg: Any) -> dict[str, Any]:
    """Plain, JSON-ready dict of a config dataclass (tuples become lists)."""

    def conv(v: Any) -> Any:
        if dataclasses.is_dataclass(v):
            return {f.name: conv(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, (list, tuple)):
            return [conv(x) for x in v]
        if isinstance(v, Mapping):
            return {str(k): conv(x) for k, x in sorted(v.items())}
        if isinstance(v, Path):
            return str(v)
        return v

    return conv(cfg)


def config_hash(cfg: Any) -> str:
    """Stable SHA-256 of a config dataclass (used in cache keys)."""
    return digest_document(to_dict(cfg))
