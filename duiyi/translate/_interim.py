"""Interim reading and splitting until duiyi.corpus.read/pipeline land on main (then deleted)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from duiyi.corpus.model import Document, Sentence
from duiyi.errors import InputError

_END = re.compile(r"[^。！？!?…]*(?:[。！？!?…]+[」』”’）》]*|$)")


def read_inputs(inputs, glob="*"):
    for item in inputs:
        if item == "-":
            yield Document(path="-", text=sys.stdin.buffer.read().decode("utf-8"))
            continue
        path = Path(item)
        if path.is_dir():
            for f in sorted(p for p in path.rglob(glob) if p.is_file()):
                yield Document(path=str(f), text=f.read_text(encoding="utf-8"))
        elif path.is_file():
            yield Document(path=str(path), text=path.read_text(encoding="utf-8"))
        else:
            raise InputError(f"{item}: no such file or directory")


def prepare(doc, lang=None, conversion="auto"):
    import opencc

    cc = opencc.OpenCC("t2s")
    offset = 0
    for number, line in enumerate(doc.text.split("\n")):
        for m in _END.finditer(line):
            if m.group().strip():
                s = m.group()
                doc.sentences.append(
                    Sentence(s, offset + m.start(), offset + m.end(), cc.convert(s.strip()), number)
                )
        offset += len(line) + 1
    return doc
