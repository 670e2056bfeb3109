"""cascadia.spark in local mode against the CLI on the same data, in one run.

    python py/bench/spark_bench.py --cli target/release/cascadia --master 'local[2]'

Times the CLI (one process, every core), Spark's session start, and cascadia.spark's
influence (tweets and users materialised) and netinf (edges file written) on the same rows;
prints the table and checks the edges files are identical.
"""

import argparse
import pathlib
import subprocess
import tempfile
import time

import pyarrow.csv as pacsv

import cascadia
import cascadia.spark


def timed(f):
    t0 = time.perf_counter()
    out = f()
    return time.perf_counter() - t0, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cli", default="target/release/cascadia")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--cascades", type=int, default=50_000)
    ap.add_argument("--nodes", type=int, default=1024)
    ap.add_argument("--edges", type=int, default=1000)
    a = ap.parse_args()
    import os
    import sys

    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    tmp = pathlib.Path(tempfile.mkdtemp())
    events = cascadia.synth_influence_cascades(cascades=a.cascades, max_size=10_000, seed=3)
    ev_csv = tmp / "events.csv"
    pacsv.write_csv(events, ev_csv)
    _, cas = cascadia.synth_netinf(nodes=a.nodes, seed=1)
    cas_csv = tmp / "cascades.csv"
    pacsv.write_csv(cas, cas_csv)
    rows = []
    t, _ = timed(lambda: subprocess.run([a.cli, "influence", "-q", "-i", str(ev_csv), "-o", str(tmp / "t.csv"), "--users-output", str(tmp / "u.csv")], check=True))
    rows.append(("influence", f"{events.num_rows} events", "CLI", t))
    t, _ = timed(lambda: subprocess.run([a.cli, "netinf", "-q", "-i", str(cas_csv), "--edges", str(a.edges), "-o", str(tmp / "e-cli.csv")], check=True))
    rows.append(("netinf", f"{cas.num_rows} infections, {a.nodes} nodes", "CLI", t))

    t, spark = timed(lambda: SparkSession.builder.master(a.master).config("spark.ui.enabled", "false").config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    rows.append(("(session start)", "", a.master, t))
    df = spark.read.csv(str(ev_csv), header=True, inferSchema=True).cache()
    df.count()

    def spark_influence():
        tw, us = cascadia.spark.influence(df)
        return tw.count(), us.count()

    t, _ = timed(spark_influence)
    rows.append(("influence", f"{events.num_rows} events", a.master, t))
    cdf = spark.read.csv(str(cas_csv), header=True, schema="cascade_id string, node string, time double").cache()
    cdf.count()
    t, _ = timed(lambda: cascadia.spark.netinf(cdf, edges=a.edges, output=str(tmp / "e-spark.csv")))
    rows.append(("netinf", f"{cas.num_rows} infections, {a.nodes} nodes", a.master, t))
    same = (tmp / "e-cli.csv").read_bytes() == (tmp / "e-spark.csv").read_bytes()
    spark.stop()
    print("| job | data | engine | seconds |\n|---|---|---|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} |")
    print(f"edges files identical: {same}")


if __name__ == "__main__":
    main()
