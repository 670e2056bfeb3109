from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import pyarrow as pa

__version__: str

# A table: a pandas or polars DataFrame, a pyarrow Table (anything with __arrow_c_stream__),
# or a mapping of column name -> sequence. Results come back in the same kind.
Table = Any

def influence(
    events: Table,
    preset: str = "paper",
    decay: Optional[float] = None,
    social_strength: Optional[float] = None,
    power: Optional[int] = None,
    dedupe: str = "none",
    group: bool = True,
    skip_invalid: bool = False,
    backend: str = "auto",
) -> Tuple[Table, Table]: ...
def netinf(
    cascades: Table,
    edges: Optional[int] = None,
    model: str = "exp",
    alpha: float = 1.0,
    weights: str = "snap",
    beta: Optional[float] = None,
    epsilon: Optional[float] = None,
    ties: str = "first",
    output: Optional[Union[str, PathLike[str]]] = None,
) -> Table: ...
def netinf_nodes(cascades: Table) -> int: ...
def netinf_node_runs(cascades: Table, start: int, end: int, **params: Any) -> bytes: ...
def netinf_merge(
    cascades: Table,
    runs: Sequence[bytes],
    output: Optional[Union[str, PathLike[str]]] = None,
    **params: Any,
) -> Table: ...
def score(
    cascades: Table,
    network: Table,
    model: str = "exp",
    alpha: float = 1.0,
    weights: str = "snap",
    beta: Optional[float] = None,
    epsilon: Optional[float] = None,
) -> Dict[str, float]: ...
def synth_influence_cascades(
    cascades: int = 1000,
    users: int = 100_000,
    max_size: int = 100_000,
    size_exponent: float = 1.0,
    tie_share: float = 0.05,
    seed: int = 1,
) -> pa.Table: ...
def synth_netinf(
    nodes: int = 1024,
    edges: Optional[int] = None,
    graph: str = "kronecker",
    model: str = "exp",
    alpha: float = 1.0,
    beta: float = 0.2,
    window: float = 100.0,
    coverage: float = 0.99,
    max_cascades: int = 1_000_000,
    seed: int = 1,
) -> Tuple[pa.Table, pa.Table]: ...
def threshold_simulate(
    src: Sequence[str],
    dst: Sequence[str],
    seed_sets: Sequence[Sequence[str]],
    thresholds: Optional[Mapping[str, float]] = None,
    steps: int = 8,
    seed: int = 0,
) -> Dict[str, List[Any]]: ...
