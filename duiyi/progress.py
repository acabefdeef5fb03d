"""Progress bars on stderr that callers never have to branch on: silent when asked or not a TTY."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def to_terminal(output: str | None) -> bool:
    """Whether a command's `output` (None or "-": stdout) is a terminal, where a bar on stderr
    would be drawn over the text as it comes: callers keep the bar silent then."""
    return output in (None, "-") and sys.stdout.isatty()


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
    return WeightedProgress(weights, desc=desc, unit=unit, silent=silent).wrap(iterable)


class WeightedProgress:
    """A bar where item k weighs weights[k], that can also move inside the item being made:

        bar = WeightedProgress(sizes, desc="align", unit="sent")
        for result in bar.wrap(results):  # while the next result is made: bar.within(3, 10)

    `within(done, total, note)` advances the bar to done/total of that item's weight and shows
    `note` after it (e.g. "scoring rival beads 300/1,209"); when the item comes through, the
    bar gets the rest of its weight and the note goes. Silent as `progressbar` is."""

    def __init__(
        self, weights: Sequence[int], *, desc: str = "", unit: str = "it", silent: bool = False
    ):
        self.weights, self.desc, self.unit, self.silent = list(weights), desc, unit, silent
        self._bar = None
        self._item = 0  # the item being made: the number that came through
        self._inside = 0  # how much of its weight the bar already shows
        self._noted = False  # whether a note is shown

    def wrap(self, iterable: Iterable[T]) -> Iterator[T]:
        if self.silent or not sys.stderr.isatty():
            yield from iterable
            return
        from tqdm import tqdm

        total = sum(self.weights)
        with tqdm(total=total, desc=self.desc, unit=self.unit, file=sys.stderr, leave=False) as bar:
            self._bar = bar
            try:
                for item in iterable:
                    yield item
                    if self._noted:
                        bar.set_postfix_str("", refresh=False)
                    bar.update(max(0, self._weight() - self._inside))
                    self._item, self._inside, self._noted = self._item + 1, 0, False
            finally:
                self._bar = None

    def within(self, done: int, total: int, note: str = "") -> None:
        """The item being made is `done` of `total` steps along."""
        if self._bar is None:
            return
        share = self._weight() * min(done, total) // total if total > 0 else 0
        if note:
            self._bar.set_postfix_str(note, refresh=False)
            self._noted = True
        if share > self._inside:
            self._bar.update(share - self._inside)
            self._inside = share
        self._bar.refresh()  # drawn now, however recent the last draw

    def _weight(self) -> int:
        return self.weights[self._item] if self._item < len(self.weights) else 0
