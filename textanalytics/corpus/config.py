"""``[corpus]`` section of the configuration (owned by the corpus stage).

Also home of :class:`FieldChecks`, the checks every section's ``__post_init__``
runs so that a wrong value fails when the configuration is made, with one
line ``[section] key = value: what is wrong``. It lives here because the
corpus is the first stage: every other section may import it without
importing against the flow of data.
"""

from __future__ import annotations

import codecs
import json
import math
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Iterable, Literal, Mapping

from ..errors import InputError

__all__ = ["CorpusConfig", "FieldChecks", "toml_value"]


def toml_value(value: Any, *, limit: int = 80) -> str:
    """``value`` as it would be written in ``analysis.toml``, on one line, shortened to ``limit`` characters.

    >>> toml_value(True), toml_value("a\\nb"), toml_value(("png", 3)), toml_value(float("nan"))
    ('true', '"a\\\\nb"', '["png", 3]', 'nan')
    """
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, Integral):
        text = str(int(value))
    elif isinstance(value, Real):
        x = float(value)
        text = repr(x) if math.isfinite(x) else ("nan" if x != x else "inf" if x > 0 else "-inf")
    elif isinstance(value, str):
        quoted = json.dumps(value, ensure_ascii=False)
        text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in quoted)
    elif isinstance(value, Mapping):
        text = "{" + ", ".join(f"{k} = {toml_value(v, limit=limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(toml_value(v, limit=limit) for v in value) + "]"
    else:
        text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in repr(value))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


#: Characters a one-line config string (a title) may not hold: C0 and C1 controls, DEL and
#: the Unicode bidirectional controls (they can make a label read differently from its bytes).
_CONTROL = frozenset(list(range(0x00, 0x20)) + list(range(0x7F, 0xA0))
                     + [0x061C, 0x200E, 0x200F] + list(range(0x202A, 0x202F)) + list(range(0x2066, 0x206A)))


