"""The ``[spark]`` section: whether the heavy per-document stages run on Apache Spark, and where.

Keys (defaults in ``analysis.toml``):

``backend``
    ``"local"`` (default: this process, :mod:`textanalytics.inputs`) or ``"spark"``
    (reading, cleaning, tokenising and phrase counting on Spark, :mod:`textanalytics.spark`).
``master``
    Passed to ``SparkSession.builder.master``: ``"local[*]"`` (default, every core of this
    machine), ``"spark://host:7077"``, ``"yarn"``, ``"k8s://..."``.
``app_name``
    The Spark application's name.
``conf``
    Extra Spark settings, ``{"spark.executor.memory" = "8g"}``.
``partitions``
    Pieces the table is cut into (0: Spark's split of the files, at least one piece per core).
    The tables do not depend on it; a fixed number makes the run repeatable job for job. A
    piece is tokenised in one task: about 2,000 news articles a piece peaks near 1 GB.
``store_dir``
    Where executors write the token store and the text pieces: a folder every executor and
    the driver can read (a shared file system on a cluster). ``""``: a temporary folder
    (local mode only, removed with the results). A run writes ``<store_dir>/run-<random>``
    and leaves it for the researcher to remove.
``topic_sample``
    0 (default): a local ``[topics] engine`` fits on the driver's whole matrix. N > 0: it fits (and
    a K search runs) on N units drawn from the master seed, and every unit's topic proportions are
    folded in on the executors with the fitted topics held fixed (:mod:`textanalytics.spark.sample`).

The topic models of a report run with the ``[topics]`` engine: a local one on the driver's
matrix or, with ``topic_sample``, on a sample of the units; or ``engine = "mllib"``, MLlib's online
LDA on the executors (:mod:`textanalytics.spark.lda`; with ``[topics] k`` fixed on vectors built
there from the token store). With either of the last two the topic-model matrix is never on the
driver (:mod:`textanalytics.spark.prepare`; docs/scaling.md compares their coherence).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

from ..corpus.config import FieldChecks


@dataclass(frozen=True)
class SparkConfig:
    """Settings of the Spark backend (see the module docstring)."""

    backend: Literal["local", "spark"] = "local"
    master: str = "local[*]"
    app_name: str = "textanalytics"
    conf: Mapping[str, str] = field(default_factory=dict)
    partitions: int = 0
    store_dir: str = ""
    topic_sample: int = 0

    def __post_init__(self) -> None:
        check = FieldChecks(self, "spark")
        check.choice("backend", ("local", "spark"))
        check.integer("partitions", minimum=0, problem="must be 0 (Spark decides) or positive")
        check.integer("topic_sample", minimum=0, problem="must be 0 (fit every unit) or a number of units")
        if not self.master.strip():
            check.fail("master", "must name a Spark master, e.g. 'local[*]' or 'spark://host:7077'")
        bad = [k for k, v in dict(self.conf).items() if not isinstance(v, str)]
        if bad:
            check.fail("conf", f"values must be strings (quote them: {bad[0]} = \"...\")")
