"""cascadia on Spark: the same computations on DataFrames that outgrow one machine.

- :func:`influence`: events partitioned by cascade (``repartition`` on ``cascade_id``, the
  input's row order kept within each partition for ties in time), every partition computed by
  the library in one call through ``mapInArrow``, and the users table aggregated by Spark
  (count, distinct cascades, mean or sum as the preset says, percentile from a rank). Tweet
  influences equal the single-machine CLI's bit for bit; user influences to rounding (Spark
  sums in its own order; within 1e-12).
- :func:`netinf`: each target node's greedy depends only on the cascades, so the cascades are
  broadcast and executors run the per-node phase for disjoint node ranges; the driver merges
  the sequences with the engine's tie rule and bound: the same edges file, byte for byte, as
  ``cascadia netinf`` on the same rows.

Needs ``pyspark`` (>= 3.3) and ``pyarrow`` on the driver and the executors (``spark-submit
--py-files`` or the cluster's environment with the ``cascadia`` wheel installed).
"""

import io

import pyarrow as pa

import cascadia

_TWEETS = "cascade_id string, pos long, user_id string, time double, influence double, expected_parent long"


def _time_column(df, name):
    """The time column as the library reads it: numbers and text as they are; a timestamp as
    seconds since the epoch (a double)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    col = F.col(name)
    if isinstance(df.schema[name].dataType, TimestampType):
        return F.unix_micros(col).cast("double") / F.lit(1e6)
    return col


def influence(df, preset="paper", decay=None, social_strength=None, power=None, dedupe="none", partitions=None):
    """Tweet and user influence of a Spark DataFrame of events ``cascade_id, time, user_id,
    followers``. Returns ``(tweets, users)`` Spark DataFrames with the CLI's columns.

    ``partitions``: how many partitions the cascades are spread over (default: the input's).
    The rows of one cascade meet in one partition, so the largest cascade must fit an
    executor's memory (as it must fit one machine's for the CLI).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    aggregation = cascadia._cascadia.influence_aggregation(preset)
    kw = dict(preset=preset, decay=decay, social_strength=social_strength, power=power, dedupe=dedupe)
    events = df.select(
        F.col("cascade_id").cast("string").alias("cascade_id"),
        _time_column(df, "time").alias("time"),
        F.col("user_id").cast("string").alias("user_id"),
        F.col("followers").cast("double").alias("followers"),
    ).withColumn("_row", F.monotonically_increasing_id())
    n = partitions or max(1, df.rdd.getNumPartitions())
    parts = events.repartition(n, "cascade_id").sortWithinPartitions("_row")

    def run(batches):
        import cascadia as c

        batches = list(batches)
        if not batches or sum(b.num_rows for b in batches) == 0:
            return
        table = pa.Table.from_batches(batches).drop_columns(["_row"])
        tweets, _ = c.influence(table, group=True, **kw)
        yield from tweets.to_batches()

    tweets = parts.mapInArrow(run, _TWEETS)
    reduce = F.avg if aggregation == "mean" else F.sum
    users = tweets.groupBy("user_id").agg(
        F.count(F.lit(1)).alias("events"),
        F.countDistinct("cascade_id").alias("cascades"),
        reduce("influence").alias("influence"),
    )
    # Percentile (the library's): the share of users with a strictly smaller influence,
    # rescaled so the most influential has 1 (all 1 when every influence is equal).
    smaller = users.withColumn("_smaller", F.rank().over(Window.orderBy("influence")) - 1)
    top = smaller.agg(F.max("_smaller")).first()[0] or 0
    users = smaller.withColumn(
        "percentile",
        (F.col("_smaller") / F.lit(float(top))) if top > 0 else F.lit(1.0),
    ).drop("_smaller")
    users = users.orderBy(F.col("influence").desc(), F.col("user_id"))
    return tweets, users


def _ipc_bytes(table):
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue()


def netinf(df, edges=None, model="exp", alpha=1.0, weights="snap", beta=None, epsilon=None, ties="first", partitions=None, output=None):
    """NetInf on a Spark DataFrame of infections ``cascade_id, node, time``: the per-node phase
    on the executors over ``partitions`` disjoint node ranges (default: the default
    parallelism), the merge on the driver. Returns the edges as a Spark DataFrame (the CLI's
    columns) and, with ``output``, writes the CLI's edges file there — byte for byte the
    file ``cascadia netinf`` writes for the same rows in the same order.

    The cascades are collected on the driver in the DataFrame's order (node and cascade numbers
    follow first appearance, as in the CLI) and broadcast; the executors' work is the greedy.
    """
    from pyspark.sql import functions as F

    spark = df.sparkSession
    rows = df.select(
        F.col("cascade_id").cast("string").alias("cascade_id"),
        F.col("node").cast("string").alias("node"),
        _time_column(df, "time").alias("time"),
    )
    table = _collect_arrow(rows)
    n = cascadia.netinf_nodes(table)
    k = max(1, min(n, partitions or spark.sparkContext.defaultParallelism))
    params = dict(edges=edges, model=model, alpha=alpha, weights=weights, beta=beta, epsilon=epsilon, ties=ties)
    shared = spark.sparkContext.broadcast(_ipc_bytes(table))
    ranges = [(i * n // k, (i + 1) * n // k) for i in range(k)]

    def phase(r):
        import pyarrow as pa
        import cascadia as c

        cas = pa.ipc.open_stream(shared.value).read_all()
        return c.netinf_node_runs(cas, r[0], r[1], **params)

    runs = spark.sparkContext.parallelize(ranges, k).map(phase).collect()
    shared.unpersist()
    out = cascadia.netinf_merge(table, runs, output=output, **params)
    return spark.createDataFrame(out.to_pandas())


def _collect_arrow(df):
    """The rows of ``df`` on the driver as a pyarrow Table, in the DataFrame's order."""
    if hasattr(df, "toArrow"):  # Spark >= 4
        return df.toArrow()
    return pa.Table.from_pandas(df.toPandas(), preserve_index=False)
