"""Cleaning web chrome: the seeds' furniture, the same kinds of lines on other pages, and
content that must survive."""

from __future__ import annotations

import pytest
from conftest import SEEDS

from duiyi.corpus.clean import clean_text, is_heading

SEED_000 = SEEDS / "000_08edd30e33a077b6.txt"
SEED_001 = SEEDS / "001_aea3b48e8a28c5fb.txt"
SEED_002 = SEEDS / "002_76ecc3df367f0a1b.txt"


def _kept(text: str) -> list[str]:
    return [text[p.start : p.end] for p in clean_text(text).paragraphs]


def _removed(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in clean_text(text).removed]


def _assert_nothing_lost(text: str) -> None:
    cleaned = clean_text(text)
    pieces = sorted(
        [(p.start, p.end) for p in cleaned.paragraphs] + [(s.start, s.end) for s in cleaned.removed]
    )
    pos = 0
    for start, end in pieces:
        assert start >= pos and not text[pos:start].strip()
        pos = end
    assert not text[pos:].strip()
    for span in cleaned.removed:
        assert text[span.start : span.end] == span.text


def test_seed_000_forum_thread():
    text = SEED_000.read_text(encoding="utf-8")
    cleaned = clean_text(text)
    kinds = [s.kind for s in cleaned.removed]
    assert kinds[:3] == ["breadcrumb", "reply-count", "reply-header"]
    assert cleaned.removed[0].text == "首頁>Club>"
    assert cleaned.removed[1].text == "5"
    assert kinds.count("reply-marker") == 20
    assert kinds[-1] == "related-links"
    assert "中秋節" in cleaned.removed[-1].text and "大齡剩女" in cleaned.removed[-1].text
    # The article is the first paragraph and carries no reply metadata.
    first = cleaned.paragraphs[0]
    assert text[first.start : first.end].startswith("據俄羅斯衛星通訊社")
    assert "reply" not in first.meta
    replies = [p.meta.get("reply") for p in cleaned.paragraphs[1:]]
    assert sorted(set(replies)) == list(range(1, 21))
    assert replies == sorted(replies)  # in document order
    authors = {p.meta["reply"]: p.meta["author"] for p in cleaned.paragraphs[1:]}
    assert authors[1] == "英武" and authors[12] == "亦新湖" and authors[20] == "趙建明Zhao"
    _assert_nothing_lost(text)


def test_seed_001_article():
    text = SEED_001.read_text(encoding="utf-8")
    assert _removed(text) == [("byline", "卿文 2025-02-19 15:28:01"), ("footer", "0 阅读:5")]
    kept = clean_text(text).paragraphs
    headings = [text[p.start : p.end] for p in kept if p.meta.get("heading")]
    assert headings[0].startswith("美俄高层互访")  # the title
    assert "一、美俄已开启合作窗口" in headings and "结语" in headings
    _assert_nothing_lost(text)


def test_seed_002_article():
    text = SEED_002.read_text(encoding="utf-8")
    assert _removed(text) == [
        ("breadcrumb", "当前位置: 华文天下 > 国际"),
        ("byline", "2024-10-26国际"),
        ("follow-prompt", "想了解更多精彩内容,快来关注付芃视野观察"),
    ]
    kept = clean_text(text).paragraphs
    headings = [text[p.start : p.end] for p in kept if p.meta.get("heading")]
    assert "【俄方专机深夜飞往朝鲜，绕远线路】".replace("，", ",") in headings
    _assert_nothing_lost(text)


# The same kinds of chrome in the forms other pages use.
@pytest.mark.parametrize(
    "line,kind",
    [
        ("首页 > 新闻 > 国际", "breadcrumb"),
        ("Home › World › Asia", "breadcrumb"),
        ("您的位置：网站首页 > 财经 > 正文", "breadcrumb"),
        ("當前位置：首頁 » 國際", "breadcrumb"),
        ("回复列表", "reply-header"),
        ("全部评论（36）", "reply-header"),
        ("共12条回复", "reply-header"),
        ("网友评论", "reply-header"),
        ("作者：张三 2023年5月1日 08:30", "byline"),
        ("来源：新华社", "byline"),
        ("发布时间：2024/10/26 12:00", "byline"),
        ("By Jane Doe | March 3, 2024, 10:15 AM", "byline"),
        ("Published 3 Mar 2024", "byline"),
        # an English dateline of labelled fields, longer than the short-line rule allows: it
        # must go like its Chinese twin (2020-07-26 05:03:17 来源：法制日报 作者：王思硕 …)
        (
            "2020-07-26 05:03:17 Source: Legal Daily Author: Wang Sishuo Editor: Wang Sishuo",
            "byline",
        ),
        ("阅读 1234 · 点赞 56", "footer"),
        ("浏览(3.2万)", "footer"),
        ("上一篇：俄乌冲突最新进展", "footer"),
        ("版权所有 © 2024 华文天下", "footer"),
        ("分享到：微信 微博 QQ空间", "footer"),
        ("Share this article: Facebook | Twitter | LinkedIn | Email", "footer"),
        ("Facebook Twitter WhatsApp", "footer"),
        (
            "本网站使用Cookie以改善您的浏览体验。继续浏览即表示您同意我们使用Cookie。",
            "cookie-notice",
        ),
        (
            "We use cookies to improve your experience. By continuing you agree to our use.",
            "cookie-notice",
        ),
    ],
)
def test_general_chrome_patterns(line, kind):
    text = f"{line}\n\n这是正文的第一句话，讲了一件很长的事情。\n\n这是第二段，也是正文。\n"
    removed = clean_text(text).removed
    assert [(s.kind, s.text) for s in removed] == [(kind, line)]
    assert _kept(text) == ["这是正文的第一句话，讲了一件很长的事情。", "这是第二段，也是正文。"]


