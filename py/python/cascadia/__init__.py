"""cascadia: influence of posts and users from diffusion traces, NetInf network inference and
the linear threshold model, computed in Rust (CPU, the library's f64 reference) with the GIL
released.

Tables go in as pandas or polars DataFrames, pyarrow Tables (anything with
``__arrow_c_stream__``) or mappings of columns, and come back in the same kind: a pandas input
gives pandas results, polars gives polars, pyarrow gives pyarrow, a mapping gives dicts of lists.
Columns cross into Rust through the Arrow C stream interface, without a copy through Python
objects. Bad input raises ``ValueError`` with the library's located message
(``events: row 17: field `time`: negative time -1; ...``).

``cascadia.spark`` runs the same computations on Spark DataFrames.
"""

import warnings
from collections.abc import Mapping

import pyarrow as pa

from . import _cascadia
from ._cascadia import __version__, threshold_simulate

__all__ = [
    "influence",
    "netinf",
    "netinf_nodes",
    "netinf_node_runs",
    "netinf_merge",
    "score",
    "synth_influence_cascades",
    "synth_netinf",
    "threshold_simulate",
    "__version__",
]


def _flavour(obj):
    """What kind of table ``obj`` is: pandas, polars, arrow or dict."""
    module = type(obj).__module__.split(".")[0]
    if module in ("pandas", "polars", "pyarrow"):
        return "arrow" if module == "pyarrow" else module
    if isinstance(obj, Mapping):
        return "dict"
    return "arrow"


def _arrow(obj, what):
    """An object with ``__arrow_c_stream__`` holding the table ``obj``."""
    if type(obj).__module__.split(".")[0] == "pandas" and hasattr(obj, "columns"):
        # (pandas >= 2.2 has __arrow_c_stream__, but keeps a non-default index as a column.)
        return pa.Table.from_pandas(obj, preserve_index=False)
    if hasattr(obj, "__arrow_c_stream__"):
        return obj
    if isinstance(obj, Mapping):
        return pa.table({k: list(v) if not hasattr(v, "__array__") else v for k, v in obj.items()})
    raise ValueError(f"{what}: expected a pandas or polars DataFrame, a pyarrow Table or a mapping of columns, got {type(obj).__name__}")


class _Stream:
    """A stream capsule from Rust, as pyarrow's constructors take it."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __arrow_c_stream__(self, requested_schema=None):
        return self._capsule


def _table(capsule):
    return pa.RecordBatchReader.from_stream(_Stream(capsule)).read_all()


def _result(capsule, flavour):
    t = _table(capsule)
    if flavour == "pandas":
        return t.to_pandas()
    if flavour == "polars":
        import polars as pl

        return pl.from_arrow(t)
    if flavour == "dict":
        return t.to_pydict()
    return t


def _netinf_params(edges=None, model="exp", alpha=1.0, weights="snap", beta=None, epsilon=None, ties="first"):
    """NetInf's parameters with their defaults, as the native functions take them."""
    return {"edges": edges, "model": model, "alpha": alpha, "weights": weights, "beta": beta, "epsilon": epsilon, "ties": ties}


def influence(events, preset="paper", decay=None, social_strength=None, power=None, dedupe="none", group=True, skip_invalid=False, backend="auto"):
    """Tweet and user influence (``cascadia influence``).

    ``events``: a table with the columns ``cascade_id``, ``time`` (seconds, a timestamp or RFC
    3339 text), ``user_id`` and ``followers`` (or ``magnitude``). With ``group`` (the default)
    the rows of one cascade need not be contiguous; each cascade is sorted stably by time.
    ``preset``: ``paper``, ``descendants`` or ``birdspotter``; ``decay`` (r, per second),
    ``social_strength`` (beta) and ``power`` (1 or 2) override it. ``dedupe``: ``none``,
    ``first`` or ``last`` (a user seen twice in a cascade). ``skip_invalid``: drop invalid rows
    with a warning instead of raising. ``backend``: ``auto`` or ``cpu`` (the package runs on
    the CPU; the CLI has the GPU path).

    Returns ``(tweets, users)``: tweets ``cascade_id, pos, user_id, time, influence,
    expected_parent`` in cascade order and time order; users ``user_id, events, cascades,
    influence, percentile``, most influential first — the CLI's two files.
    """
    if backend not in ("auto", "cpu"):
        raise ValueError(f"backend {backend!r}: the Python package runs on the CPU (auto or cpu); the GPU path is the CLI's --backend gpu")
    flavour = _flavour(events)
    tweets, users, skipped = _cascadia.influence(_arrow(events, "events"), preset, decay, social_strength, power, dedupe, group, skip_invalid)
    if skipped:
        warnings.warn(f"{len(skipped)} invalid rows skipped, the first: {skipped[0]}", stacklevel=2)
    return _result(tweets, flavour), _result(users, flavour)


