"""cascadia: influence of posts and users from diffusion traces, and the linear threshold
model, computed in Rust (CPU, the library's f64 reference) with the GIL released.

Columns go in as sequences (lists, numpy arrays, pandas Series); results come back as dicts
of lists, which ``pandas.DataFrame(d)`` takes as is.
"""

from ._cascadia import __version__, threshold_simulate
from ._cascadia import influence as _influence
from ._cascadia import netinf as _netinf

__all__ = ["influence", "netinf", "threshold_simulate", "__version__"]


def _column(frame, name):
    col = frame[name]
    return col.tolist() if hasattr(col, "tolist") else list(col)


def influence(events, preset="paper", decay=None, social_strength=None, power=None):
    """Tweet and user influence (``cascadia influence``).

    ``events``: a mapping or data frame with the columns ``cascade_id``, ``time``, ``user_id``
    and ``followers`` (rows of one cascade need not be contiguous; each cascade is sorted
    stably by time). Returns ``(tweets, users)`` as dicts of lists. Bad input raises
    ``ValueError`` with the library's message.
    """
    return _influence(
        [str(c) for c in _column(events, "cascade_id")],
        [float(t) for t in _column(events, "time")],
        [str(u) for u in _column(events, "user_id")],
        [float(f) for f in _column(events, "followers")],
        preset,
        decay,
        social_strength,
        power,
    )


def netinf(cascades, edges=None, model="exp", alpha=1.0):
    """NetInf network inference (``cascadia netinf``, the exact greedy on the CPU).

    ``cascades``: a mapping or data frame with the columns ``cascade_id``, ``node`` and
    ``time``. Returns the selected edges in selection order as a dict of lists (``rank, src,
    dst, gain, objective, bound, vol, median_dt, mean_dt, p_value``), the same as the CLI's
    output file.
    """
    return _netinf(
        [str(c) for c in _column(cascades, "cascade_id")],
        [str(v) for v in _column(cascades, "node")],
        [float(t) for t in _column(cascades, "time")],
        edges,
        model,
        alpha,
    )
