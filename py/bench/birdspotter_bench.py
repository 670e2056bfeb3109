"""cascadia.influence against birdspotter (the authors' package) on the same cascades, in one run.

    pip install ./py && pip install --no-deps birdspotter   # (its `sklearn` dependency is a
    python py/bench/birdspotter_bench.py --cascades 200 --max-size 1000   # dead package name)

birdspotter's `P` and `influence` (birdspotter.user_influence) compute one cascade's tweet
influences with the self term; cascadia's `birdspotter` preset is the same model. Prints both
times, the ratio, and the largest relative difference of the tweet influences.
"""

import argparse
import time

import numpy as np
import pyarrow.compute as pc

import cascadia


def birdspotter_influence():
    """birdspotter's user_influence module, loaded from its file: the package's __init__
    imports the whole bot detector (xgboost, scikit-learn, ...), which the influence code does
    not use."""
    import importlib.util

    spec = importlib.util.find_spec("birdspotter")
    if spec is None:
        raise SystemExit("birdspotter is not installed: pip install --no-deps birdspotter")
    path = spec.submodule_search_locations[0] + "/user_influence.py"
    mod_spec = importlib.util.spec_from_file_location("birdspotter_user_influence", path)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return mod.P, mod.influence


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cascades", type=int, default=200)
    ap.add_argument("--max-size", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    P, influence = birdspotter_influence()

    events = cascadia.synth_influence_cascades(cascades=a.cascades, max_size=a.max_size, seed=a.seed)
    df = events.to_pandas()
    n = len(df)
    t0 = time.perf_counter()
    tweets, _ = cascadia.influence(events, preset="birdspotter")
    ours_s = time.perf_counter() - t0
    ours = tweets.to_pandas().set_index(["cascade_id", "pos"])["influence"]

    t0 = time.perf_counter()
    theirs = {}
    for cid, g in df.groupby("cascade_id", sort=False):
        g = g.sort_values("time", kind="stable").reset_index(drop=True)
        c = g.rename(columns={"followers": "magnitude"})[["time", "magnitude"]].astype(float)
        inf, _ = influence(P(c, r=-0.000068, beta=1.0), None)
        theirs[cid] = inf
    theirs_s = time.perf_counter() - t0

    worst = 0.0
    for cid, inf in theirs.items():
        mine = ours.loc[cid].to_numpy()
        worst = max(worst, float(np.max(np.abs(mine - inf) / np.maximum(1.0, np.abs(inf)))))
    print(f"{a.cascades} cascades, {n} events (largest {int(pc.max(pc.value_counts(events['cascade_id']).field('counts')).as_py())})")
    print(f"birdspotter  {theirs_s:9.3f} s")
    print(f"cascadia     {ours_s:9.3f} s   ({theirs_s / ours_s:,.0f}x faster)")
    print(f"largest relative difference of the tweet influences: {worst:.2e}")


if __name__ == "__main__":
    main()