def netinf(cascades, edges=None, model="exp", alpha=1.0, weights="snap", beta=None, epsilon=None, ties="first", output=None):
    """NetInf network inference (``cascadia netinf``, the exact greedy on the CPU).

    ``cascades``: a table with the columns ``cascade_id``, ``node`` and ``time`` (rows of a
    cascade may be interleaved; nodes are numbered in order of first appearance, as the CLI's
    reader). ``model``: ``exp``, ``pow`` or ``ray``; ``weights``: ``snap`` (epsilon 1e-64) or
    ``paper`` (beta 0.5, epsilon 1e-10); ``ties``: ``first`` or ``last``. ``output``: also write
    the CLI's ``edges.csv`` (or ``.parquet``/``.arrow``) there, byte for byte the CLI's.

    Returns the selected edges in selection order: ``rank, src, dst, gain, objective, bound,
    vol, median_dt, mean_dt, p_value``.
    """
    flavour = _flavour(cascades)
    params = _netinf_params(edges, model, alpha, weights, beta, epsilon, ties)
    out = _cascadia.netinf(_arrow(cascades, "cascades"), params, None if output is None else str(output))
    return _result(out, flavour)


def netinf_nodes(cascades):
    """The number of nodes of a cascades table (for splitting NetInf's per-node phase)."""
    return _cascadia.netinf_nodes(_arrow(cascades, "cascades"))


def netinf_node_runs(cascades, start, end, **params):
    """NetInf's per-node phase for nodes ``start..end`` (indices in order of first appearance):
    their greedy sequences as bytes for :func:`netinf_merge`. ``params`` as :func:`netinf`."""
    return _cascadia.netinf_node_runs(_arrow(cascades, "cascades"), start, end, _netinf_params(**params))


def netinf_merge(cascades, runs, output=None, **params):
    """NetInf's merge of the per-node runs of every node (from :func:`netinf_node_runs` over
    disjoint ranges): the same edges as :func:`netinf`, bit for bit."""
    flavour = _flavour(cascades)
    out = _cascadia.netinf_merge(_arrow(cascades, "cascades"), list(runs), _netinf_params(**params), None if output is None else str(output))
    return _result(out, flavour)


def score(cascades, network, model="exp", alpha=1.0, weights="snap", beta=None, epsilon=None):
    """The log-likelihood of a network (``cascadia netinf score``): ``network`` has the columns
    ``src, dst``. Returns a dict ``best_tree, all_trees, objective, edges,
    edges_with_unknown_nodes``."""
    params = _netinf_params(None, model, alpha, weights, beta, epsilon)
    return _cascadia.score(_arrow(cascades, "cascades"), _arrow(network, "network"), params)


def synth_influence_cascades(cascades=1000, users=100_000, max_size=100_000, size_exponent=1.0, tie_share=0.05, seed=1):
    """Synthetic retweet cascades (``cascadia synth influence-cascades``): a pyarrow Table of
    events ``cascade_id, time, user_id, followers``."""
    return _table(_cascadia.synth_influence_cascades(cascades, users, max_size, size_exponent, tie_share, seed))


def synth_netinf(nodes=1024, edges=None, graph="kronecker", model="exp", alpha=1.0, beta=0.2, window=100.0, coverage=0.99, max_cascades=1_000_000, seed=1):
    """A synthetic network (``kronecker``: core-periphery, nodes a power of two; or ``er``) and
    cascades over it (``cascadia synth cascades``): pyarrow Tables ``(network, cascades)`` with
    the columns ``src, dst, alpha`` and ``cascade_id, node, time``."""
    net, cas = _cascadia.synth_netinf(nodes, edges, graph, model, alpha, beta, window, coverage, max_cascades, seed)
    return _table(net), _table(cas)
