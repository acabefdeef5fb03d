"""Progress bars on stderr that callers never have to branch on: silent when asked or not a TTY."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def progressbar(
    iterable: Iterable[T],
    *,
    total: int | None = None,
    desc: str = "",
    unit: str = "it",
    silent: bool = False,
) -> Iterator[T]:
    """Wrap `iterable` in a tqdm bar on stderr unless `silent` or stderr is not a terminal."""
    if silent or not sys.stderr.isatty():
        yield from iterable
        return
    from tqdm import tqdm

    yield from tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)


def weighted_progressbar(
    iterable: Iterable[T],
    weights: Sequence[int],
    *,
    desc: str = "",
    unit: str = "it",
    silent: bool = False,
) -> Iterator[T]:
    """Like `progressbar`, but item k advances the bar by weights[k] (e.g. a document's
    sentences, so that the bar counts sentences while the work goes document by document)."""
    if silent or not sys.stderr.isatty():
        yield from iterable
        return
    from tqdm import tqdm

    with tqdm(total=sum(weights), desc=desc, unit=unit, file=sys.stderr, leave=False) as bar:
        for k, item in enumerate(iterable):
            yield item
            bar.update(weights[k] if k < len(weights) else 0)
