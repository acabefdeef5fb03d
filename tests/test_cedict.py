from duiyi.corpus.cedict import load_cedict, parse_cedict_lines


def test_parses_simplified_and_traditional_headwords():
    lines = [
        "# comment",
        "中國 中国 [Zhong1 guo2] /China/",
        "好 好 [hao3] /good/well/",
        "好 好 [hao4] /to be fond of/",
        "garbage line",
    ]
    entries = parse_cedict_lines(lines)
    assert entries["中国"] == ["China"] == entries["中國"]
    assert entries["好"] == ["good", "well", "to be fond of"]
    assert "garbage" not in entries


def test_the_shipped_dictionary_loads():
    entries = load_cedict()
    assert len(entries) > 100_000
    assert "Russia" in entries["俄罗斯"]
    assert entries["俄羅斯"] == entries["俄罗斯"]
