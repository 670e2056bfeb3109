"""The bindings against the CLI on the bundled sample, worked examples, errors and the GIL."""

import csv
import os
import pathlib
import subprocess
import threading
import time

import pytest

import cascadia

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample-retweets.csv"


def cli():
    """The CLI binary built by `cargo test` / `cargo build` (CASCADIA_BIN overrides)."""
    path = os.environ.get("CASCADIA_BIN") or str(ROOT / "target" / "debug" / "cascadia")
    if not os.path.exists(path):
        pytest.fail(f"the cascadia binary is needed for the comparison: build it (cargo build) or set CASCADIA_BIN ({path} missing)")
    return path


def read_sample():
    with open(SAMPLE, newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: [r[k] for r in rows] for k in ("cascade_id", "time", "user_id", "followers")}


def test_worked_example():
    # The library's doc example: birdspotter preset (s = 1, self term), root reaches both.
    events = {"cascade_id": ["c1", "c1"], "time": [0.0, 30.0], "user_id": ["7", "8"], "followers": [500.0, 20.0]}
    tweets, users = cascadia.influence(events, preset="birdspotter")
    assert tweets["influence"] == [2.0, 1.0]
    assert dict(zip(users["user_id"], users["influence"])) == {"7": 2.0, "8": 1.0}


def test_equals_the_cli_on_the_sample(tmp_path):
    out, uout = tmp_path / "t.csv", tmp_path / "u.csv"
    subprocess.run([cli(), "influence", "-q", "--input", str(SAMPLE), "--output", str(out), "--users-output", str(uout)], check=True)
    tweets, users = cascadia.influence(read_sample())
    with open(out, newline="") as f:
        want = list(csv.DictReader(f))
    assert len(want) == len(tweets["influence"])
    got = {(c, int(p)): (u, v) for c, p, u, v in zip(tweets["cascade_id"], tweets["pos"], tweets["user_id"], tweets["influence"])}
    for r in want:
        u, v = got[(r["cascade_id"], int(r["pos"]))]
        assert u == r["user_id"]
        assert abs(v - float(r["influence"])) <= 1e-12 * max(1.0, abs(v))
    with open(uout, newline="") as f:
        wu = {r["user_id"]: float(r["influence"]) for r in csv.DictReader(f)}
    gu = dict(zip(users["user_id"], users["influence"]))
    assert set(wu) == set(gu)
    assert all(abs(gu[k] - wu[k]) <= 1e-12 * max(1.0, abs(wu[k])) for k in wu)


def test_errors_are_value_errors():
    with pytest.raises(ValueError, match=r"time -1 is not a finite number >= 0"):
        cascadia.influence({"cascade_id": ["a"], "time": [-1.0], "user_id": ["u"], "followers": [1.0]})
    with pytest.raises(ValueError, match="decay"):
        cascadia.influence({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"], "followers": [1.0]}, decay=-1.0)
    with pytest.raises(ValueError, match="preset"):
        cascadia.influence({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"], "followers": [1.0]}, preset="nope")
    with pytest.raises(ValueError, match="not in the graph"):
        cascadia.threshold_simulate(["a"], ["b"], [["z"]])


def test_threshold_simulate_spreads_one_hop_per_step():
    # A path a -> b -> c with tiny thresholds: one hop per step; infinite: nobody.
    rows = cascadia.threshold_simulate(["a", "b"], ["b", "c"], [["a"]], thresholds={"a": 1e-9, "b": 1e-9, "c": 1e-9}, steps=5)
    assert list(zip(rows["node"], rows["step"])) == [("a", 0), ("b", 1), ("c", 2)]
    rows = cascadia.threshold_simulate(["a", "b"], ["b", "c"], [["a"]], thresholds={}, steps=5)
    assert rows["node"] == ["a"]


def test_the_gil_is_released():
    # Two threads computing at once overlap: together they take clearly less than twice one.
    n = 400_000
    events = {"cascade_id": [str(i // 200) for i in range(n)], "time": [float(i % 200) for i in range(n)], "user_id": [str(i % 997) for i in range(n)], "followers": [float(1 + i % 50) for i in range(n)]}
    cols = (cascadia._column(events, "cascade_id"), [float(t) for t in events["time"]], events["user_id"], events["followers"])
    one = time.perf_counter()
    cascadia._cascadia.influence(*cols)
    one = time.perf_counter() - one
    threads = [threading.Thread(target=cascadia._cascadia.influence, args=cols) for _ in range(2)]
    both = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    both = time.perf_counter() - both
    if (os.cpu_count() or 1) >= 2:
        assert both < 1.8 * one, f"one {one:.3f} s, two threads {both:.3f} s"


def test_netinf_equals_the_cli(tmp_path):
    # Random cascades over 30 nodes, rows interleaved across cascades.
    import random

    rng = random.Random(5)
    rows = []
    for c in range(60):
        t = 0.0
        for v in rng.sample(range(30), rng.randint(2, 12)):
            rows.append((f"c{c}", f"n{v}", t))
            t += rng.expovariate(1.0)
    rng.shuffle(rows)
    path = tmp_path / "casc.csv"
    with open(path, "w") as f:
        f.write("cascade_id,node,time\n")
        for c, v, t in rows:
            f.write(f"{c},{v},{t!r}\n")
    out = tmp_path / "edges.csv"
    for model, alpha in (("exp", 1.0), ("pow", 2.0)):
        subprocess.run([cli(), "netinf", "-q", "--input", str(path), "--edges", "25", "--model", model, "--alpha", str(alpha), "--output", str(out)], check=True)
        with open(out, newline="") as f:
            want = list(csv.DictReader(f))
        got = cascadia.netinf({"cascade_id": [r[0] for r in rows], "node": [r[1] for r in rows], "time": [r[2] for r in rows]}, edges=25, model=model, alpha=alpha)
        assert [(r["src"], r["dst"]) for r in want] == list(zip(got["src"], got["dst"]))
        assert [float(r["gain"]) for r in want] == got["gain"]
        assert [float(r["bound"]) for r in want] == got["bound"]
    with pytest.raises(ValueError, match="model"):
        cascadia.netinf({"cascade_id": ["a"], "node": ["x"], "time": [0.0]}, model="nope")
