"""The heavy per-document stages on Apache Spark (``[spark] backend = "spark"``).

pyspark is an optional extra (``pip install "textanalytics[spark]"``, plus Java 17); nothing
here imports it until a Spark run starts, so this package imports without it.

* :mod:`.config`: the ``[spark]`` section (:class:`SparkConfig`);
* :mod:`.session`: the session (``local[*]``, a master from the config, or the researcher's);
* :mod:`.corpus`: reading a table (or a folder of part files) and cleaning it with the local rules;
* :mod:`.tokens`: preprocessing with the package's own steps, corpus-wide counts summed by Spark;
* :mod:`.run`: one run of these, called by :func:`textanalytics.inputs.spark_inputs`;
* :mod:`.counts`: group x term counts for keyness, summed on Spark from the token store;
* :mod:`.prepare`: the topic models' matrix prepared from frequencies summed on Spark (no cells on the driver);
* :mod:`.lda`: topic models with MLlib's online LDA, on unit vectors built on Spark from the store.
"""

from .config import SparkConfig

__all__ = ["SparkConfig"]
