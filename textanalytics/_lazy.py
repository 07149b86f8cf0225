"""Lazy public names for the package and its stage subpackages.

``import textanalytics`` and ``textanalytics --help`` should not pay for
NLTK, gensim, scikit-learn or matplotlib: a package lists its public names and
the module defining each, and a name's module is imported on first use.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable, Mapping


def lazy_exports(package: str, exports: Mapping[str, str],
                 eager: tuple[str, ...] = ()) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package`` exporting ``{name: module}``.

    ``eager`` lists names the package already defines itself (added to ``__all__``).

    >>> getattr_, dir_, all_ = lazy_exports("textanalytics", {"InputError": "textanalytics.errors"})
    >>> getattr_("InputError").__name__, all_
    ('InputError', ['InputError'])
    """
    names = sorted({*exports, *eager})

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, names
