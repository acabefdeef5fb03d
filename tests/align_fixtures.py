"""Small zh/en parallel texts written for the aligner's tests, with known beads."""

from __future__ import annotations

# (Chinese sentence, its English translation), in order: a short story told plainly.
PARALLEL = [
    ("今天早上下了一场大雨。", "It rained heavily this morning."),
    ("我的妹妹忘了带伞。", "My younger sister forgot to bring her umbrella."),
    ("她只好跑到学校去。", "She had no choice but to run to school."),
    ("到了学校，她的衣服全湿了。", "When she got to school, her clothes were completely wet."),
    ("老师给了她一条干毛巾。", "The teacher gave her a dry towel."),
    ("中午的时候，太阳出来了。", "At noon, the sun came out."),
    ("同学们在操场上踢足球。", "The students played football on the playground."),
    ("我的妹妹进了两个球。", "My sister scored two goals."),
    (
        "下午她去图书馆借了三本书。",
        "In the afternoon she went to the library and borrowed three books.",
    ),
    ("其中一本是关于中国历史的。", "One of them was about Chinese history."),
    ("晚上我们一家人一起吃饺子。", "In the evening our whole family ate dumplings together."),
    ("爸爸说明天要去北京出差。", "Dad said he would go to Beijing on business tomorrow."),
    ("妈妈给他准备了一个小箱子。", "Mom packed a small suitcase for him."),
    ("睡觉以前，妹妹读了半个小时的书。", "Before going to bed, my sister read for half an hour."),
]

# English text with no relation to the Chinese above (a "translation" of the wrong document).
UNRELATED_EN = [
    "The quarterly report shows a rise in steel prices.",
    "Shareholders will vote on the merger in March.",
    "Interest rates remain unchanged for the third month.",
    "The central bank expects inflation to slow next year.",
    "Exports of machinery fell by four percent.",
    "Analysts disagree about the outlook for housing.",
    "The company plans to open two new factories.",
    "Oil production reached a record high in October.",
    "Several airlines reported higher fuel costs.",
    "The stock market closed slightly lower on Friday.",
    "Unemployment declined in most regions.",
    "A new trade agreement takes effect in January.",
    "Retail sales were weaker than forecast.",
    "The government announced a tax cut for small firms.",
]


def merged(sentences: list[str], groups: list[int], joiner: str) -> list[str]:
    """Join consecutive sentences: groups[k] sentences go into output line k."""
    out, pos = [], 0
    for size in groups:
        out.append(joiner.join(sentences[pos : pos + size]))
        pos += size
    assert pos == len(sentences)
    return out