@pytest.mark.parametrize(
    "marker,reply,author",
    [
        ("  • 7 # 一木161", 7, "一木161"),
        ("3楼 张三", 3, "张三"),
        ("第12樓：李四", 12, "李四"),
        ("#5 王五", 5, "王五"),
        ("• 9 #", 9, None),
        ("12F 路人甲", 12, "路人甲"),
        ("• 4 # 张三 2019-01-02 10:00", 4, "张三"),
    ],
)
def test_reply_marker_forms(marker, reply, author):
    text = f"正文一句话。\n\n{marker}\n\n回帖的内容。\n第二行。\n"
    cleaned = clean_text(text)
    assert [s.kind for s in cleaned.removed] == ["reply-marker"]
    meta = cleaned.paragraphs[-1].meta
    assert meta["reply"] == reply and meta.get("author") == author
    assert "reply" not in cleaned.paragraphs[0].meta


def test_labelled_byline_anywhere_but_dated_lines_only_at_the_edges():
    body = "正文。\n\n" * 10
    text = body + "责任编辑：王小明\n\n" + "2024年10月26日\n\n" + body
    assert _removed(text) == [("byline", "责任编辑：王小明")]


def test_follow_prompt_only_at_the_edges():
    middle = "正文。\n\n" * 5 + "欢迎关注我们的官方账号，更多精彩内容。\n\n" + "正文。\n\n" * 10
    assert "follow-prompt" not in [s.kind for s in clean_text(middle).removed]
    end = "正文。\n\n" * 10 + "喜欢本文请点赞关注，谢谢！"
    assert [s.kind for s in clean_text(end).removed] == ["follow-prompt"]


def test_related_heading_takes_following_links():
    text = "正文第一段，内容很长。\n\n相关阅读：\n俄乌局势最新进展\n美俄会谈释放什么信号\n"
    removed = clean_text(text).removed
    assert [s.kind for s in removed] == ["related-links"]
    assert removed[0].text == "相关阅读：\n俄乌局势最新进展\n美俄会谈释放什么信号"


def test_content_that_looks_a_little_like_chrome_survives():
    text = (
        "2025年2月15日，俄罗斯外长拉夫罗夫应美方邀请，与美国国务卿进行了电话沟通。\n\n"
        "价格从 5 > 3 变成了 3 > 5，这很奇怪。\n\n"
        "3 L 的水\n\n"
        "5\n\n"
        "• 第一点：要保持冷静。\n"
        "• 第二点：要持续观察。\n\n"
        "最后一段正文。\n"
    )
    assert clean_text(text).removed == []
    _assert_nothing_lost(text)


@pytest.mark.parametrize(
    "line",
    [
        "Share this with your friends and family.",
        "Facebook",  # a table cell naming a company
        "欧盟要求网站使用Cookie前征得用户同意，违者最高罚款营业额的4%。",  # news about cookies
    ],
)
def test_lines_that_look_like_share_rows_or_cookie_notices_stay(line):
    text = f"{line}\n\n这是正文的第一句话，讲了一件很长的事情。\n"
    assert _removed(text) == []


@pytest.mark.parametrize(
    "line",
    [
        "(c) 以合法形式掩盖非法目的。",  # a list item (a) (b) (c), not "(c) 2024 …"
        "上一篇文章里我们讨论了房价，本文继续讨论租金问题。",
        "版权所有人可以要求侵权人停止侵害并赔偿损失。",
        "分享到朋友圈的内容也受著作权法保护吗？",
        "Copyright law protects the author of a work for fifty years after death.",
    ],
)
def test_sentences_that_start_like_a_footer_stay(line):
    text = f"第一段正文。\n\n{line}\n\n最后一段正文。\n"
    assert _removed(text) == []


