"""How the contents of one report file differ from another's, by kind: text with numbers
compared within a tolerance, PNG pixels, JSON values, other bytes (:func:`content_problem`).
Used by :mod:`.verify`; problems quote at most :data:`SNIPPET` characters, control characters escaped.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np

from ..errors import printable

__all__ = ["content_problem", "quote", "SNIPPET", "EXACT_DIGITS"]

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
#: Content hashes matplotlib uses as SVG ids (clip paths, glyphs): they change with any coordinate.
_SVG_ID = re.compile(r"\b[a-zA-Z_]*[0-9a-f]{10,}\b")
_TEXT_SUFFIXES = {".csv", ".md", ".html", ".svg", ".json", ".txt"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Characters of a differing text or value quoted in a problem.
SNIPPET = 60
#: Whole numbers with fewer significant digits than this are exact (counts, K, years); longer
#: ones may be floats that ``%.6g`` printed without a decimal point (123456.5 -> "123457").
EXACT_DIGITS = 6


# ---------------------------------------------------------------- quoting

def _clip(text: str) -> str:
    """``text`` cut to :data:`SNIPPET` characters (``...`` marks a cut)."""
    return text[:SNIPPET] + ("..." if len(text) > SNIPPET else "")


def quote(text: str) -> str:
    """First :data:`SNIPPET` characters of ``text``, quoted with control characters escaped (``repr``)."""
    return repr(text[:SNIPPET]) + ("..." if len(text) > SNIPPET else "")


def _snippets(x: str, y: str) -> tuple[str, str]:
    """``x`` and ``y`` quoted; when they share a long start, both begin shortly before their first difference.

    >>> _snippets("a" * 100 + "x", "a" * 100 + "y")
    ("...'aaaaaaaaaaaaaaaaaaaax'", "...'aaaaaaaaaaaaaaaaaaaay'")
    """
    same = next((i for i, (c, d) in enumerate(zip(x, y)) if c != d), min(len(x), len(y)))
    start = max(0, same - SNIPPET // 3)
    if start <= SNIPPET // 6:
        return quote(x), quote(y)
    return "..." + quote(x[start:]), "..." + quote(y[start:])

# ---------------------------------------------------------------- bytes

def _first_difference(*, a: bytes, b: bytes) -> int:
    """Offset (from 0) of the first byte where ``a`` and ``b`` differ (the shorter length if one is a prefix)."""
    n = min(len(a), len(b))
    diff = np.flatnonzero(np.frombuffer(a, np.uint8, n) != np.frombuffer(b, np.uint8, n))
    return int(diff[0]) if diff.size else n


def _bytes_problem(*, a: bytes, b: bytes) -> str:
    """``bytes differ: 1,204 vs 1,210 bytes, first difference at byte 88`` for two unequal byte strings."""
    return f"bytes differ: {len(a):,} vs {len(b):,} bytes, first difference at byte {_first_difference(a=a, b=b):,}"


def _decode(*, data: bytes, where: str) -> tuple[str | None, str | None]:
    """UTF-8 text of ``data``, or ``None`` and ``not UTF-8 at byte 17 (line 2) in <where>``."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return None, f"not UTF-8 at byte {e.start:,} (line {line}: {data[e.start:e.start + 4]!r}) in {where}"


# ---------------------------------------------------------------- text

def _is_exact(token: str) -> bool:
    if any(c in token for c in ".eE"):
        return False
    digits = token.lstrip("+-").lstrip("0")
    return len(digits) < EXACT_DIGITS


def _split(text: str) -> tuple[list[str], list[str], np.ndarray]:
    """Text between numbers, and the numbers (as written and as floats)."""
    numbers = [m.group(0) for m in _NUMBER.finditer(text)]
    return _NUMBER.split(text), numbers, np.array([float(x) for x in numbers], dtype=float)


