"""The dialogue cue: quotations opened per sentence, and its cost in the aligner's bead scores."""

from __future__ import annotations

import numpy as np
import pytest

from duiyi.align import dp
from duiyi.align.aligner import AlignConfig, Aligner, _Side
from duiyi.align.embed import SpanEncoder
from duiyi.align.quotes import opening_counts, quote_openings


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("“您能…… 说具体些吗？”", 1),
        ("韦小宝道：“好。”海老公道：“哼。”", 2),
        ('他说："走吧。"', 1),
        ("'You're hopeless!' cried Trinket with a grin.", 1),
        ("'All right.", 1),
        ('"Well," she said, "since you ask."', 2),
        ("It's not a big deal, Sha's friend said.", 0),  # apostrophes open nothing
        ("Tomorrow, if you like.'", 0),  # a closing mark alone
        ("No quotations here.", 0),
    ],
)
def test_quote_openings(text, count):
    assert quote_openings(text) == count


def test_opening_counts_per_sentence():
    assert opening_counts(["“走吧。”", "他走了。", "‘A’ and “B”"]).tolist() == [1.0, 0.0, 2.0]


def test_a_quotation_opened_on_one_side_only_costs_quote_weight():
    zh = ["“走吧。”", "他走了。", "天黑了。"]
    en = ['"Let\'s go."', "He left.", "It was dark."]
    weight = 0.7
    scores = {}
    for w in (0.0, weight):
        aligner = Aligner(SpanEncoder(), AlignConfig(quote_weight=w), lexical=False)
        s, t = _Side(zh, aligner.encoder), _Side(en, aligner.encoder)
        band = dp.diagonal_band(3, 3, 3)
        scores[w] = aligner._bead_scores(s, t, band, None, (None, None), 1.0)[(1, 1)]
    with np.errstate(invalid="ignore"):  # -inf - -inf outside the lattice
        diff = scores[0.0] - scores[weight]

    def at(i, j):  # the 1-1 bead of source sentence i-1 with target sentence j-1
        return diff[i, j - band.lo[i]]

    assert at(1, 1) == pytest.approx(0.0)  # both sides open one quotation
    assert at(2, 2) == pytest.approx(0.0)  # neither does
    assert at(1, 2) == pytest.approx(weight)  # “走吧。” against "He left."
    assert at(2, 1) == pytest.approx(weight)
    assert np.all(diff[np.isfinite(diff)] >= -1e-9)
