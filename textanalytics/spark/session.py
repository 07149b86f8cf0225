"""The Spark session an analysis runs on: the researcher's, or one started from ``[spark]``.

>>> spark = spark_session(SparkConfig(master="local[2]"))     # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import Any

from ..errors import InputError
from .config import SparkConfig

log = logging.getLogger(__name__)

#: Settings the package sets unless the researcher's ``conf`` does: Arrow batches for pandas UDFs.
DEFAULT_CONF = {"spark.sql.execution.arrow.pyspark.enabled": "true",
                "spark.sql.session.timeZone": "UTC"}


def spark_session(config: SparkConfig | None = None, *, session: Any = None) -> Any:
    """``session`` when given (a ``pyspark.sql.SparkSession``), else one built from ``config``.

    ``getOrCreate`` reuses a session already running in this process (Spark allows one
    per JVM); its master is then whatever it was started with.
    """
    if session is not None:
        return session
    config = config or SparkConfig()
    try:
        from pyspark.sql import SparkSession  # deferred: pyspark is an optional extra, heavy (starts a JVM)
    except ImportError:
        raise InputError("[spark] backend = 'spark' needs pyspark: pip install 'textanalytics[spark]' "
                         "(and Java 17, e.g. Debian's openjdk-17-jre-headless)") from None
    if shutil.which("java") is None and config.master.startswith("local"):
        raise InputError("[spark] backend = 'spark' needs Java on this machine (java is not on PATH); "
                         "install Java 17, e.g. apt-get install openjdk-17-jre-headless")
    builder = SparkSession.builder.master(config.master).appName(config.app_name)
    if config.master.startswith("local"):
        # Python workers run this interpreter (and see its packages) unless PYSPARK_PYTHON says otherwise;
        # pyspark reads only the environment variable when it starts the context.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in {**DEFAULT_CONF, **dict(config.conf)}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    log.info("spark: session %s on %s (Spark %s)", config.app_name, spark.sparkContext.master, spark.version)
    return spark