def _text_problem(a: str, b: str, *, rtol: float, atol: float) -> str | None:
    """How two texts (lines, or whole texts) differ once numbers are compared with tolerance; ``None`` if not."""
    words_a, raw_a, nums_a = _split(a)
    words_b, raw_b, nums_b = _split(b)
    if words_a != words_b:
        i = next(i for i, (x, y) in enumerate(zip(words_a, words_b)) if x != y) if len(words_a) == len(words_b) \
            else min(len(words_a), len(words_b))
        x = words_a[i] if i < len(words_a) else ""
        y = words_b[i] if i < len(words_b) else ""
        if x.strip() != y.strip():  # shown without surrounding blanks unless the blanks are the difference
            x, y = x.strip(), y.strip()
        return "text differs: {} vs {}".format(*_snippets(x, y))
    if len(nums_a) != len(nums_b):
        return f"{len(nums_a)} numbers vs {len(nums_b)}"
    close = np.isclose(nums_a, nums_b, rtol=rtol, atol=atol, equal_nan=True)
    # Counts, K, years, ids: short whole numbers on both sides must be equal, not close.
    for i, (x, y) in enumerate(zip(raw_a, raw_b)):
        if _is_exact(x) and _is_exact(y):
            close[i] = int(x) == int(y)
    if not close.all():
        i = int(np.flatnonzero(~close)[0])
        return f"{int((~close).sum())} number(s) differ beyond rtol={rtol:g}, e.g. {nums_a[i]:g} vs {nums_b[i]:g}"
    return None


def _lines_problem(a: str, b: str, *, rtol: float, atol: float) -> str | None:
    """Where two texts differ: ``line 12: <what>; 3 of 40 lines differ`` (or ``...; 40 lines vs 41``).

    Compares line by line with :func:`_text_problem`'s rules; as numbers never
    span a line break this accepts exactly the texts the whole-text comparison
    accepts, and also says where the first difference is.
    """
    lines_a, lines_b = a.split("\n"), b.split("\n")
    first: str | None = None
    differing = 0
    for n, (x, y) in enumerate(zip(lines_a, lines_b), start=1):
        if x != y and (problem := _text_problem(x, y, rtol=rtol, atol=atol)):
            differing += 1
            first = first or f"line {n}: {problem}"
    if len(lines_a) == len(lines_b):
        return first and f"{first}; {differing:,} of {len(lines_a):,} lines differ"
    if first is None:
        n = min(len(lines_a), len(lines_b))
        extra = quote((lines_a if len(lines_a) > n else lines_b)[n].strip())
        first = f"line {n + 1}: " + (f"{extra} vs end of file" if len(lines_a) > n else f"end of file vs {extra}")
    return f"{first}; {len(lines_a):,} lines vs {len(lines_b):,} (lines added or removed)"


# ---------------------------------------------------------------- PNG

def _read_png(*, data: bytes, where: str) -> tuple[np.ndarray | None, str | None]:
    """Pixels of a PNG (floats in 0..1), or ``None`` and ``not a readable PNG in <where> (...)``."""
    import matplotlib.image as mpimg  # deferred: matplotlib and PIL, only when PNG files differ

    if not data.startswith(_PNG_SIGNATURE):
        return None, f"not a readable PNG in {where} (no PNG signature)"
    try:
        return np.asarray(mpimg.imread(io.BytesIO(data), format="png")), None
    except Exception as e:  # noqa: BLE001 - any decoder failure (PIL raises many kinds) means "unreadable"
        return None, f"not a readable PNG in {where} ({type(e).__name__}: {printable(str(e))[:SNIPPET]})"


def _png_problem(*, a: bytes, b: bytes, where_a: str, where_b: str, max_share: float) -> str | None:
    """How two PNG files differ: unreadable, another size, or more than ``max_share`` of pixels off by > 8/255."""
    (x, err_a), (y, err_b) = _read_png(data=a, where=where_a), _read_png(data=b, where=where_b)
    if err_a or err_b:
        return "; ".join(e for e in (err_a, err_b) if e)
    if x.shape != y.shape:
        return f"image size {x.shape[:2]} vs {y.shape[:2]}" if x.shape[:2] != y.shape[:2] \
            else f"image shape {x.shape} vs {y.shape} (colour channels)"
    off = np.abs(x.astype(float) - y.astype(float)) > 8 / 255
    differing = off.any(axis=-1).mean() if x.ndim == 3 else off.mean()
    if differing > max_share:
        return f"{differing:.2%} of pixels differ (allowed {max_share:.2%})"
    return None


# ---------------------------------------------------------------- JSON

def _flatten(value: object) -> dict[str, object]:
    """Nested JSON as ``{dotted.path[i]: scalar}`` in document order; a list also gives ``path.#``: its length."""
    out: dict[str, object] = {}
    stack: list[tuple[str, object]] = [("", value)]
    while stack:  # iterative: deeply nested input cannot exhaust the recursion limit
        prefix, v = stack.pop()
        if isinstance(v, dict):
            stack.extend(reversed([(f"{prefix}.{k}" if prefix else str(k), x) for k, x in v.items()]))
        elif isinstance(v, list):
            out[f"{prefix}.#"] = len(v)
            stack.extend(reversed([(f"{prefix}[{i}]", x) for i, x in enumerate(v)]))
        else:
            out[prefix] = v
    return out


