from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

__version__: str

def influence(
    events: Mapping[str, Sequence[Any]] | Any,
    preset: str = "paper",
    decay: Optional[float] = None,
    social_strength: Optional[float] = None,
    power: Optional[int] = None,
) -> Tuple[Dict[str, List[Any]], Dict[str, List[Any]]]: ...

def threshold_simulate(
    src: Sequence[str],
    dst: Sequence[str],
    seed_sets: Sequence[Sequence[str]],
    thresholds: Optional[Mapping[str, float]] = None,
    steps: int = 8,
    seed: int = 0,
) -> Dict[str, List[Any]]: ...

def netinf(
    cascades: Mapping[str, Sequence[Any]] | Any,
    edges: Optional[int] = None,
    model: str = "exp",
    alpha: float = 1.0,
) -> Dict[str, List[Any]]: ...
