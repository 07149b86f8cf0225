"""Internal to :mod:`textanalytics.preprocessing`: where a run keeps its chunks between passes.

Not public API. :class:`Spool` keeps them in memory (:func:`~textanalytics.preprocess`);
:class:`DiskSpool` writes each chunk's integer arrays and strings to an ``.npz``
file (numbers and UTF-8 bytes only, no pickle), for
:func:`~textanalytics.preprocessing.preprocess_chunks`.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

from .state import Chunk, Work


class Spool:
    """Holds the chunks of a run between the passes over them (here: in memory)."""

    def __init__(self) -> None:
        self._chunks: list[Chunk] = []

    def __len__(self) -> int:
        return len(self._chunks)

    def append(self, chunk: Chunk) -> None:
        self._chunks.append(chunk)

    def get(self, i: int) -> Chunk:
        return self._chunks[i]

    def put(self, i: int, chunk: Chunk) -> None:
        self._chunks[i] = chunk

    def release(self, i: int) -> None:
        """Chunk ``i`` is no longer needed."""
        self._chunks[i] = None  # type: ignore[call-overload]


# -- on disk -----------------------------------------------------------------------------------

def _pack(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


def _unpack(blob: np.ndarray, offsets: np.ndarray) -> list[str]:
    data = blob.tobytes()
    o = offsets.tolist()
    return [data[o[i]:o[i + 1]].decode("utf-8", "surrogatepass") for i in range(len(o) - 1)]


_WORK_FIELDS = [f.name for f in fields(Work) if f.name != "sentence"]  # sentence lives in the layout


class DiskSpool(Spool):
    """Chunks kept as ``.npz`` files (numbers and UTF-8 bytes only) between passes."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.n = 0

    def __len__(self) -> int:
        return self.n

    def _file(self, i: int) -> Path:
        return self.folder / f"chunk-{i:05d}.npz"

    def append(self, chunk: Chunk) -> None:
        self.put(self.n, chunk)
        self.n += 1

    def put(self, i: int, chunk: Chunk) -> None:
        arrays: dict[str, np.ndarray] = {}
        arrays["sid_blob"], arrays["sid_offsets"] = _pack(chunk.statement_id.tolist())
        arrays["types_blob"], arrays["types_offsets"] = _pack(chunk.types)
        arrays["paragraph"] = chunk.paragraph
        arrays["keep"] = chunk.keep
        for name, value in chunk.lay.items():
            arrays[f"lay_{name}"] = value
        for name in _WORK_FIELDS:
            arrays[f"w_{name}"] = getattr(chunk.w, name)
        np.savez(self._file(i), **arrays)

    def get(self, i: int) -> Chunk:
        with np.load(self._file(i), allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        lay = {k[4:]: v for k, v in a.items() if k.startswith("lay_")}
        w = Work(sentence=lay["sentence"], **{name: a[f"w_{name}"] for name in _WORK_FIELDS})
        return Chunk(statement_id=np.asarray(_unpack(a["sid_blob"], a["sid_offsets"]), dtype=object),
                     paragraph=a["paragraph"], types=_unpack(a["types_blob"], a["types_offsets"]),
                     lay=lay, w=w, keep=a["keep"], aliases=pd.DataFrame())

    def release(self, i: int) -> None:
        self._file(i).unlink(missing_ok=True)
