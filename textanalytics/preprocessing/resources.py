"""Word lists and tables that steer preprocessing: packaged defaults or the researcher's files.

Each setting of :class:`PreprocessConfig` that names a resource takes the packaged
name (``"default"``; ``"english"`` for stopwords), a path to the researcher's own
file, or ``""`` for none. Files are UTF-8; a bad file raises a one-line
:class:`~textanalytics.errors.InputError` naming the file and line.

Example
-------
>>> "the" in load_stopwords("english")
True
>>> load_aliases("default").columns.tolist()
['variant', 'canonical', 'case_sensitive', 'note']
"""

from __future__ import annotations

from importlib import resources as _resources
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..files import read_csv_records
from ..provenance import digest

_PACKAGED = {
    ("stopwords", "english"): "stopwords_english.txt",
    ("aliases", "default"): "aliases.csv",
    ("lemma_exceptions", "default"): "lemma_exceptions.csv",
    ("abbreviations", "default"): "punkt_abbreviations.txt",
}

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


def resource_text(kind: str, spec: str) -> tuple[str, str]:
    """Return ``(name, text)`` of a resource: packaged when ``spec`` names it, else a file.

    ``spec == ""`` gives ``("", "")``.

    >>> name, text = resource_text("aliases", "default")
    >>> name
    'aliases.csv'
    """
    if spec == "":
        return "", ""
    packaged = _PACKAGED.get((kind, spec))
    if packaged is not None:
        return packaged, _resources.files(__package__).joinpath("data", packaged).read_text(encoding="utf-8")
    path = Path(spec).expanduser()
    if not path.is_file():
        known = sorted(name for k, name in _PACKAGED if k == kind)
        raise InputError(f"[preprocess] {kind}: {spec!r} is neither a file nor a packaged name "
                         f"({', '.join(map(repr, known))}); give a path or \"\" for none")
    try:
        return str(path), path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 at byte {exc.start}; save the file as UTF-8") from None


def resource_digest(kind: str, spec: str) -> str:
    """SHA-256 of a resource's content (part of the cache key), ``""`` when none.

    >>> len(resource_digest("stopwords", "english"))
    64
    """
    _, text = resource_text(kind, spec)
    return digest(text) if text else ""


def _word_lines(text: str) -> list[str]:
    words = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return words


def load_stopwords(spec: str, *, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """Stopwords of ``spec`` plus ``extra``, lower-cased, curly apostrophes made straight.

    >>> sorted(load_stopwords("", extra=("Said",)))
    ['said']
    """
    _, text = resource_text("stopwords", spec)
    words = _word_lines(text) + [str(w) for w in extra]
    return frozenset(w.strip().lower().replace("\u2019", "'") for w in words if w.strip())


def load_abbreviations(spec: str) -> frozenset[str]:
    """Punkt abbreviation types (lower case, no final period).

    >>> "mr" in load_abbreviations("default")
    True
    """
    _, text = resource_text("abbreviations", spec)
    return frozenset(w.lower().rstrip(".") for w in _word_lines(text))


def _read_csv(kind: str, spec: str, required: tuple[str, ...],
              optional: tuple[str, ...]) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    name, text = resource_text(kind, spec)
    if not text:
        return name, []
    frame = read_csv_records(name, text=text, required=required, optional=optional, strip=True)
    return name, [(int(row.pop("_line")), row) for row in frame.to_dict("records")]


def load_aliases(spec: str) -> pd.DataFrame:
    """The alias table: ``variant, canonical, case_sensitive (bool), note``, in file order.

    ``canonical`` is lower-cased with spaces replaced by ``_``. An empty
    variant or canonical, or a variant listed twice with different canonicals,
    raises :class:`InputError` naming the line.

    >>> a = load_aliases("default")
    >>> a.loc[a["variant"] == "Daesh", "canonical"].item()
    'isil'
    """
    name, rows = _read_csv("aliases", spec, ("variant", "canonical"), ("case_sensitive", "note"))
    out: dict[str, list] = {"variant": [], "canonical": [], "case_sensitive": [], "note": []}
    seen: dict[tuple[str, bool], tuple[str, int]] = {}
    for line, row in rows:
        variant, canonical = row.get("variant", ""), row.get("canonical", "")
        if not variant or not canonical:
            raise InputError(f"{name}: line {line}: empty {'variant' if not variant else 'canonical'}; "
                             "fill it in or delete the line")
        flag = row.get("case_sensitive", "").lower()
        if flag not in _TRUE | _FALSE:
            raise InputError(f"{name}: line {line}: case_sensitive is {flag!r}; use yes or no")
        cs = flag in _TRUE
        canonical = "_".join(canonical.lower().split())
        key = (variant if cs else variant.lower(), cs)
        if key in seen and seen[key][0] != canonical:
            raise InputError(f"{name}: line {line}: variant {variant!r} maps to {canonical!r} but line "
                             f"{seen[key][1]} maps it to {seen[key][0]!r}; keep one")
        seen[key] = (canonical, line)
        out["variant"].append(variant)
        out["canonical"].append(canonical)
        out["case_sensitive"].append(cs)
        out["note"].append(row.get("note", ""))
    return pd.DataFrame(out).astype({"variant": object, "canonical": object, "case_sensitive": bool,
                                     "note": object})


def load_lemma_exceptions(spec: str) -> dict[str, str]:
    """Word -> lemma overrides (keys lower-case).

    >>> load_lemma_exceptions("default")["data"]
    'data'
    """
    name, rows = _read_csv("lemma_exceptions", spec, ("word", "lemma"), ("note",))
    out = {}
    for line, row in rows:
        word, lemma = row.get("word", "").lower(), row.get("lemma", "")
        if not word or not lemma:
            raise InputError(f"{name}: line {line}: empty {'word' if not word else 'lemma'}; "
                             "fill it in or delete the line")
        out[word.replace("\u2019", "'")] = lemma
    return out