def _parse_json(*, data: bytes, where: str) -> tuple[dict[str, object] | None, str | None]:
    """Flattened JSON of ``data``, or ``None`` and ``not UTF-8 ...`` / ``invalid JSON in <where> (line 3, ...)``."""
    text, problem = _decode(data=data, where=where)
    if problem:
        return None, problem
    try:
        return _flatten(json.loads(text)), None
    except json.JSONDecodeError as e:
        return None, f"invalid JSON in {where} (line {e.lineno}, column {e.colno}: {e.msg})"
    except RecursionError:
        return None, f"invalid JSON in {where} (nested too deeply)"
    except ValueError as e:  # e.g. an integer literal beyond Python's digit limit
        return None, f"invalid JSON in {where} ({printable(str(e))[:SNIPPET]})"


def _value_problem(x: object, y: object, *, rtol: float, atol: float) -> str | None:
    """``None`` when two JSON scalars agree: floats (or an int and a float) within tolerance, others exactly."""
    if all(isinstance(v, float) for v in (x, y)) or {type(x), type(y)} == {int, float}:
        try:
            if np.isclose(float(x), float(y), rtol=rtol, atol=atol, equal_nan=True):
                return None
        except OverflowError:  # an integer beyond float range is only "close" to itself
            if x == y:
                return None
        return f"{_clip(repr(x))} vs {_clip(repr(y))}"
    if type(x) is not type(y) or x != y:  # ints, bools and strings exactly
        return f"{quote(str(x))} vs {quote(str(y))}"
    return None


def _json_problem(*, a: bytes, b: bytes, where_a: str, where_b: str, ignore: tuple[str, ...],
                  rtol: float, atol: float) -> str | None:
    """How two JSON files differ: ``2 key(s) differ, first chosen_k: 5 vs 6``; keys under ``ignore`` skipped."""
    def kept(flat: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in flat.items()
                if not any(k == i or k.startswith((i + ".", i + "[")) for i in ignore)}

    (fa, err_a), (fb, err_b) = _parse_json(data=a, where=where_a), _parse_json(data=b, where=where_b)
    if err_a or err_b:
        return "; ".join(e for e in (err_a, err_b) if e)
    fa, fb = kept(fa), kept(fb)
    problems: list[str] = []
    for key in [*fa, *(k for k in fb if k not in fa)]:
        if key not in fb or key not in fa:
            problems.append(f"{printable(key)} only in {where_a if key in fa else where_b}")
        elif problem := _value_problem(fa[key], fb[key], rtol=rtol, atol=atol):
            problems.append(f"{printable(key)}: {problem}")
    if not problems:
        return None
    return f"{len(problems):,} key(s) differ, first {problems[0]}"


def content_problem(*, rel: str, a: bytes, b: bytes, where_a: str, where_b: str, rtol: float, atol: float,
                     max_pixel_share: float, ignore_json_keys: tuple[str, ...]) -> str | None:
    """How the contents of one file differ between the folders, by its suffix; ``None`` when they agree."""
    if a == b:
        return None
    suffix = Path(rel).suffix.lower()
    if suffix == ".png":
        return _png_problem(a=a, b=b, where_a=where_a, where_b=where_b, max_share=max_pixel_share)
    if suffix == ".json":
        return _json_problem(a=a, b=b, where_a=where_a, where_b=where_b,
                             ignore=ignore_json_keys if rel == "run.json" else (), rtol=rtol, atol=atol)
    if suffix not in _TEXT_SUFFIXES:
        return _bytes_problem(a=a, b=b)
    (ta, err_a), (tb, err_b) = _decode(data=a, where=where_a), _decode(data=b, where=where_b)
    if err_a or err_b:
        return "; ".join([e for e in (err_a, err_b) if e] + [_bytes_problem(a=a, b=b)])
    if suffix == ".svg":
        ta, tb = _SVG_ID.sub("ID", ta), _SVG_ID.sub("ID", tb)
    return None if ta == tb else _lines_problem(ta, tb, rtol=rtol, atol=atol)
