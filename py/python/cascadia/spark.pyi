from os import PathLike
from typing import Any, Optional, Tuple, Union

def influence(
    df: Any,
    preset: str = "paper",
    decay: Optional[float] = None,
    social_strength: Optional[float] = None,
    power: Optional[int] = None,
    dedupe: str = "none",
    partitions: Optional[int] = None,
) -> Tuple[Any, Any]: ...
def netinf(
    df: Any,
    edges: Optional[int] = None,
    model: str = "exp",
    alpha: float = 1.0,
    weights: str = "snap",
    beta: Optional[float] = None,
    epsilon: Optional[float] = None,
    ties: str = "first",
    partitions: Optional[int] = None,
    output: Optional[Union[str, PathLike[str]]] = None,
) -> Any: ...
