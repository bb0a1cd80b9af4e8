"""A task row's status read as a verdict: the words of the status decide, at index time.

A key-task table row (index.table) states what was done in its own words; its verdict
(已完成, 部分完成, 延期, 已终止, 未按计划完成, 超额完成, and a target revised during the year)
is stored with the row, so every question, the whole-table ones included, reads the same verdict.
The answering side (qa.extract) also uses these words to rank a row's status statements.
"""

from __future__ import annotations

import re

NEGATIVE = re.compile(r"无法完成|未能|未完成|没有完成|尚未|推迟|延期|延迟|暂缓|未按|滞后|无法")
DELAYED = re.compile(r"延期|推迟|顺延|延至|延后|暂缓")
TERMINATED = re.compile(r"终止|取消|不再实施|停止实施")
EXCEEDED = re.compile(r"超额|超过(?:全年)?(?:目标|任务|计划)|超出(?:目标|计划)")
DONE = re.compile(
    r"已完成|全部完成|完成全年|超额完成|顺利完成|圆满完成|如期完成|已建成|全面完成|已实现|完成.{0,6}目标|全部达标|已达标"
)
ONGOING = re.compile(r"正在|推进中|进行中|已启动|开工|施工|持续推进")
# A target revised during the year: "由年初设定的6%左右调整为正增长", "由年初预算439.55亿元调整为413.8亿元";
# what is revised must be a target (年初/原定/预算/目标/计划), not a count ("由195个社区调整为152个").
REVISED_TARGET = re.compile(
    r"由[^，,。；;]{0,4}(?:年初|原定|原计划|预算|目标|计划)[^，,。；;]{0,14}?\d[^，,。；;]{0,12}?调整为([^，,。；;(（]+)"
)


def status_verdict(status: str) -> str:
    """A one-phrase verdict on a task's status, from the words of the status itself.

    The strongest statement wins: a terminated or postponed task is that, whatever
    else was done; a failure word makes it unfinished; done and ongoing together
    make it partly done.
    """
    if TERMINATED.search(status):
        return "已终止"
    if DELAYED.search(status):
        return "延期"
    if NEGATIVE.search(status):
        return "未按计划完成"
    done = DONE.search(status) or re.search(r"完成|建成|完工|通车|投入使用", status)
    if ONGOING.search(status):
        return "部分完成，其余仍在进行中" if done else "进行中"
    verdict = ("超额完成" if EXCEEDED.search(status) else "已完成") if done else ""
    return with_revision(verdict, status)


def with_revision(verdict: str, status: str) -> str:
    """已完成 against a target cut or raised during the year is not a plain 已完成: the verdict says so."""
    revised = REVISED_TARGET.search(status)
    if not revised:
        return verdict
    return f"{verdict + '，' if verdict else ''}目标年内调整为{revised.group(1)}"