@pytest.mark.parametrize(
    "line",
    [
        "分享到朋友圈",
        "版权所有，翻印必究",
        "Copyright 2024 Foo Inc.",
        "(c) 2024 Foo Inc.",
        "下一页",
    ],
)
def test_footer_forms(line):
    assert _removed(f"正文。\n\n{line}\n") == [("footer", line)]


def test_hard_wrapped_lines_join_into_one_paragraph():
    wrapped = (
        "The quick brown fox jumps over the lazy dog and keeps running far away\n"
        "into the forest where nobody can see it any more, until the sun sets\n"
        "behind the hills.\n\nA new paragraph.\n"
    )
    assert len(_kept(wrapped)) == 2
    lines = "短行一。\n短行二。\n短行三。\n"
    assert _kept(lines) == ["短行一。", "短行二。", "短行三。"]
    sentence = "这是一个很长的段落，它自己占一整行，而且以句号结束，说的是一件事情。"
    assert len(_kept(f"{sentence}\n{sentence}\n")) == 2  # each line ends a sentence


def test_trailing_bullets_in_a_thread():
    thread = "正文。\n  • 1 # 甲\n    回帖。\n    • 第一点\n    • 第二点\n"
    assert "related-links" not in [s.kind for s in clean_text(thread).removed]  # the reply's list
    links = "正文。\n  • 1 # 甲\n    回帖。\n  • 另一个帖子的标题\n  • 再一个标题\n"
    assert [s.kind for s in clean_text(links).removed][-1] == "related-links"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("一、美俄已开启合作窗口", True),
        ("【俄方专机深夜飞往朝鲜，绕远线路】", True),
        ("结语", True),
        ("（二）土俄关系", True),
        ("不會!", False),
        ("美国从叙利亚撤军后，土耳其会和俄罗斯逐步疏远。", False),
        ("一、原来美军驻扎在叙利亚，俄土双方有共同的敌人。不仅俄土双方还要拉上伊朗。", False),
    ],
)
def test_heading(text, expected):
    assert is_heading(text) is expected


def test_crlf_and_blank_lines():
    text = "首页 > 国际\r\n\r\n第一段。\r\n\r\n第二段。\r\n"
    assert _kept(text) == ["第一段。", "第二段。"]
    _assert_nothing_lost(text)


@pytest.mark.parametrize(
    "line",
    [
        # a sentence (a comma) with a date and labels, and a long dated line with one label
        "On 2020-07-26 the source told the author, and the editor, that the paper had closed",
        "2020-07-26 Source: the local farmers who came to the market in the early morning hours",
    ],
)
def test_long_dated_lines_that_are_not_bylines_stay(line):
    text = f"{line}\n\nThis is the first sentence of the article.\n\nAnd the second one.\n"
    assert _removed(text) == []


# --- lines that look like chrome but are content, by their place and their neighbours -------

BODY = "正文的一段话，讲了一件事情。\n\n" * 10
INTERVIEW = (
    "记者：您好，请介绍一下这个项目。\n\n"
    "张三：好的，这个项目始于2019年。\n\n"
    "记者：然后呢\n\n"
    "张三：然后我们扩大了规模。\n\n"
    "记者：谢谢\n\n"
)


@pytest.mark.parametrize(
    "text",
    [
        BODY + "记者：谢谢\n\n" + BODY,  # a reply, even alone in the body
        BODY + INTERVIEW + BODY,  # turns of a transcript in the body
        BODY + "张三：我们扩大了规模。\n\n记者：那我们下次再聊\n\n" + BODY,  # beside one turn
        "访谈实录\n\n" + INTERVIEW + BODY,  # … at the top
        BODY + INTERVIEW,  # … and at the bottom, ending with the reply
    ],
)
def test_speech_turns_are_not_bylines(text):
    assert _removed(text) == []


def test_bylines_around_a_transcript_go():
    text = "访谈实录\n\n记者：王小明\n\n" + INTERVIEW + BODY + "来源：新华社\n编辑：李四\n"
    assert _removed(text) == [
        ("byline", "记者：王小明"),
        ("byline", "来源：新华社\n编辑：李四"),
    ]
    # the byline right after the last turn, beside speech on one side only
    end = BODY + INTERVIEW + "张三：不客气。\n\n记者：王小明\n"
    assert _removed(end) == [("byline", "记者：王小明")]


