"""Word lists and tables that steer preprocessing: packaged defaults or the researcher's files.

Each setting of :class:`PreprocessConfig` that names a resource takes the packaged
name (``"default"``; ``"english"`` for stopwords), a path to the researcher's own
file, or ``""`` for none. Only generic resources are packaged (stopwords, the
stopword presets, lemma exceptions, sentence-splitter abbreviations); domain
tables such as aliases are the researcher's files (the seeds' own is
``seeds/aliases.csv``, named in ``analysis.toml``). Files are UTF-8; a missing
or bad file raises a one-line :class:`~textanalytics.errors.InputError` naming
the file and line.

Example
-------
>>> "the" in load_stopwords("english")
True
>>> "hon" in load_stopwords("", presets=("parliament",))
True
>>> load_aliases("").columns.tolist()
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
    ("lemma_exceptions", "default"): "lemma_exceptions.csv",
    ("abbreviations", "default"): "punkt_abbreviations.txt",
    ("stopword_presets", "parliament"): "stopwords_parliament.txt",
    ("stopword_presets", "speech"): "stopwords_speech.txt",
    ("stopword_presets", "news"): "stopwords_news.txt",
    ("alias_presets", "percent"): "aliases_percent.csv",
}

#: Names of the packaged stopword presets (``[preprocess] stopword_presets``).
STOPWORD_PRESETS: tuple[str, ...] = tuple(name for kind, name in _PACKAGED if kind == "stopword_presets")

#: Names of the packaged alias tables (``[preprocess] alias_presets``).
ALIAS_PRESETS: tuple[str, ...] = tuple(name for kind, name in _PACKAGED if kind == "alias_presets")

#: Why a kind of resource has no packaged file (the domain tables are the researcher's).
_NOT_PACKAGED = {"aliases": "no alias table is packaged; the seeds' table is seeds/aliases.csv",
                 "stopword_files": "stopword files are your own; packaged lists are stopword_presets"}

#: Characters that show a stopword line holds more than one entry.
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}

_TRUE = {"yes", "true", "1", "y"}
_FALSE = {"no", "false", "0", "n", ""}


def is_packaged(kind: str, spec: str) -> bool:
    """True when ``spec`` names a packaged resource of ``kind`` (not a path).

    >>> is_packaged("stopwords", "english"), is_packaged("aliases", "default")
    (True, False)
    """
    return (kind, spec) in _PACKAGED


def resource_text(kind: str, spec: str) -> tuple[str, str]:
    """Return ``(name, text)`` of a resource: packaged when ``spec`` names it, else a file.

    ``spec == ""`` gives ``("", "")``. A path that is not a file raises
    :class:`InputError` naming the setting, the path and what to do.

    >>> name, text = resource_text("abbreviations", "default")
    >>> name
    'punkt_abbreviations.txt'
    """
    if spec == "":
        return "", ""
    packaged = _PACKAGED.get((kind, spec))
    if packaged is not None:
        return packaged, _resources.files(__package__).joinpath("data", packaged).read_text(encoding="utf-8")
    path = Path(spec).expanduser()
    if not path.is_file():
        known = sorted(name for k, name in _PACKAGED if k == kind)
        where = "relative paths are resolved against the config file's folder"
        if known:
            raise InputError(f"[preprocess] {kind} = {spec!r}: neither a file nor a packaged name "
                             f"({', '.join(map(repr, known))}); no file at {path.resolve()}; give a path or \"\" "
                             f"for none; {where}")
        raise InputError(f"[preprocess] {kind} = {spec!r}: no such file ({path.resolve()}); give a path or \"\" "
                         f"for none ({_NOT_PACKAGED.get(kind, 'none is packaged')}); {where}")
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


def stopword_entries(name: str, text: str) -> list[str]:
    """The entries of a stopword list: one a line, ``#`` comments, lower-cased.

    An entry is a word (``hon``), a joined term (``right_hon``: a phrase or
    canonical alias token) or words separated by spaces (``right hon``: the
    sequence is dropped wherever it occurs). A line holding a comma, tab or
    semicolon raises :class:`InputError` naming ``name`` and the line.

    >>> stopword_entries("my.txt", "# procedural\\nHon\\nright   hon\\n")
    ['hon', 'right hon']
    """
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        bad = next((c for c in ",;\t" if c in entry), None)
        if bad is not None:
            raise InputError(f"{name}: line {number}: {entry!r} holds a {_SEPARATOR_NAMES[bad]}; "
                             "list one word (or one space-separated sequence) a line")
        if entry:
            entries.append(normalize_stopword(entry))
    return entries


def normalize_stopword(entry: str) -> str:
    """Lower case, curly apostrophes made straight, runs of spaces made one.

    >>> normalize_stopword("  Right  Hon\\u2019s ")
    "right hon's"
    """
    return " ".join(entry.lower().replace("\u2019", "'").split())


def load_stopwords(spec: str, *, extra: tuple[str, ...] = (), presets: tuple[str, ...] = (),
                   files: tuple[str, ...] = ()) -> frozenset[str]:
    """Stopwords of the list ``spec``, the packaged ``presets``, the researcher's ``files`` and ``extra``.

    Entries are normalised by :func:`normalize_stopword`; entries with a space
    are sequences (see :func:`stopword_entries`).

    >>> sorted(load_stopwords("", extra=("Said",)))
    ['said']
    >>> {"right hon", "hon"} <= load_stopwords("", presets=("parliament",))
    True
    """
    entries = stopword_entries(*resource_text("stopwords", spec))
    for kind, specs in (("stopword_presets", presets), ("stopword_files", files)):
        for one in specs:
            entries += stopword_entries(*resource_text(kind, one))
    entries += [normalize_stopword(str(w)) for w in extra]
    return frozenset(e for e in entries if e)


def load_abbreviations(spec: str) -> frozenset[str]:
    """Punkt abbreviation types (lower case, no final period).

    >>> "mr" in load_abbreviations("default")
    True
    """
    _, text = resource_text("abbreviations", spec)
    return frozenset(w.lower().rstrip(".") for w in _word_lines(text))


def _read_csv(kind: str, spec: str, required: tuple[str, ...],
              optional: tuple[str, ...]) -> tuple[str, list[tuple[int, dict[str, str]]]]:
    """``(name, [(line, row), ...])`` of a resource CSV, values stripped, blank rows left out."""
    name, text = resource_text(kind, spec)
    if not text:
        return name, []
    frame = read_csv_records(name, text=text, required=required, optional=optional, strip=True)
    return name, [(int(row.pop("_line")), row) for row in frame.to_dict("records")]


def load_alias_tables(spec: str, *, presets: tuple[str, ...] = ()) -> pd.DataFrame:
    """The researcher's alias table (:func:`load_aliases`) followed by the packaged ``presets``' rows.

    A preset row whose variant the researcher's table already maps is left out: the researcher's
    mapping wins (``per cent -> per_cent`` in your table overrides the ``"percent"`` preset).

    >>> t = load_alias_tables("", presets=("percent",))
    >>> t["variant"].tolist(), sorted(set(t["canonical"]))
    (['per cent', 'per-cent', '%'], ['percent'])
    """
    tables = [load_aliases(spec)] + [load_aliases(name, kind="alias_presets") for name in presets]
    tables = [t for t in tables if len(t)]
    if len(tables) <= 1:
        return tables[0] if tables else load_aliases("")
    out, seen = [], set()
    for table in tables:
        key = [(v if cs else v.lower(), bool(cs)) for v, cs in zip(table["variant"], table["case_sensitive"])]
        out.append(table[[k not in seen for k in key]])
        seen.update(key)
    return pd.concat(out, ignore_index=True)


def load_aliases(spec: str, *, kind: str = "aliases") -> pd.DataFrame:
    """The alias table: ``variant, canonical, case_sensitive (bool), note``, in file order.

    ``canonical`` is lower-cased with spaces replaced by ``_``. An empty
    variant or canonical, or a variant listed twice with different canonicals,
    raises :class:`InputError` naming the line.

    >>> a = load_aliases("seeds/aliases.csv")                       # doctest: +SKIP
    >>> a.loc[a["variant"] == "Daesh", "canonical"].item()          # doctest: +SKIP
    'isil'
    """
    name, rows = _read_csv(kind, spec, ("variant", "canonical"), ("case_sensitive", "note"))
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
