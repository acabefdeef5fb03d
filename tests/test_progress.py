"""Progress bars: silent off a terminal; the weighted one counts what the weights say."""

from __future__ import annotations

import io
import sys

from duiyi.progress import WeightedProgress, progressbar, weighted_progressbar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_off_a_terminal_nothing_is_written_and_every_item_passes(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert list(progressbar(range(3), total=3)) == [0, 1, 2]
    assert list(weighted_progressbar("abc", [5, 1, 1])) == ["a", "b", "c"]
    assert sys.stderr.getvalue() == ""


def test_the_weighted_bar_counts_the_weights_and_never_drops_an_item(monkeypatch):
    import tqdm

    seen = []

    class Recording(tqdm.tqdm):
        def close(self):
            seen.append((self.total, self.n, self.unit))
            super().close()

    monkeypatch.setattr(tqdm, "tqdm", Recording)
    monkeypatch.setattr(sys, "stderr", Terminal())
    items = list(weighted_progressbar(["doc1", "doc2", "doc3"], [120, 30, 7], unit="sent"))
    assert items == ["doc1", "doc2", "doc3"]
    assert seen[0] == (157, 157, "sent")
    # more items than weights: every item still comes through
    assert list(weighted_progressbar(range(4), [1, 1])) == [0, 1, 2, 3]


def test_the_weighted_bar_moves_inside_the_item_being_made(monkeypatch):

    monkeypatch.setattr(sys, "stderr", Terminal())
    shown = []
    bar = WeightedProgress([100, 20], unit="sent")

    def items():
        for name in ("doc1", "doc2"):
            for done in (0, 30, 90):
                bar.within(done, 90, f"scoring {done}/90")
                shown.append(bar._bar.n)
            yield name

    assert list(bar.wrap(items())) == ["doc1", "doc2"]
    # doc1's share moves with its steps; doc2's starts where doc1 ended
    assert shown == [0, 33, 100, 100, 106, 120]
    out = sys.stderr.getvalue()
    assert "scoring 30/90" in out and "33/120" in out and "106/120" in out
    bar.within(1, 2, "after the end")  # no bar any more: nothing happens
    assert "after the end" not in sys.stderr.getvalue()
    # off a terminal: nothing written, every item passes, within() is harmless
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    quiet = WeightedProgress([5])
    assert list(quiet.wrap(iter("a"))) == ["a"]
    quiet.within(1, 2, "note")
    assert sys.stderr.getvalue() == ""


def test_split_and_normalize_show_a_bar_on_a_terminal_unless_quiet(monkeypatch, tmp_path):
    from duiyi.cli import main

    doc = tmp_path / "a.txt"
    doc.write_text("第一句。第二句。", encoding="utf-8")
    for command in ("split", "normalize"):
        for quiet, bar_shown in (([], True), (["-q"], False)):
            monkeypatch.setattr(sys, "stdout", io.StringIO())
            monkeypatch.setattr(sys, "stderr", Terminal())
            assert main([command, *quiet, str(doc), "-o", str(tmp_path / "out.txt")]) == 0
            assert (f"{command}:" in sys.stderr.getvalue()) is bar_shown, command


def test_no_bar_is_drawn_over_output_on_the_terminal(monkeypatch, tmp_path):
    # `duiyi translate a.txt` or `duiyi split a.txt` on a terminal: the bar's redraws ("\r…")
    # landed in the middle of the drafts and sentences as they were printed
    from duiyi.cli import main

    src = tmp_path / "a.txt"
    src.write_text("渔船陆续回到港口。\n\n老陈说他在港口打鱼四十年了。\n", encoding="utf-8")
    for command in (["translate", "--engine", "gloss"], ["split"], ["normalize"]):
        monkeypatch.setattr(sys, "stdout", Terminal())
        monkeypatch.setattr(sys, "stderr", Terminal())
        assert main([*command, str(src)]) == 0
        assert "\r" not in sys.stderr.getvalue(), command  # no bar
        assert sys.stdout.getvalue()
        monkeypatch.setattr(sys, "stderr", Terminal())
        assert main([*command, str(src), "-o", str(tmp_path / "out.txt")]) == 0
        assert "\r" in sys.stderr.getvalue(), command  # into a file: the bar is shown