class FieldChecks:
    """Type and range checks for the fields of one config dataclass (call from ``__post_init__``).

    Every failed check raises one :class:`InputError` line,
    ``[section] key = value: problem`` (``key = value: problem`` for a top-level
    key); :func:`~textanalytics.config.load_config` puts the file name in front.
    Checks that pass store the value in its canonical type (``numpy`` integers
    become ``int``, lists become tuples, ints in float fields become floats), so
    a config built in Python hashes like the same config read from TOML.

    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Demo:
    ...     dpi: int = 110
    ...     def __post_init__(self):
    ...         FieldChecks(self, "report").integer("dpi", minimum=20, maximum=1200)
    >>> Demo(dpi=0)
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [report] dpi = 0: must be between 20 and 1200
    """

    def __init__(self, obj: Any, section: str | None) -> None:
        self.obj = obj
        self.prefix = f"[{section}] " if section else ""

    def fail(self, name: str, problem: str, *, value: Any = None, shown: str | None = None) -> None:
        """Raise the one-line error for field ``name`` (its current value unless ``value``/``shown``)."""
        if shown is None:
            shown = toml_value(getattr(self.obj, name) if value is None else value)
        raise InputError(f"{self.prefix}{name} = {shown}: {problem}")

    def _set(self, name: str, value: Any) -> Any:
        object.__setattr__(self.obj, name, value)
        return value

    @staticmethod
    def _range(minimum: Any, maximum: Any, *, min_open: bool = False, max_open: bool = False) -> str:
        if minimum is not None and maximum is not None:
            if min_open or max_open:
                return (f"must be in {'(' if min_open else '['}{minimum}, {maximum}{')' if max_open else ']'}")
            return f"must be between {minimum} and {maximum}"
        if minimum is not None:
            return f"must be greater than {minimum}" if min_open else f"must be at least {minimum}"
        return f"must be less than {maximum}" if max_open else f"must be at most {maximum}"

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None,
                problem: str | None = None) -> int:
        """An integer in ``[minimum, maximum]`` (``problem`` replaces the range message)."""
        value = getattr(self.obj, name)
        if not _is_int(value):
            self.fail(name, "must be an integer")
        value = int(value)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(name, problem or self._range(minimum, maximum))
        return self._set(name, value)

    def number(self, name: str, *, minimum: float | None = None, maximum: float | None = None,
               min_open: bool = False, max_open: bool = False, problem: str | None = None) -> float:
        """A finite number in the range (open at an end when ``min_open``/``max_open``), stored as float."""
        value = getattr(self.obj, name)
        if not _is_number(value):
            self.fail(name, "must be a number")
        x = float(value)
        bad = not math.isfinite(x)
        if minimum is not None:
            bad |= x <= minimum if min_open else x < minimum
        if maximum is not None:
            bad |= x >= maximum if max_open else x > maximum
        if bad:
            self.fail(name, problem or (self._range(minimum, maximum, min_open=min_open, max_open=max_open)
                                        if minimum is not None or maximum is not None else "must be a finite number"))
        return self._set(name, x)

    def boolean(self, name: str) -> bool:
        if not isinstance(getattr(self.obj, name), bool):
            self.fail(name, "must be true or false")
        return getattr(self.obj, name)

    def choice(self, name: str, options: Iterable[Any]) -> Any:
        """One of ``options`` (compared with ``==``; ``True`` is not ``1``)."""
        value = getattr(self.obj, name)
        options = tuple(options)
        if isinstance(value, bool) or not any(value == o and type(value) is type(o) for o in options):
            self.fail(name, f"must be one of {', '.join(toml_value(o) for o in options)}")
        return value

    def text(self, name: str, *, nonempty: bool = False, one_line: bool = False,
             problem: str = "must not be empty") -> str:
        """A string; never with NUL (no file name or column holds one); with ``one_line``, no control characters."""
        value = getattr(self.obj, name)
        if not isinstance(value, str):
            self.fail(name, "must be a string")
        if nonempty and not value.strip():
            self.fail(name, problem)
        forbidden = _CONTROL if one_line else {0}
        bad = next((c for c in value if ord(c) in forbidden), None)
        if bad is not None:
            self.fail(name, f"holds the control character U+{ord(bad):04X}; remove it")
        return value

    def texts(self, name: str, *, nonempty: bool = True, unique: bool = False) -> tuple[str, ...]:
        """A list of strings, stored as a tuple (a single string is refused: it is not a list)."""
        value = getattr(self.obj, name)
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            self.fail(name, "must be a list of strings")
        items = tuple(value)
        seen: set[str] = set()
        for item in items:
            if not isinstance(item, str):
                self.fail(name, f"must be a list of strings; {toml_value(item)} is not a string", value=items)
            if "\x00" in item:
                self.fail(name, "holds the control character U+0000; remove it", value=items)
            if nonempty and not item.strip():
                self.fail(name, "holds an empty string; remove it", value=items)
            if unique and item in seen:
                self.fail(name, f"lists {toml_value(item)} twice; list each value once", value=items)
            seen.add(item)
        return self._set(name, items)

    def document_frequency(self, name: str) -> int | float:
        """``min_df``/``max_df``: an int (number of units, >= 0) or a float proportion in [0, 1]."""
        value = getattr(self.obj, name)
        if _is_int(value):
            value = int(value)
            if value < 0:
                self.fail(name, "a number of units must be at least 0")
            if name == "max_df" and value < 2:
                self.fail(name, f"keeps only terms found in {'no' if value == 0 else 'a single'} unit; a proportion "
                          "needs a decimal point (1.0 = every unit) or give a number of units of at least 2")
            return self._set(name, value)
        if not _is_number(value):
            self.fail(name, "must be a number of units (an integer) or a proportion (a number between 0.0 and 1.0)")
        x = float(value)
        if not 0.0 <= x <= 1.0:
            self.fail(name, "a proportion must be between 0.0 and 1.0 (an integer is a number of units)")
        return self._set(name, x)

    def df_pair(self) -> None:
        """``min_df`` must not exceed ``max_df`` when both are counts or both proportions."""
        lo, hi = self.obj.min_df, self.obj.max_df
        if isinstance(lo, int) == isinstance(hi, int) and lo > hi:
            self.fail("min_df", f"is larger than max_df = {toml_value(hi)}, so no term could be kept; "
                      "lower min_df or raise max_df")


def check_encoding(encoding: Any, *, checks: FieldChecks | None = None, name: str = "encoding") -> str:
    """``encoding`` if Python knows it as a text encoding; else :class:`InputError`.

    >>> check_encoding("latin-1")
    'latin-1'
    """
    ok = isinstance(encoding, str) and bool(encoding.strip())
    if ok:
        try:
            ok = codecs.lookup(encoding)._is_text_encoding  # base64, rot13, zlib ... are not
        except LookupError:
            ok = False
    if not ok:
        problem = 'is not a known text encoding; use e.g. "utf-8", "latin-1", "cp1252" or "utf-16"'
        if checks is not None:
            checks.fail(name, problem, value=encoding)
        raise InputError(f"{name} = {toml_value(encoding)}: {problem}")
    return encoding


