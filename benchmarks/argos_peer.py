"""Peer (b) of benchmarks/translate_argos.py, run inside a venv that has argostranslate (stanza, torch).

    python argos_peer.py DOCS.json LENGTH SENTENCE_REGEX

Translates each document with `argostranslate.translate.translate(text, "zh", "en")`, as an
argos user would, and prints one JSON line: wall and CPU seconds, sentences translated, the
splitter used.
Two things are patched, both said in the output: CTranslate2 calls get min = max decoding
length LENGTH (random weights never stop; every way of the benchmark decodes the same tokens),
and when argos's own sentence splitter (MiniSBD, else stanza) cannot load offline, the
benchmark's regex splits instead (cheaper than MiniSBD, so it only flatters argostranslate).
"""

from __future__ import annotations

import json
import re
import sys
import time
import types
from pathlib import Path


def main() -> None:
    docs_file, length, pattern = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    docs = json.loads(Path(docs_file).read_text(encoding="utf-8"))["docs"]

    import argostranslate.translate as at
    import ctranslate2

    seen = {"sentences": 0}

    class FixedLengthTranslator:
        """ctranslate2.Translator with every call decoding exactly `length` tokens."""

        def __init__(self, *args, **kwargs):
            self._inner = ctranslate2.Translator(*args, **kwargs)

        def translate_batch(self, tokens, **options):
            options.update(min_decoding_length=length, max_decoding_length=length)
            seen["sentences"] += len(tokens)
            return self._inner.translate_batch(tokens, **options)

    at.ctranslate2 = types.SimpleNamespace(Translator=FixedLengthTranslator)

    class RegexSentencizer:
        def __init__(self, pkg):
            self.pkg = pkg

        def split_sentences(self, text):
            return [s for s in re.findall(pattern, text) if s.strip()]

    splitter = "argostranslate's own (MiniSBD)"
    try:
        from argostranslate.package import get_installed_packages

        pkg = next(p for p in get_installed_packages() if p.from_code == "zh")
        at.MiniSBDSentencizer(pkg).split_sentences("今天下雨。我们在家。")
    except Exception as exc:  # offline: MiniSBD fetches its ONNX model on first use
        splitter = f"regex (MiniSBD could not load offline: {type(exc).__name__})"
        at.MiniSBDSentencizer = RegexSentencizer
        at.StanzaSentencizer = RegexSentencizer

    at.translate("热身。", "zh", "en")  # loads the model: not timed
    seen["sentences"] = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for doc in docs:
        at.translate(doc, "zh", "en")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        json.dumps({"wall": wall, "cpu": cpu, "sentences": seen["sentences"], "splitter": splitter})
    )


if __name__ == "__main__":
    main()
