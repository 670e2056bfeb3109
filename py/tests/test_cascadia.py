"""The bindings against the CLI (same numbers, same files), in every table flavour; worked
examples, located errors and the GIL release."""

import csv
import json
import os
import pathlib
import subprocess
import threading
import time

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import cascadia

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample-retweets.csv"
SHARED = pathlib.Path(os.environ.get("CASCADIA_SHARED", ROOT.parent / "shared"))


def cli():
    """The CLI binary built by `cargo test` / `cargo build` (CASCADIA_BIN overrides)."""
    path = os.environ.get("CASCADIA_BIN") or str(ROOT / "target" / "debug" / "cascadia")
    if not os.path.exists(path):
        pytest.fail(f"the cascadia binary is needed for the comparison: build it (cargo build) or set CASCADIA_BIN ({path} missing)")
    return path


def read_csv_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def sample_table():
    ids = {"cascade_id": pa.string(), "user_id": pa.string()}
    return pacsv.read_csv(SAMPLE, convert_options=pacsv.ConvertOptions(column_types=ids))


def cli_influence(tmp_path, extra=()):
    out, uout = tmp_path / "t.csv", tmp_path / "u.csv"
    subprocess.run([cli(), "influence", "-q", "--input", str(SAMPLE), "--output", str(out), "--users-output", str(uout), *extra], check=True)
    return read_csv_rows(out), read_csv_rows(uout)


def same_table(got, want_rows):
    """`got` (a dict of lists) holds exactly the CLI's rows: text equal, numbers bit-equal."""
    assert list(got) == list(want_rows[0])
    assert len(next(iter(got.values()))) == len(want_rows)
    for name, column in got.items():
        for value, row in zip(column, want_rows):
            if isinstance(value, str):
                assert value == row[name], name
            else:
                assert value == type(value)(row[name]), (name, value, row[name])


def test_worked_example():
    # The library's doc example: birdspotter preset (s = 1, self term), root reaches both.
    events = {"cascade_id": ["c1", "c1"], "time": [0.0, 30.0], "user_id": ["7", "8"], "followers": [500.0, 20.0]}
    tweets, users = cascadia.influence(events, preset="birdspotter")
    assert tweets["influence"] == [2.0, 1.0]
    assert dict(zip(users["user_id"], users["influence"])) == {"7": 2.0, "8": 1.0}


@pytest.mark.parametrize("flavour", ["arrow", "pandas", "polars", "dict"])
def test_equals_the_cli_on_the_sample_in_every_flavour(tmp_path, flavour):
    want_t, want_u = cli_influence(tmp_path)
    table = sample_table()
    events = {"arrow": lambda: table, "pandas": table.to_pandas, "polars": lambda: pytest.importorskip("polars").from_arrow(table), "dict": table.to_pydict}[flavour]()
    tweets, users = cascadia.influence(events)
    kind = {"arrow": pa.Table, "dict": dict}.get(flavour)
    if kind is not None:
        assert isinstance(tweets, kind) and isinstance(users, kind)
    as_dict = (lambda t: t.to_pydict()) if flavour == "arrow" else (lambda t: t if flavour == "dict" else pa.Table.from_pandas(t, preserve_index=False).to_pydict() if flavour == "pandas" else t.to_dict(as_series=False))
    same_table(as_dict(tweets), want_t)
    same_table(as_dict(users), want_u)


def test_presets_and_options_equal_the_cli(tmp_path):
    want_t, want_u = cli_influence(tmp_path, ["--preset", "descendants", "--dedupe-users", "first"])
    tweets, users = cascadia.influence(sample_table(), preset="descendants", dedupe="first")
    same_table(tweets.to_pydict(), want_t)
    same_table(users.to_pydict(), want_u)


