"""Cleaning web chrome out of scraped text: breadcrumbs, reply-list furniture, bylines, footers
and share buttons, follow prompts, cookie notices and trailing lists of related links.

The cleaner works line by line with patterns that describe the *kind* of line (a short chain of
`>`-separated crumbs starting at a home link, a number and `#` followed by a short name, …),
not the strings of any one page. Nothing is deleted: every line it takes out becomes a `Span`
with offsets into the original text, and reply markers become segment boundaries whose number
and author travel as metadata on the paragraphs that follow.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from duiyi.corpus.model import Span


@dataclass
class Paragraph:
    """A stretch of content text: `text[start:end]`, with metadata for its sentences."""

    start: int
    end: int
    meta: dict = field(default_factory=dict)


@dataclass
class Cleaned:
    paragraphs: list[Paragraph]
    removed: list[Span]


@dataclass
class _Line:
    start: int  # offsets of the line without its surrounding whitespace
    end: int
    text: str
    indent: int = 0  # leading whitespace, in characters
    kind: str = "content"
    meta: dict = field(default_factory=dict)
    after_blank: bool = False  # a blank line precedes it: a paragraph boundary


# --- patterns --------------------------------------------------------------------------------

_SENTENCE_PUNCT = re.compile(r"[。！？!?，,；;]")
_BULLET = r"[•·●◦▪‧∙・*\-–]"

_LOCATION = re.compile(
    r"^(?:当前位置|當前位置|您的位置|你的位置|您现在的位置|您現在的位置|所在位置|现在位置|"
    r"current location|you are here)\s*[:：]?\s*",
    re.I,
)
_HOME = {"首页", "首頁", "主页", "主頁", "网站首页", "網站首頁", "home", "主站", "返回首页"}
_CRUMB_SEP = re.compile(r"\s*(?:>>|>|›|»|＞|→|≫)\s*")

_REPLY_HEADER = re.compile(
    r"^(?:全部|所有|热门|熱門|最新|精彩|网友|網友|最佳|更多|相关|相關)?\s*"
    r"(?:回覆|回复|评论|評論|留言|跟帖|回帖|回答|comments?|replies|responses)\s*"
    r"(?:列表|区|區|板)?\s*(?:[(（\[]\s*\d+\s*[)）\]]|\d+\s*(?:条|條|个|個)?)?\s*[:：]?$"
    r"|^(?:共\s*)?\d+\s*(?:条|條|个|個|则|則)\s*(?:回覆|回复|评论|評論|留言|回答)$"
    r"|^\d+\s+(?:comments?|replies|answers)$",
    re.I,
)
_COUNT = re.compile(r"^\d{1,6}$")

# "• 12 # 亦新湖", "12楼 张三", "第12樓：李四", "#12 王五"
_REPLY_MARKERS = (
    re.compile(rf"^(?:{_BULLET}\s*)?(\d{{1,5}})\s*[#＃]\s*(.*)$"),
    re.compile(
        rf"^(?:{_BULLET}\s*)?(?:第\s*)?(\d{{1,5}})(?:\s*[楼樓]|[FL])(?:\s+|[:：]\s*|$)(.*)$"
    ),
    re.compile(r"^[#＃]\s*(\d{1,5})\s*(?:楼|樓)?(?:\s+|[:：]\s*|$)(.*)$"),
)

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATE = re.compile(
    r"(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    rf"|{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}|\d{{1,2}}\s+{_MONTH}\s+(?:19|20)\d{{2}})"
    r"(?:,?\s*(?:T\s*)?\d{1,2}[:：]\d{2}(?:[:：]\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
)
_BYLINE_WORDS = re.compile(
    r"发布时间|發佈時間|發布時間|发表于|發表於|发布于|發布於|更新时间|更新時間|时间|時間|来源|來源|"
    r"作者|编辑|編輯|责任编辑|責任編輯|责编|責編|发布|發布|posted|published|updated|by|on|at|[AaPp]M",
    re.I,
)
_LABELLED_BYLINE = re.compile(
    r"^(?:来源|來源|作者|编辑|編輯|责任编辑|責任編輯|责编|責編|撰文|撰稿|记者|記者|"
    r"摄影|攝影|图片来源|圖片來源|source|author)\s*[:：|｜]\s*\S.{0,30}$",
    re.I,
)
# A turn of a dialogue, "张三：……" (a short label, a colon, words), and the short replies that
# make a labelled line speech however it sits ("记者：谢谢" is no byline).
_TURN = re.compile(r"^(?!\d)[^\s:：，,。；;！!？?]{1,12}\s*[:：]\s*\S")
_REPLY = re.compile(
    r"^[^:：]+[:：]\s*(?:谢谢|謝謝|好的?|是的?|对的?|對的?|没错|沒錯|不是|不|嗯+|当然|當然|可以|"
    r"明白|再见|再見|您好|你好|不客气|不客氣|没有|沒有)(?:你|您|大家)?[啊呀吧呢了]?$"
)
_NOT_NAVIGATION = re.compile(r"[=+*/^<:：]")  # a crumb with maths or a label is no link
_ENDS_SENTENCE = re.compile(r"[。！!；;]|\.$")  # body text, not a link's title
# "Source:", "来源：": the labelled fields of a dateline ("2020-07-26 05:03:17 Source: Legal Daily
# Author: Wang Sishuo Editor: Wang Sishuo"), in English spelled too long for the short-line rule
_BYLINE_FIELD = re.compile(
    r"(?:来源|來源|作者|编辑|編輯|责任编辑|責任編輯|责编|責編|记者|記者|"
    r"source|author|writer|editor|reporter|correspondent|story|photo)\s*[:：]",
    re.I,
)
_COUNTER_WORDS = re.compile(
    r"阅读|閱讀|浏览|瀏覽|点击|點擊|点赞|點贊|點讚|赞|讚|评论|評論|回复|回覆|收藏|分享|转发|轉發|"
    r"举报|舉報|喜欢|喜歡|views?|likes?|comments?|shares?|reads?",
    re.I,
)
_COUNTER_FILLER = re.compile(r"[\d.,，万萬wWkK+\s:：()（）\[\]|｜·•/、]+")
_FOOTER = re.compile(
    r"^(?:返回顶部|返回頂部|返回首页|返回首頁|返回列表|©|本文来源|本文來源|本文来自|本文來自|"
    r"all rights reserved|(?:copyright|\(c\))(?=\s*(?:©|\(c\)|\d|[:：])))",
    re.I,
)
# Footer labels that also start sentences ("版权所有人可以…。", "上一篇文章里…，"): a footer only
# when the label stands alone ("上一篇：标题", "版权所有 © 2024") or the line is no sentence.
_FOOTER_LABEL = re.compile(
    r"^(?:上一篇|下一篇|上一页|下一页|上一頁|下一頁|分享到|版权所有|版權所有|版权声明|版權聲明|"
    r"免责声明|免責聲明)"
)
_FOLLOW_VERB = re.compile(
    r"关注|關注|订阅|訂閱|点赞|點讚|點贊|点个赞|轉發|转发|私信|follow|subscribe", re.I
)
_FOLLOW_CUE = re.compile(
    r"欢迎|歡迎|快来|快來|点击|點擊|记得|記得|请|請|更多|喜欢|喜歡|别忘|別忘|敬请|敬請|please|more",
    re.I,
)
# A row of share buttons: "Share this article: Facebook Twitter Email", "分享到：微信 微博"
_SHARE_WORDS = re.compile(
    r"\bshare(?:\s+(?:this|it|on|via|to))?(?:\s+(?:article|story|page|post))?\b|分享(?:到|至)?",
    re.I,
)
_NETWORKS = re.compile(
    r"\b(?:facebook|twitter|linkedin|whatsapp|telegram|reddit|pinterest|e-?mail|print|x)\b|"
    r"微信|微博|朋友圈|QQ空间|QQ空間|QQ|豆瓣",
    re.I,
)
_SHARE_FILLER = re.compile(r"[\s:：|｜/·•,，、]+")
# A site's cookie banner: "We use cookies … you agree …", "本网站使用Cookie……同意……"
_COOKIE_USE = re.compile(
    r"(?:\bwe\b|\b(?:this|our) (?:site|website)\b|本网站|本網站|本站|我们|我們)"
    r"[^。.!?！？]{0,20}?(?:\buses?\b|\busing\b|使用)\s*cookies?",
    re.I,
)
_CONSENT = re.compile(r"agree|accept|consent|privacy|同意|接受|隐私|隱私", re.I)
_RELATED_HEADING = re.compile(
    r"^(?:相关|相關|热门|熱門|推荐|推薦|猜你喜欢|猜你喜歡|延伸阅读|延伸閱讀|更多|大家都在看|"
    r"其他人还看了|相关推荐|related)\s*(?:问题|問題|阅读|閱讀|推荐|推薦|文章|新闻|新聞|内容|內容|"
    r"话题|話題|帖子|主题|主題|链接|鏈接|视频|視頻|资讯|資訊|"
    r"questions?|articles?|posts?|stories|links|reading|news|videos?)?\s*[:：]?$",
    re.I,
)
_HEADING_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十]+[）)]|"
    r"第[一二三四五六七八九十百\d]+[章节節部篇回]|\d{1,2}[、．]|[IVX]+\.\s)"
)
_ENDS_WITH_PUNCT = re.compile(r"[\W_]$")

# Kinds whose lines are removed from the text the splitter sees.
REMOVED_KINDS = (
    "breadcrumb",
    "reply-header",
    "reply-count",
    "reply-marker",
    "byline",
    "footer",
    "follow-prompt",
    "related-links",
    "cookie-notice",
)


# --- line classification ---------------------------------------------------------------------


def _crumbs(text: str) -> str | None:
    """The kind of a trail of links: "breadcrumb" when located ("当前位置：华文天下 > 国际"),
    "crumbs" for a bare chain of navigation-like segments, a breadcrumb only at the page's
    edge (in the body "价格 > 成本 > 利润" is a comparison). Segments that read as maths
    ("A", "2", "x+1") or carry a label ("性能：GPU") are no navigation."""
    if len(text) > 80:
        return None
    located = _LOCATION.match(text)
    rest = text[located.end() :] if located else text
    segments = [s for s in _CRUMB_SEP.split(rest)]
    separators = len(segments) - 1
    segments = [s for s in segments if s]
    if located:
        return "breadcrumb" if rest and (separators >= 1 or len(rest) <= 20) else None
    if separators < 1 or len(segments) < 2:
        return None
    if not all(_is_crumb(s) for s in segments):
        return None
    return "crumbs" if segments[0].lower() in _HOME or len(segments) >= 3 else None


def _is_crumb(segment: str) -> bool:
    return (
        len(segment) <= 15
        and (len(segment) >= 2 or not segment.isascii())
        and not segment.isdigit()
        and not _NOT_NAVIGATION.search(segment)
        and not _SENTENCE_PUNCT.search(segment)
    )


def _reply_marker(text: str) -> dict | None:
    for pattern in _REPLY_MARKERS:
        match = pattern.match(text)
        if not match:
            continue
        author = _DATE.sub("", match.group(2)).strip()  # "张三 2019-01-02 10:00"
        author = re.sub(r"\s*(?:说|說|写道|寫道|wrote)?\s*[:：]$", "", author)
        if len(author) > 30 or _SENTENCE_PUNCT.search(author) or "http" in author:
            continue
        meta = {"reply": int(match.group(1))}
        if author:
            meta["author"] = author
        return meta
    return None


def _is_labelled_byline(text: str) -> bool:
    """ "来源：新华社", "责任编辑：王小明": a label, a colon and a short name, on its own line."""
    match = _LABELLED_BYLINE.match(text)
    return bool(match) and len(text) <= 40 and not _SENTENCE_PUNCT.search(text)


def _is_byline(text: str) -> bool:
    """A short line with a date and little else: "卿文 2025-02-19 15:28:01", "2024-10-26国际";
    or a dated line of labelled fields (_BYLINE_FIELD): an English page's byline must go
    like its Chinese twin, or an aligned pair gets it as extra text."""
    if len(text) > 60:
        return _is_dated_fields(text)
    if _is_labelled_byline(text):
        return True
    if not _DATE.search(text):
        return False
    rest = _DATE.sub(" ", text)
    rest = _BYLINE_WORDS.sub(" ", rest)
    rest = re.sub(r"[\s:：|｜/·•()（）\[\]【】]+", "", rest)
    return len(rest) <= 20 and not _SENTENCE_PUNCT.search(rest)


def _is_dated_fields(text: str) -> bool:
    """A dated line of at most 120 characters with two labelled fields or more, no sentence."""
    return (
        len(text) <= 120
        and len(_BYLINE_FIELD.findall(text)) >= 2
        and _DATE.search(text) is not None
        and not _SENTENCE_PUNCT.search(text)
    )


def _is_counter_footer(text: str) -> bool:
    if len(text) > 40 or not _COUNTER_WORDS.search(text):
        return False
    return not _COUNTER_FILLER.sub("", _COUNTER_WORDS.sub("", text))


def _is_footer(text: str) -> bool:
    if len(text) > 200:
        return False
    if _FOOTER.match(text):
        return True
    label = _FOOTER_LABEL.match(text)
    if label is None:
        return False
    return not (text[label.end() : label.end() + 1].isalnum() and _SENTENCE_PUNCT.search(text))


def _share_row(text: str) -> str | None:
    """ "footer" for a line of nothing but share labels and network names with a label in it,
    "networks" for two or more network names alone (a share bar only at the page's edges:
    elsewhere "Facebook, Twitter" may be the text), else None."""
    if len(text) > 120 or not (_SHARE_WORDS.search(text) or _NETWORKS.search(text)):
        return None
    shares, networks = len(_SHARE_WORDS.findall(text)), len(_NETWORKS.findall(text))
    if _SHARE_FILLER.sub("", _NETWORKS.sub("", _SHARE_WORDS.sub("", text))):
        return None
    return "footer" if shares else "networks" if networks >= 2 else None


def _is_cookie_notice(text: str) -> bool:
    return len(text) <= 400 and bool(_COOKIE_USE.search(text)) and bool(_CONSENT.search(text))


def _is_follow_prompt(text: str) -> bool:
    return len(text) <= 80 and bool(_FOLLOW_VERB.search(text)) and bool(_FOLLOW_CUE.search(text))


def _bullet_text(text: str) -> str | None:
    match = re.match(rf"^{_BULLET}\s+(.+)$", text)
    return match.group(1) if match else None


def _classify(line: _Line) -> None:
    text = line.text
    if crumbs := _crumbs(text):
        line.kind = crumbs
    elif _REPLY_HEADER.match(text):
        line.kind = "reply-header"
    elif (marker := _reply_marker(text)) is not None:
        line.kind, line.meta = "reply-marker", marker
    elif _is_counter_footer(text) or _is_footer(text):
        line.kind = "footer"
    elif share := _share_row(text):
        line.kind = share
    elif _RELATED_HEADING.match(text):
        line.kind = "related-heading"
    elif _COUNT.match(text):
        line.kind = "count"
    elif _bullet_text(text) is not None:
        line.kind = "bullet"


def _lines(text: str) -> list[_Line]:
    lines = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        stripped = raw.strip()
        if stripped:
            indent = len(raw) - len(raw.lstrip())
            lines.append(_Line(pos + indent, pos + indent + len(stripped), stripped, indent))
        pos += len(raw)
    return lines


_THREAD = ("reply-header", "reply-marker")  # where a page's comments begin
_TRAILING = (
    "footer",
    "follow-prompt",
    "byline",
    "cookie-notice",
)  # chrome after a page's last list


def _is_turn(text: str) -> bool:
    """A dialogue turn: "张三：……", "记者：请问……？", but no byline ("来源：新华社")."""
    return bool(_TURN.match(text)) and not _is_byline(text)


def _is_speech(lines: list[_Line], i: int, at_edge: bool) -> bool:
    """Whether a labelled line ("记者：……") is a turn of a dialogue: a reply, or beside turns:
    one in the body, on both sides at the page's edge, where a byline sits beside the first
    or the last turn of a transcript."""
    if _REPLY.match(lines[i].text):
        return True
    beside = [0 <= j < len(lines) and _is_turn(lines[j].text) for j in (i - 1, i + 1)]
    return all(beside) if at_edge else any(beside)


def _is_link(line: _Line) -> bool:
    """A line of a related-links list: short, a title or a question (commas allowed, as in
    headlines); a line that ends a sentence ("……。") is body text."""
    text = _bullet_text(line.text) or line.text
    return (
        len(text) <= 80
        and line.kind in ("content", "bullet", "related-heading")
        and not _ENDS_SENTENCE.search(text)
    )


def _is_question(line: _Line) -> bool:
    return (_bullet_text(line.text) or line.text).endswith(("?", "？"))


def _is_faq(run: list[_Line]) -> bool:
    """Questions each followed by their answer ("如何激活？", "拨打客服热线即可激活"): an FAQ,
    however its answers end, not a list of links (those are titles or questions one after
    another)."""
    asked = [_is_question(line) for line in run]
    return (
        sum(asked) >= 2
        and asked[0]
        and not asked[-1]
        and not any(a and b for a, b in zip(asked, asked[1:], strict=False))
    )


def _resolve_context(lines: list[_Line]) -> None:
    """Decide the kinds that depend on neighbours and on the position in the page."""
    n = len(lines)
    for i, line in enumerate(lines):
        if line.kind == "count":
            near = [lines[j].kind for j in (i - 1, i + 1) if 0 <= j < n]
            line.kind = "reply-count" if "reply-header" in near else "content"
    # Breadcrumbs, bylines, follow prompts and cookie notices only where pages put them: near
    # the top or bottom, or right after a reply marker. Elsewhere the same words are content; a labelled
    # byline goes anywhere unless it reads as speech (_is_speech).
    for i, line in enumerate(lines):
        at_edge = i < 8 or i >= n - 5
        if line.kind == "crumbs":
            line.kind = "breadcrumb" if at_edge else "content"
        elif line.kind == "networks":
            line.kind = "footer" if at_edge else "content"
        if line.kind not in ("content", "bullet"):
            continue
        after_marker = i > 0 and lines[i - 1].kind == "reply-marker"
        if _is_labelled_byline(line.text):
            if not _is_speech(lines, i, at_edge):
                line.kind = "byline"
        elif (at_edge or after_marker) and _is_byline(line.text):
            line.kind = "byline"
        elif (i < 3 or i >= n - 3) and _is_follow_prompt(line.text):
            line.kind = "follow-prompt"
        elif at_edge and _is_cookie_notice(line.text):
            line.kind = "cookie-notice"
    # A related-links heading takes the links after it when they run to the page's end (past
    # any footer) or to the comments. A line of body text after it (an FAQ's answer, a section's own text) makes
    # it a heading of the content; so do questions each followed by an answer (_is_faq).
    # Between the article and its comments, the links run up to the comments.
    comments = next((k for k, line in enumerate(lines) if line.kind in _THREAD), n)
    for i, line in enumerate(lines):
        if line.kind != "related-heading":
            continue
        tail = lines[i + 1 : comments if i < comments else n]
        links = [t for t in tail if t.kind not in (*_TRAILING, "breadcrumb")]
        if tail and all(map(_is_link, links)) and not _is_faq(links):
            for t in [line, *tail]:
                if t.kind in ("content", "bullet", "related-heading"):
                    t.kind = "related-links"
        else:
            line.kind = "content"
    # A run of bullets at the very end (after any footer) is a list of links to other pages
    # when the bullets are questions, or sit at the level of the thread's reply markers
    # (a reply's own list is indented like the reply's text).
    marker_indents = [line.indent for line in lines if line.kind == "reply-marker"]
    j = n - 1
    while j >= 0 and lines[j].kind in _TRAILING:
        j -= 1
    run = []
    while j >= 0 and lines[j].kind == "bullet" and len(lines[j].text) <= 80:
        run.append(lines[j])
        j -= 1
    run.reverse()
    questions = sum(map(_is_question, run))
    at_marker_level = bool(marker_indents) and all(b.indent <= min(marker_indents) for b in run)
    if run and (at_marker_level or questions * 2 >= len(run)) and not _is_faq(run):
        for b in run:
            b.kind = "related-links"
    for line in lines:
        if line.kind in ("bullet", "related-heading"):
            line.kind = "content"


# --- paragraphs ------------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


_TERMINAL = ("。", "！", "？", "!", "?", ".", "…", "」", "”", "』", '"', ":", "：")


def _is_wrapped(block: list[_Line]) -> bool:
    """Whether consecutive lines are one hard-wrapped paragraph rather than separate ones:
    lines of nearly the same, moderate width (a text editor's or e-mail's fill column), not all
    ending a sentence. Paragraphs one per line (the usual scrape) have ragged widths."""
    if len(block) < 2:
        return False
    widths = [_width(line.text) for line in block]
    widest = max(widths)
    if not 50 <= widest <= 160 or any(w < 0.8 * widest for w in widths[:-1]):
        return False
    return not all(line.text.endswith(_TERMINAL) for line in block[:-1])


def is_heading(text: str, first: bool = False) -> bool:
    """Whether a paragraph reads as a heading: numbered (一、…), bracketed (【…】), or short
    without closing punctuation; a short first paragraph is the title."""
    if "。" in text[:-1]:
        return False
    if re.fullmatch(r"【[^】]+】", text):
        return True
    if _HEADING_NUMBERED.match(text) and len(text) <= 40:
        return True
    if len(text) <= 30 and not _ENDS_WITH_PUNCT.search(text):
        return True
    return first and len(text) <= 60 and not text.endswith("。")


def _paragraphs(lines: list[_Line]) -> Iterator[tuple[int, int, dict]]:
    """Content paragraphs (start, end, reply meta): blank lines and removed lines end them."""
    meta: dict = {}
    block: list[_Line] = []

    def flush() -> Iterator[tuple[int, int, dict]]:
        if not block:
            return
        if _is_wrapped(block):
            yield block[0].start, block[-1].end, dict(meta)
        else:
            for line in block:
                yield line.start, line.end, dict(meta)
        block.clear()

    for line in lines:
        if line.kind != "content":
            yield from flush()
            if line.kind == "reply-marker":
                meta = dict(line.meta)
            continue
        if line.after_blank:
            yield from flush()
        block.append(line)
    yield from flush()


def _mark_blank_lines(text: str, lines: list[_Line]) -> None:
    for prev, line in zip(lines, lines[1:], strict=False):
        gap = text[prev.end : line.start]
        line.after_blank = gap.count("\n") + gap.count("\r") - gap.count("\r\n") >= 2


def clean_text(text: str) -> Cleaned:
    """Find the page chrome in `text`: the content paragraphs and the removed spans."""
    lines = _lines(text)
    for line in lines:
        _classify(line)
    _resolve_context(lines)
    _mark_blank_lines(text, lines)
    removed: list[Span] = []
    for line in lines:
        if line.kind == "content":
            continue
        last = removed[-1] if removed else None
        if (
            last is not None
            and last.kind == line.kind
            and line.kind != "reply-marker"
            and not text[last.end : line.start].strip()
        ):
            removed[-1] = Span(last.start, line.end, line.kind, text[last.start : line.end])
        else:
            removed.append(Span(line.start, line.end, line.kind, line.text))
    paragraphs = []
    for start, end, meta in _paragraphs(lines):
        if is_heading(text[start:end], first=not paragraphs):
            meta["heading"] = True
        paragraphs.append(Paragraph(start, end, meta))
    return Cleaned(paragraphs, removed)