@dataclass(frozen=True)
class CorpusConfig:
    """How to find and read the corpus (the options of :func:`~textanalytics.corpus.load_corpus`).

    Attributes
    ----------
    path:
        A seeds-style folder (``raw/`` + ``metadata.csv``), a folder of ``.txt``
        files with a ``metadata.csv``, or a table file (``.csv``, ``.csv.gz``,
        ``.tsv``, ``.jsonl``, ``.jsonl.gz``, ``.json`` (an array of records), ``.parquet``).
        Relative to the config file.
    text_col, date_col, speaker_col, id_col, title_col:
        Column names for table corpora (and for a folder's metadata file).
        ``id_col=""`` means ids from a ``statement_id`` column if there is one,
        else from row numbers (tables) or file names (folders). A date,
        speaker or title column left at its default name may be absent; one
        named explicitly must exist.
    on_error:
        ``"raise"`` stops at bad records (empty text, bad id, date or year);
        ``"skip"`` skips them and reports what was skipped (``Corpus.problems``).
    derive:
        Extra metadata columns computed at load time, ``name = "kind:column"``,
        e.g. ``outlet = "url_host:article_source_link"``, ``month = "month:date"``.
        Kinds: ``url_host``, ``month``, ``quarter`` (``2017-Q1``), ``year``,
        ``decade`` (``1990s``) and ``periods`` with its list after a second
        ``:`` (``era = "periods:date:1989-1996,1997-2009"``, labels
        ``1989–1996``; ``NAME=START..END`` for named periods with days or months,
        see :mod:`textanalytics.corpus.derive`). A malformed or overlapping list
        fails here, when the configuration is made.
    encoding:
        Text encoding of the corpus files (default UTF-8). Any text encoding
        Python knows (``"latin-1"``, ``"cp1252"``, ``"utf-16"``); checked when
        the configuration is made.
    metadata:
        Folders only: a metadata file other than ``metadata.csv``, relative
        to the corpus folder. "" means ``metadata.csv``.
    na_values:
        Table files only: the strings that mean a missing metadata value
        (``"NA"`` in a party column is then no party). Not set (None): pandas'
        default list (``NA``, ``N/A``, ``n/a``, ``null``, ``NULL``, ``NaN``,
        ``nan``, ``None``, ``#N/A``, ``<NA>``, ...; see
        :mod:`textanalytics.corpus.missing`). A list replaces it; ``[]`` reads
        every value as written. Never applied to the text column (only an
        empty text is missing) or the id column.
    stream_rows:
        Table files only. ``0`` (default) loads the corpus into memory. A
        positive number makes the report stream the table ``stream_rows``
        records at a time: tokens go to a store on disk, matrices are built
        chunk by chunk and no stage holds the raw texts of more than a piece or two
        (:func:`textanalytics.pipeline.run_analysis`). The tables equal the
        in-memory run's, except that ids made from record positions (no
        ``id_col``) have seven digits (``doc0000001``).

    Example
    -------
    >>> CorpusConfig(path="news.csv.gz", id_col="article_id", date_col="publish_date",
    ...              on_error="skip", derive={"month": "month:date"}).on_error
    'skip'
    >>> CorpusConfig(encoding="utf-9")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [corpus] encoding = "utf-9": is not a known text encoding; use e.g. "utf-8", "latin-1", "cp1252" or "utf-16"
    """

    path: str = "seeds"
    text_col: str = "text"
    date_col: str = "date"
    speaker_col: str = "speaker"
    id_col: str = ""
    title_col: str = "title"
    on_error: Literal["raise", "skip"] = "raise"
    derive: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    metadata: str = ""
    stream_rows: int = 0
    na_values: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        check = FieldChecks(self, "corpus")
        check.text("path", nonempty=True, problem="name the corpus file or folder")
        check.text("text_col", nonempty=True, problem="name the column that holds the texts")
        for name in ("date_col", "speaker_col", "title_col"):
            check.text(name, nonempty=True, problem="name a column, or leave the key out for the default")
        check.text("id_col")
        check.text("metadata")
        check.choice("on_error", ("raise", "skip"))
        check_encoding(self.encoding, checks=check)
        check.integer("stream_rows", minimum=0,
                      problem="must be 0 (in memory) or a positive number of records per piece")
        if self.na_values is not None:
            check.texts("na_values", nonempty=False, unique=True)
        if not isinstance(self.derive, Mapping):
            check.fail("derive", 'must be a table of name = "kind:column", e.g. { month = "month:date" }')
        from .derive import derive_problem  # pandas is only needed once a corpus is read

        for name, spec in self.derive.items():
            problem = derive_problem(name, spec)
            if problem:
                check.fail(f"derive.{name}", problem, value=spec)