def test_errors_are_located_value_errors():
    bad_time = {"cascade_id": ["a", "a"], "time": [0.0, -1.0], "user_id": ["u", "v"], "followers": [1.0, 1.0]}
    with pytest.raises(ValueError, match=r"events: row 2: field `time`: negative time -1"):
        cascadia.influence(bad_time)
    with pytest.warns(UserWarning, match="1 invalid rows skipped"):
        tweets, _ = cascadia.influence(bad_time, skip_invalid=True)
    assert tweets["user_id"] == ["u"]
    with pytest.raises(ValueError, match=r"missing column `followers`"):
        cascadia.influence({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"]})
    with pytest.raises(ValueError, match=r"row 1: field `followers`: missing value"):
        cascadia.influence(pa.table({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"], "followers": pa.array([None], pa.float64())}))
    with pytest.raises(ValueError, match="decay"):
        cascadia.influence({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"], "followers": [1.0]}, decay=-1.0)
    with pytest.raises(ValueError, match="preset"):
        cascadia.influence({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"], "followers": [1.0]}, preset="nope")
    with pytest.raises(ValueError, match="GPU"):
        cascadia.influence({"cascade_id": ["a"], "time": [0.0], "user_id": ["u"], "followers": [1.0]}, backend="gpu")
    with pytest.raises(ValueError, match="expected a pandas or polars DataFrame"):
        cascadia.influence(42)
    with pytest.raises(ValueError, match="not in the graph"):
        cascadia.threshold_simulate(["a"], ["b"], [["z"]])


def test_threshold_simulate_spreads_one_hop_per_step():
    # A path a -> b -> c with tiny thresholds: one hop per step; infinite: nobody.
    rows = cascadia.threshold_simulate(["a", "b"], ["b", "c"], [["a"]], thresholds={"a": 1e-9, "b": 1e-9, "c": 1e-9}, steps=5)
    assert list(zip(rows["node"], rows["step"])) == [("a", 0), ("b", 1), ("c", 2)]
    rows = cascadia.threshold_simulate(["a", "b"], ["b", "c"], [["a"]], thresholds={}, steps=5)
    assert rows["node"] == ["a"]


def test_the_gil_is_released():
    # A Python thread keeps running while cascadia computes: with the GIL held it could not
    # (a call already uses every core, so timing two calls at once would not tell).
    events = cascadia.synth_influence_cascades(cascades=30_000, max_size=2_000, seed=2)
    cascadia.influence(events)
    stop = threading.Event()
    count = [0]

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.2)
        start, t0 = count[0], time.perf_counter()
        time.sleep(0.2)
        rate = (count[0] - start) / (time.perf_counter() - t0)  # spins per second, alone
        start, t0 = count[0], time.perf_counter()
        cascadia.influence(events)
        elapsed = time.perf_counter() - t0
        during = count[0] - start
    finally:
        stop.set()
        t.join()
    # Released: the spinner keeps a good share of its rate (it competes for the cores with the
    # computation's threads). Held: it stops for the whole computation.
    assert during > 0.1 * rate * elapsed, f"{during} spins in {elapsed:.3f} s, {rate:.0f}/s alone"


def random_cascades(seed=5, nodes=30, count=60):
    import random

    rng = random.Random(seed)
    rows = []
    for c in range(count):
        t = 0.0
        for v in rng.sample(range(nodes), rng.randint(2, 12)):
            rows.append((f"c{c}", f"n{v}", t))
            t += rng.expovariate(1.0)
    rng.shuffle(rows)
    return rows


def write_cascades_csv(path, rows):
    with open(path, "w") as f:
        f.write("cascade_id,node,time\n")
        for c, v, t in rows:
            f.write(f"{c},{v},{t!r}\n")


NETINF_CASES = [
    ("exp", 1.0, []),
    ("pow", 2.0, []),
    ("ray", 1.0, ["--weights", "paper", "--ties", "last"]),
]


def py_params(model, alpha, extra):
    p = {"model": model, "alpha": alpha}
    if extra:
        p.update(weights="paper", ties="last")
    return p


@pytest.mark.parametrize("model,alpha,extra", NETINF_CASES)
def test_netinf_equals_the_cli_byte_for_byte(tmp_path, model, alpha, extra):
    rows = random_cascades()
    path = tmp_path / "casc.csv"
    write_cascades_csv(path, rows)
    want = tmp_path / "want.csv"
    subprocess.run([cli(), "netinf", "-q", "--input", str(path), "--edges", "25", "--model", model, "--alpha", str(alpha), *extra, "--output", str(want)], check=True)
    table = pa.table({"cascade_id": [r[0] for r in rows], "node": [r[1] for r in rows], "time": [r[2] for r in rows]})
    params = py_params(model, alpha, extra)
    got = tmp_path / "got.csv"
    edges = cascadia.netinf(table, edges=25, output=got, **params)
    assert got.read_bytes() == want.read_bytes()
    same_table(edges.to_pydict(), read_csv_rows(want))
    # The per-node phase over three ranges, merged: the same file.
    n = cascadia.netinf_nodes(table)
    runs = [cascadia.netinf_node_runs(table, a, b, edges=25, **params) for a, b in ((0, 7), (7, 19), (19, n))]
    merged = tmp_path / "merged.csv"
    cascadia.netinf_merge(table, runs[::-1], output=merged, edges=25, **params)
    assert merged.read_bytes() == want.read_bytes()
    with pytest.raises(ValueError, match="one run per node"):
        cascadia.netinf_merge(table, runs[:2], edges=25, **params)


def test_netinf_errors():
    with pytest.raises(ValueError, match="model"):
        cascadia.netinf({"cascade_id": ["a"], "node": ["x"], "time": [0.0]}, model="nope")
    with pytest.raises(ValueError, match=r"cascades: row 2: field `time`"):
        cascadia.netinf({"cascade_id": ["a", "a"], "node": ["x", "y"], "time": ["0", "soon"]})


def test_score_equals_the_cli(tmp_path):
    snap = SHARED / "fixtures" / "netinf" / "kcp1024-exp-cascades.txt"
    network = SHARED / "fixtures" / "netinf" / "kcp1024-exp-network.txt"
    if not snap.exists():
        pytest.fail(f"the shared fixtures are needed ({snap}): run beside ../shared or set CASCADIA_SHARED")
    want = json.loads(subprocess.run([cli(), "netinf", "score", "--input", str(snap), "--network", str(network)], check=True, capture_output=True, text=True).stdout)
    # The same cascades and network as tables (SNAP text: node block, empty line, rows).
    def blocks(path):
        text = path.read_text().replace("\r\n", "\n")
        head, body = text.split("\n\n", 1)
        return head, [line for line in body.split("\n") if line]
    rows = []
    for k, line in enumerate(blocks(snap)[1]):
        f = line.split(",")
        rows += [(str(k), f[i], float(f[i + 1])) for i in range(0, len(f), 2)]
    # (Nodes are numbered by first appearance here, by the node block in SNAP text: the score
    # does not depend on the numbering; nodes in no cascade contribute nothing.)
    table = pa.table({"cascade_id": [r[0] for r in rows], "node": [r[1] for r in rows], "time": [r[2] for r in rows]})
    pairs = [line.split(",")[:2] for line in blocks(network)[1]]
    net = pa.table({"src": [p[0] for p in pairs], "dst": [p[1] for p in pairs]})
    got = cascadia.score(table, net)
    for key in ("best_tree", "all_trees", "objective"):
        assert abs(got[key] - want[key]) <= 1e-9 * abs(want[key]), key


def test_synthetic_generators_equal_the_cli(tmp_path):
    out = tmp_path / "synth.csv"
    subprocess.run([cli(), "synth", "influence-cascades", "--cascades", "40", "--seed", "3", "--output", str(out)], check=True, capture_output=True)
    table = cascadia.synth_influence_cascades(cascades=40, seed=3)
    want = read_csv_rows(out)
    got = table.to_pydict()
    assert len(want) == table.num_rows
    for name in ("cascade_id", "user_id"):
        assert got[name] == [r[name] for r in want]
    for name in ("time", "followers"):
        assert got[name] == [float(r[name]) for r in want]
    net, cas = cascadia.synth_netinf(nodes=64, seed=4, coverage=0.5)
    net2, cas2 = cascadia.synth_netinf(nodes=64, seed=4, coverage=0.5)
    assert net.equals(net2) and cas.equals(cas2)
    assert set(cas.column("node").to_pylist()) <= {str(i) for i in range(64)}
