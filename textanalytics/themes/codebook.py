"""Codebooks: categories of words, phrases and wildcards a researcher defines, and their readers.

One model (:class:`Codebook`, entries of :class:`Entry`) read from four formats
(:func:`read_codebook` picks by extension):

- TOML (``.toml``, this package's format, docs/themes.md)::

      [categories.terrorist_financing]
      description = "Cutting terrorists off from money"
      words = ["financ*", "terrorist financing"]          # entries without a note
      entries = [{ pattern = "money laundering", note = "seeds 2019 MFA: 'money laundering'" }]

- quanteda-style YAML (``.yml``/``.yaml``): a mapping of category -> list of
  entries; nested mappings become ``parent.child`` categories.
- LIWC (``.dic``): a ``%``-delimited header of ``id<TAB>category`` lines, then
  ``entry<TAB>id [id ...]`` lines.
- CSV (``.csv``): ``term,category`` (optional ``note``), one entry a row, as in
  the Moral Foundations Dictionary 2.0.

Entries are lower-cased; words are split on blanks and ``_`` (so
``terrorist_financing`` and ``terrorist financing`` are one entry); ``*`` is a
glob allowed only at the ends of a word (quanteda's ``valuetype = "glob"``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import InputError, printable
from ..files import read_csv_records, read_file_bytes

__all__ = ["Entry", "Codebook", "read_codebook", "codebook_from_dict", "parse_entry"]

_WORD = re.compile(r"^\*?[^\s*]+\*?$|^\*$")


@dataclass(frozen=True)
class Entry:
    """One entry of a category: ``pattern`` as written, ``words`` as matched, and its ``note``."""

    category: str
    pattern: str
    words: tuple[str, ...]
    note: str = ""

    @property
    def has_glob(self) -> bool:
        return any("*" in w for w in self.words)


def parse_entry(pattern: str, *, category: str, note: str = "", where: str = "codebook") -> Entry:
    """An :class:`Entry` from its written form; a one-line :class:`InputError` when it cannot match."""
    text = str(pattern).strip().lower()
    words = tuple(w for w in re.split(r"[\s_]+", text) if w)
    if not words:
        raise InputError(f"{where}: category {category!r} has an empty entry; remove it or write a word")
    for w in words:
        if not _WORD.match(w) or w == "*":
            raise InputError(f"{where}: entry {printable(str(pattern))!r} of category {category!r}: a wildcard '*' "
                             "may only start or end a word (e.g. 'financ*'); write the word out")
    return Entry(category=category, pattern=" ".join(words), words=words, note=str(note).strip())


@dataclass(frozen=True)
class Codebook:
    """Categories (in file order) and their entries.

    ``source`` names the file (or ``"<dict>"``); ``descriptions`` maps a
    category to its description ("" when none).
    """

    categories: tuple[str, ...]
    entries: tuple[Entry, ...]
    source: str = "<dict>"
    descriptions: tuple[tuple[str, str], ...] = ()

    @property
    def table(self) -> pd.DataFrame:
        """``category, entry, n_words, glob, note``: one row per entry, in codebook order."""
        return pd.DataFrame({
            "category": [e.category for e in self.entries],
            "entry": [e.pattern for e in self.entries],
            "n_words": [len(e.words) for e in self.entries],
            "glob": [e.has_glob for e in self.entries],
            "note": [e.note for e in self.entries],
        })

    def duplicates(self) -> pd.DataFrame:
        """Entries listed under more than one category: ``entry, categories`` (joined with ``", "``)."""
        t = self.table.drop_duplicates(["category", "entry"])
        multi = t.groupby("entry", sort=True)["category"].agg(lambda c: ", ".join(c))
        n = t.groupby("entry", sort=True)["category"].size()
        return pd.DataFrame({"entry": multi.index[n.to_numpy() > 1],
                             "categories": multi.to_numpy()[n.to_numpy() > 1]})

    def seed_words(self) -> dict[str, list[str]]:
        """Entries without a wildcard as modelling terms (words joined with ``_``, as joined phrases are)."""
        out: dict[str, list[str]] = {c: [] for c in self.categories}
        for e in self.entries:
            term = "_".join(e.words)
            if not e.has_glob and term not in out[e.category]:
                out[e.category].append(term)
        return out

    def __repr__(self) -> str:
        return f"Codebook({len(self.categories)} categories, {len(self.entries)} entries, source={self.source!r})"


def codebook_from_dict(mapping: dict[str, Any], *, source: str = "<dict>",
                       descriptions: dict[str, str] | None = None) -> Codebook:
    """A codebook from ``{category: [entry, ...]}`` (an entry a string or ``(pattern, note)``).

    Nested mappings become ``parent.child`` categories (quanteda's levels). An
    empty category is an error naming it.

    >>> codebook_from_dict({"finance": ["financ*", "money laundering"]}).table["entry"].tolist()
    ['financ*', 'money laundering']
    """
    flat: dict[str, list[Any]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, (list, tuple)):
            flat[prefix] = list(value)
        elif isinstance(value, str):
            flat[prefix] = [value]
        else:
            raise InputError(f"{source}: category {prefix!r}: expected a list of entries, got {type(value).__name__}")

    walk("", mapping)
    entries = []
    for cat, items in flat.items():
        if not cat:
            raise InputError(f"{source}: a category has no name")
        if not items:
            raise InputError(f"{source}: category {cat!r} is empty; give it at least one entry or remove it")
        for item in items:
            pattern, note = (item, "") if isinstance(item, str) else tuple(item)
            entries.append(parse_entry(pattern, category=cat, note=note, where=source))
    return Codebook(categories=tuple(flat), entries=tuple(entries), source=source,
                    descriptions=tuple((c, (descriptions or {}).get(c, "")) for c in flat))


def _read_toml(path: Path, text: str) -> Codebook:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix that line") from None
    unknown = set(data) - {"categories"}
    if unknown or not isinstance(data.get("categories"), dict) or not data["categories"]:
        raise InputError(f"{path}: expected only [categories.<name>] tables with words = [...] and/or "
                         f"entries = [{{pattern, note}}]" + (f"; unknown key(s): {', '.join(sorted(unknown))}"
                                                            if unknown else ""))
    mapping: dict[str, list[Any]] = {}
    descriptions: dict[str, str] = {}
    for cat, body in data["categories"].items():
        if not isinstance(body, dict):
            raise InputError(f"{path}: categories.{cat} must be a table ([categories.{cat}])")
        bad = set(body) - {"words", "entries", "description"}
        if bad:
            raise InputError(f"{path}: categories.{cat}: unknown key(s) {', '.join(sorted(bad))}; "
                             "use description, words, entries")
        items: list[Any] = list(body.get("words", []))
        for i, e in enumerate(body.get("entries", []), start=1):
            if not isinstance(e, dict) or "pattern" not in e or set(e) - {"pattern", "note"}:
                raise InputError(f"{path}: categories.{cat}.entries[{i}] must be {{ pattern = \"...\", note = \"...\" }}")
            items.append((e["pattern"], e.get("note", "")))
        mapping[cat] = items
        descriptions[cat] = str(body.get("description", ""))
    return codebook_from_dict(mapping, source=str(path), descriptions=descriptions)


def _read_yaml(path: Path, text: str) -> Codebook:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise InputError(f"{path}:{line} not valid YAML; fix that line") from None
    if not isinstance(data, dict) or not data:
        raise InputError(f"{path}: expected a mapping of category -> list of entries (quanteda's YAML dictionary)")
    return codebook_from_dict(data, source=str(path))


def _read_dic(path: Path, text: str) -> Codebook:
    lines = text.splitlines()
    marks = [i for i, line in enumerate(lines) if line.strip() == "%"]
    if len(marks) < 2:
        raise InputError(f"{path}: a LIWC .dic needs a header between two lines holding only '%'")
    ids: dict[str, str] = {}
    for n in range(marks[0] + 1, marks[1]):
        parts = lines[n].split()
        if not parts:
            continue
        if len(parts) < 2:
            raise InputError(f"{path}: line {n + 1}: expected 'id<TAB>category' in the header")
        ids[parts[0]] = " ".join(parts[1:])
    mapping: dict[str, list[Any]] = {c: [] for c in ids.values()}
    for n in range(marks[1] + 1, len(lines)):
        parts = lines[n].split("\t") if "\t" in lines[n] else lines[n].split()
        parts = [p.strip() for p in parts if p.strip()]
        if not parts:
            continue
        if len(parts) < 2:
            raise InputError(f"{path}: line {n + 1}: an entry needs at least one category id")
        for cid in parts[1:]:
            if cid not in ids:
                raise InputError(f"{path}: line {n + 1}: category id {cid!r} is not in the header")
            mapping[ids[cid]].append(parts[0])
    return codebook_from_dict(mapping, source=str(path))


def _read_csv(path: Path) -> Codebook:
    rows = read_csv_records(path, required=("term", "category"), optional=("note",), strip=True,
                            empty="a header row term,category and one entry a row")
    mapping: dict[str, list[Any]] = {}
    for rec in rows.to_dict("records"):
        if not rec["term"] or not rec["category"]:
            raise InputError(f"{path}: line {rec['_line']}: both term and category are needed")
        mapping.setdefault(rec["category"], []).append((rec["term"], rec.get("note") or ""))
    if not mapping:
        raise InputError(f"{path}: no entries; add rows term,category")
    return codebook_from_dict(mapping, source=str(path))


def read_codebook(path: str | Path) -> Codebook:
    """Read a codebook file: ``.toml``, ``.yml``/``.yaml`` (quanteda), ``.dic`` (LIWC) or ``.csv`` (term,category).

    Raises :class:`InputError` with one line naming the file (and line) for an
    unknown extension, a malformed file or an empty category.

    >>> read_codebook("seeds/themes.toml").categories[:2]     # doctest: +SKIP
    ('terrorist_financing', 'foreign_terrorist_fighters')
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix not in (".toml", ".yml", ".yaml", ".dic"):
        raise InputError(f"{path}: unknown codebook format {suffix or '(no extension)'!r}; "
                         "use .toml, .yml/.yaml (quanteda), .dic (LIWC) or .csv (term,category)")
    try:
        text = read_file_bytes(path, what="codebook").decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; save the codebook as UTF-8") from None
    reader = {".toml": _read_toml, ".yml": _read_yaml, ".yaml": _read_yaml, ".dic": _read_dic}[suffix]
    return reader(path, text)
