"""How people name report concepts, and places that are not Xicheng.

A user says "GDP" where the report says 地区生产总值, "财政收入" where it says
一般公共预算收入.  Each entry maps a colloquial phrase to the report's terms;
matching a question adds the report terms to its content terms.
"""

from __future__ import annotations

SYNONYMS: dict[str, tuple[str, ...]] = {
    "gdp": ("地区生产总值",),
    "生产总值": ("地区生产总值",),
    "经济总量": ("地区生产总值",),
    "财政收入": ("一般公共预算收入", "公共财政预算收入"),
    "税收": ("三级税收",),
    "拆违": ("拆除违法建设", "违法建设"),
    "违建": ("违法建设",),
    "公厕": ("厕所",),
    "厕所": ("公厕",),
    "人均收入": ("人均可支配收入",),
    "失业率": ("登记失业率",),
    "空气": ("细颗粒物", "PM2.5"),
    "pm2.5": ("细颗粒物", "PM2.5"),
    "用水": ("新水用量",),
    "水耗": ("新水用量", "水耗"),
    "棚改": ("棚户区改造",),
    "电梯": ("加装电梯",),
    "零售": ("社会消费品零售总额",),
    "社零": ("社会消费品零售总额",),
    "文明城区": ("全国文明城区",),
    "双拥": ("双拥模范城",),
    "增长": ("增幅", "增速"),
}

# English (or mixed) questions: report terms for common English names, and words that carry no topic.
ENGLISH: dict[str, str] = {
    "gross domestic product": "地区生产总值",
    "gdp": "地区生产总值",
    "tax revenue": "三级税收",
    "budget revenue": "一般公共预算收入",
    "fiscal revenue": "一般公共预算收入",
    "retail sales": "社会消费品零售总额",
    "disposable income": "人均可支配收入",
    "income": "人均可支配收入",
    "urban registered unemployment rate": "城镇登记失业率",
    "registered unemployment rate": "城镇登记失业率",
    "unemployment rate": "城镇登记失业率",
    "target": "目标",
    "planned": "计划",
    "plan": "计划",
    "leads": "牵头",
    "responsible": "负责",
    "school places": "学位",
    "public toilets": "公厕",
    "toilets": "公厕",
    "green space": "绿地",
    "water use": "新水用量",
    "illegal buildings": "违法建设",
    "how many": "多少",
    "how much": "多少",
    "which department": "哪个部门",
    "who is responsible": "谁负责",
    "who leads": "谁牵头",
    "completed": "完成了吗",
}
ENGLISH_STOPWORDS = frozenset(
    [
        "what",
        "was",
        "is",
        "are",
        "were",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "for",
        "to",
        "did",
        "does",
        "do",
        "xicheng",
        "district",
        "beijing",
        "please",
        "tell",
        "me",
        "about",
        "total",
        "number",
        "amount",
        "value",
        "year",
    ]
)

# Beijing's other districts (and the old ones merged into Xicheng are not "other").
OTHER_PLACES: tuple[str, ...] = (
    "东城", "朝阳", "海淀", "丰台", "石景山", "门头沟", "房山", "通州", "顺义",
    "昌平", "大兴", "怀柔", "平谷", "密云", "延庆", "崇文", "天津", "河北", "上海",
)  # fmt: skip


def alternatives(piece: str) -> tuple[str, ...]:
    """A content piece and the report's own terms for any colloquial phrase inside it.

    The alternatives are ways to match the *same* piece: evidence needs to
    match one of them, not all.  Expansion is idempotent: where the piece
    already holds part of the report's term around the colloquial phrase
    ("社会消费零售总额" around "零售"), the term replaces that part too, instead
    of being wrapped in it ("社会消费社会消费品零售总额总额").
    """
    low = piece.lower()
    out = [piece]
    for phrase, terms in SYNONYMS.items():
        at = low.find(phrase)
        if at >= 0:
            out.extend(_replace(piece, at, len(phrase), t) for t in terms if t.lower() not in low)
    return tuple(dict.fromkeys(out))


def _replace(piece: str, at: int, length: int, term: str) -> str:
    """``piece[at:at+length]`` replaced by ``term``, absorbing neighbours the term already contains."""
    inner = term.lower().find(piece[at : at + length].lower())
    if inner < 0:
        return piece[:at] + term + piece[at + length :]
    before, after = term[:inner], term[inner + length :]
    # A neighbour the term holds at its own edge is absorbed: "社会消费品零售额" around "零售" ends in 额,
    # which 社会消费品零售总额 ends in too (not "社会消费品零售总额额").
    head = piece[:at]
    left = next((n for n in range(min(len(before), at), 0, -1) if _holds_at_edge(before, head[at - n :])), 0)
    tail = piece[at + length :]
    right = next((n for n in range(min(len(after), len(tail)), 0, -1) if _holds_at_edge(after, tail[:n])), 0)
    return piece[: at - left] + term + tail[right:]


def _holds_at_edge(part: str, words: str) -> bool:
    return part.startswith(words) or part.endswith(words)