@pytest.mark.parametrize(
    "line",
    [
        "价格 > 成本 > 利润",
        "A > B > C",
        "性能：GPU > CPU > 手机",
        "北京 → 上海 → 广州",
        "首页 > 设置",
    ],
)
def test_chains_in_the_body_are_not_breadcrumbs(line):
    assert _removed(BODY + line + "\n\n" + BODY) == []


@pytest.mark.parametrize("line", ["A > B > C", "性能：GPU > CPU > 手机", "x > 2 > 1"])
def test_chains_that_are_no_navigation_stay_at_the_top(line):
    assert _removed(f"{line}\n\n{BODY}") == []


def test_breadcrumb_at_the_bottom():
    assert _removed(BODY + "首页 > 新闻 > 国际\n") == [("breadcrumb", "首页 > 新闻 > 国际")]


@pytest.mark.parametrize(
    "tail",
    [
        # an FAQ: each question followed by its answer
        "相关问题\n如何注册账号？\n点击右上角的注册按钮，填写手机号即可。\n"
        "忘记密码怎么办？\n在登录页点击忘记密码。\n",
        # an FAQ whose answers end without a mark, as pages write them
        "相关问题\n如何激活信用卡？\n拨打卡片背面的客服热线，按语音提示即可激活\n"
        "忘记查询密码怎么办？\n携带身份证原件到任一网点柜台办理重置\n",
        # a section heading followed by its body text
        "相关问题\n这个问题涉及三个方面，下面逐一说明。\n第一，成本。\n第二，时间。\n",
        # links, but the page goes on with body text after them
        "相关问题\n如何注册账号？\n忘记密码怎么办？\n\n最后一段正文，说完了。\n",
    ],
)
def test_content_after_a_related_heading_stays(tail):
    assert _removed("正文第一段，内容很长。\n\n" + tail) == []


def test_an_faq_in_bullets_at_the_end_stays():
    faq = "• 如何激活信用卡？\n• 拨打客服热线即可激活\n• 账单日可以修改吗？\n• 每年可修改一次\n"
    assert _removed("正文第一段，内容很长。\n" + faq) == []
    links = "• 如何激活信用卡？\n• 账单日可以修改吗？\n• 信用卡年费标准\n"
    assert _removed("正文第一段，内容很长。\n" + links)[0][0] == "related-links"


@pytest.mark.parametrize("heading", ["相关帖子", "相关视频", "Related stories", "Related links:"])
def test_related_headings_of_other_kinds(heading):
    text = f"正文第一段，内容很长。\n\n{heading}\n• 冷启动异响正常吗？\n• 机油选择攻略\n返回顶部\n"
    links = f"{heading}\n• 冷启动异响正常吗？\n• 机油选择攻略"
    assert _removed(text) == [("related-links", links), ("footer", "返回顶部")]


def test_related_links_between_the_article_and_its_comments_go():
    links = "相关新闻\n古特雷斯呼吁各国加大减排力度\n迪拜气候大会首日通过损失与损害基金"
    text = f"正文第一段，内容很长。\n\n{links}\n网友评论\n1# 地球村民\n终于有进展了\n"
    assert _removed(text)[0] == ("related-links", links)
    # inside a reply, the same lines are the reply's own
    reply = "正文第一段，内容很长。\n1# 地球村民\n相关问题\n如何注册账号？\n2# 路人甲\n同意\n"
    assert "related-links" not in [kind for kind, _ in _removed(reply)]


def test_related_questions_at_the_end_go():
    links = "相关问题\n如何注册账号？\n美国撤军后，土耳其会疏远俄罗斯吗？\n俄乌局势，最新进展"
    text = f"正文第一段，内容很长。\n\n{links}\n返回顶部\n"
    assert _removed(text) == [
        ("related-links", links),
        ("footer", "返回顶部"),
    ]


def test_network_names_alone_go_only_at_the_pages_edges():
    """ "Facebook, Twitter" in the middle of an article is its text (a list of the networks it
    talks about); at the top or the bottom, a share bar without its label."""
    body = [f"这是正文的第{n}段，讲了一件很长的事情。" for n in range(20)]
    middle = "\n\n".join([*body[:10], "Facebook, Twitter", *body[10:]])
    assert _removed(middle) == []
    _assert_nothing_lost(middle)
    bottom = "\n\n".join([*body, "Facebook Twitter WhatsApp"])
    assert [(s.kind, s.text) for s in clean_text(bottom).removed] == [
        ("footer", "Facebook Twitter WhatsApp")
    ]
    labelled = "\n\n".join([*body[:10], "分享到：微信 微博", *body[10:]])  # labelled: anywhere
    assert [s.text for s in clean_text(labelled).removed] == ["分享到：微信 微博"]
