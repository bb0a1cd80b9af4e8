"""qa.extract: the answer window, the year/plan/place checks and the task-table fields."""

from __future__ import annotations

from answering import TABLE_DOC, idf, passage

from index import DocMeta
from index.status import status_verdict
from qa.extract import Extractor, introduces
from qa.understand import analyse
from qa.weights import Weights


def _extractor(**weights: float) -> Extractor:
    return Extractor(idf(), min_support=0.5, max_chars=160, weights=Weights().replace(**weights))


def test_a_number_question_gets_the_clause_with_its_figure_and_exact_offsets() -> None:
    p = passage("全年完成背街小巷环境整治210条，新增停车位3400个，改造老旧小区38个。")
    draft = _extractor().extract(analyse("2030年新增了多少停车位？"), [p])
    (claim,) = draft.claims
    assert "3400个" in claim.text and "210条" not in claim.text
    assert p.chunk.text[claim.start : claim.end] == claim.text


def test_a_target_is_no_answer_where_an_actual_is_asked() -> None:
    plan = passage("新建口袋公园20处。", section=("二、2031年工作安排",))
    draft = _extractor().extract(analyse("2031年实际新建了多少口袋公园？"), [plan])
    assert draft.abstained and draft.reason == "period"
    assert not _extractor().extract(analyse("2031年计划新建多少口袋公园？"), [plan]).abstained


def test_another_years_figure_is_refused_with_the_reason() -> None:
    p = passage("新建口袋公园12处。")  # a 2030 review
    draft = _extractor().extract(analyse("2027年新建了多少口袋公园？"), [p])
    assert draft.abstained and draft.reason == "year"


def test_another_place_is_refused() -> None:
    p = passage("全区新建口袋公园12处。")
    draft = _extractor().extract(analyse("海淀区2030年新建了多少口袋公园？"), [p])
    assert draft.abstained and draft.reason == "place"


def test_weak_support_abstains() -> None:
    p = passage("城镇登记失业率控制在1.2%以内。")
    draft = _extractor().extract(analyse("2030年文物腾退了多少？"), [p])
    assert draft.abstained and draft.reason == "weak"


def test_a_list_question_prefers_the_enumeration() -> None:
    a = passage("文化设施建设稳步推进。")
    b = passage("建成区图书馆新馆、区文化馆分馆、街道文化站三处文化设施。", rank=2)
    draft = _extractor().extract(analyse("2030年建成了哪些文化设施？"), [a, b])
    assert "、" in draft.claims[0].text and draft.claims[0].passage is b


def test_a_number_is_never_answered_by_a_sentence_without_a_figure() -> None:
    words = passage("口袋公园建设成效明显，群众满意。")
    figure = passage("口袋公园建设12处。", rank=2)
    q = analyse("2030年口袋公园建设多少？")
    assert _extractor().extract(q, [words, figure]).claims[0].passage is figure
    assert _extractor().extract(q, [words]).reason == "indicator"


def test_the_window_figure_check_is_a_named_weight_that_decides_ties() -> None:
    one = passage("口袋公园建设成效明显，新建12处。")  # its best-covered clause has no figure
    q = analyse("2030年口袋公园建设多少？")
    assert "12处" in _extractor().extract(q, [one]).claims[0].text
    flat = _extractor(window_without_figure_penalty=0.0, window_no_figure_penalty=0.0, window_figure_last_bonus=0.0)
    assert flat.extract(q, [one]).abstained  # the figure-less window wins, and is then no answer


TASK = "城市管理 9 完成口袋公园建设10处 区园林绿化局、区城市管理委 已完成，建成12处，超额完成全年任务。"
FIELDS = {
    "category": "城市管理",
    "number": "9",
    "task": "完成口袋公园建设10处",
    "lead_units": "区园林绿化局、区城市管理委",
    "status": "已完成，建成12处，超额完成全年任务。",
}


def test_lead_unit_comes_from_the_rows_unit_field() -> None:
    row = passage(TASK, doc=TABLE_DOC, section=(), fields=FIELDS)
    (claim,) = _extractor().extract(analyse("口袋公园建设由哪个单位牵头？"), [row]).claims
    assert claim.text == "牵头单位：区园林绿化局、区城市管理委"
    assert TASK[claim.start : claim.end] == "区园林绿化局"


def test_status_comes_from_the_rows_status_with_a_verdict() -> None:
    row = passage(TASK, doc=TABLE_DOC, section=(), fields=FIELDS)
    (claim,) = _extractor().extract(analyse("口袋公园建设完成了吗？"), [row]).claims
    assert claim.text.startswith("超额完成。") and "12处" in claim.text
    assert TASK[claim.start : claim.end] in FIELDS["status"]


def test_status_verdicts() -> None:
    assert status_verdict("因疫情影响未能按期完成") == "未按计划完成"
    assert status_verdict("一期已建成，二期正在施工") == "部分完成，其余仍在进行中"
    assert status_verdict("正在推进") == "进行中"
    assert status_verdict("已全部完成") == "已完成"
    assert status_verdict("相关工作有序开展") == ""
    assert status_verdict("受疫情影响，活动推迟至明年举办") == "延期"
    assert status_verdict("经研究，该项目不再实施，予以终止") == "已终止"
    assert status_verdict("已完成，建成15处，超额完成全年任务") == "超额完成"
    assert status_verdict("各街道门前责任区检查全部达标。") == "已完成"


def test_a_status_statement_of_method_takes_the_rows_verdict_and_a_figure_is_preferred() -> None:
    status = "制定专项工作方案并下发各街道;完成口袋公园建设12处,全部达标。"
    fields = {**FIELDS, "status": status, "verdict": status_verdict(status)}
    row = passage(TASK.replace(FIELDS["status"], status), doc=TABLE_DOC, section=(), fields=fields)
    (claim,) = _extractor().extract(analyse("口袋公园建设现在啥情况？"), [row]).claims
    assert claim.text.startswith("已完成。") and "12处" in claim.text, claim.text


def test_a_code_name_not_printed_is_a_near_miss() -> None:
    p = passage("全区细颗粒物（PM2.5）年均浓度32微克/立方米。")
    draft = _extractor().extract(analyse("2030年PM10年均浓度是多少？"), [p])
    assert draft.abstained and draft.reason == "indicator" and "PM2.5" in draft.note
    assert "32微克" in _extractor().extract(analyse("2030年PM2.5年均浓度是多少？"), [p]).claims[0].text


FIVE_YEARS = DocMeta(
    doc_id="v",
    file="v.txt",
    title="某年政府工作报告",
    year=2031,
    years=(2026, 2027, 2028, 2029, 2030),
    plan_years=(2031,),
)


def test_a_review_of_several_years_answers_for_one_of_them_with_a_label() -> None:
    p = passage("新建各类学校14所，新增学位8600个。", section=("一、过去五年工作回顾",), doc=FIVE_YEARS)
    draft = _extractor().extract(analyse("2028年新增了多少学位？"), [p])
    assert not draft.abstained and "8600个" in draft.claims[0].text
    assert draft.note == "（2031年报告，所述为2026–2030年）"


def test_a_period_total_or_another_year_is_still_no_answer_for_one_year() -> None:
    total = passage("五年累计新增学位8600个。", section=("一、过去五年工作回顾",), doc=FIVE_YEARS)
    assert _extractor().extract(analyse("2028年新增了多少学位？"), [total]).reason == "year"
    stated = passage("2029年新增学位1800个。", section=("一、过去五年工作回顾",), doc=FIVE_YEARS)
    assert _extractor().extract(analyse("2028年新增了多少学位？"), [stated]).abstained
    assert _extractor().extract(analyse("2024年新增了多少学位？"), [total]).abstained  # no period holds 2024


def test_a_list_answer_is_the_enumeration_the_asked_noun_introduces() -> None:
    groups = passage("全年活动包括四大主题展览、六大品牌赛事、三大公益行动。")
    members = passage("四大主题展览分别是运河记忆、城市肌理、胡同人家、匠心传承。", rank=2)
    draft = _extractor().extract(analyse("四大主题展览分别是哪些？"), [groups, members])
    assert draft.claims[0].passage is members and "运河记忆" in draft.claims[0].text
    assert introduces("四大主题展览", members.chunk.text) and not introduces("四大主题展览", groups.chunk.text)


def test_a_window_that_cuts_an_enumeration_gives_way_to_the_whole_sentence() -> None:
    short = Extractor(idf(), min_support=0.5, max_chars=20)  # a window shorter than the enumeration
    c = passage("三大便民工程分别是早餐工程、菜店工程、修车工程。")
    claim = short.extract(analyse("三大便民工程是哪些？"), [c]).claims[0]
    assert all(item in claim.text for item in ("早餐工程", "菜店工程", "修车工程"))
    assert c.chunk.text[claim.start : claim.end].startswith("三大便民工程")


def test_a_near_miss_figure_is_refused_and_named() -> None:
    p = passage("全区文化产业增加值实现520亿元，同比增长7.5%。")
    draft = _extractor().extract(analyse("2030年文化产业增加值占比是多少？"), [p])
    assert draft.abstained and draft.reason == "indicator"
    assert "520亿元" in draft.note or "7.5%" in draft.note


def test_a_total_over_n_years_is_the_one_of_a_review_of_n_years() -> None:
    one_year = passage("全年新增学位1800个。")  # the 2030 review
    five_years = passage("五年累计新增学位8600个。", rank=2, section=("一、过去五年工作回顾",), doc=FIVE_YEARS)
    draft = _extractor().extract(analyse("这五年一共新增了多少学位？"), [one_year, five_years])
    assert "8600个" in draft.claims[0].text
    assert "1800个" in _extractor().extract(analyse("新增了多少学位？"), [one_year, five_years]).claims[0].text


def test_a_target_revised_during_the_year_is_no_actual() -> None:
    p = passage("区级财政收入由年初预算400亿元调整为380亿元左右。全年区级财政收入实际完成381亿元。")
    draft = _extractor().extract(analyse("2030年区级财政收入实际完成了多少？"), [p])
    assert "381亿元" in draft.claims[0].text and "调整为" not in draft.claims[0].text


def test_a_list_announced_by_a_colon_is_given_whole() -> None:
    p = passage(
        "2031年的主要预期目标是：地区生产总值增长5%左右；区级财政收入增长3%左右；新增就业岗位1万个。",
        section=("二、2031年工作安排",),
    )
    draft = _extractor().extract(analyse("2031年的主要预期目标有哪些？"), [p])
    assert draft.claims[0].text.endswith("新增就业岗位1万个。"), draft.claims[0].text


def test_a_part_opened_by_qi_zhong_loses_a_tie_to_the_whole() -> None:
    p = passage("全年新引进各类企业80家，其中总部企业15家。")
    assert "80家" in _extractor().extract(analyse("2030年新引进了多少家企业？"), [p]).claims[0].text
    assert "15家" in _extractor().extract(analyse("2030年新引进了多少家总部企业？"), [p]).claims[0].text


def test_the_original_or_revised_target_is_read_from_the_revision_clause() -> None:
    status = "由年初预算120亿元调整为110亿元左右。全年完成111.2亿元。"
    fields = {**FIELDS, "task": "区级财政收入增长3%左右。", "status": status, "verdict": status_verdict(status)}
    text = "主要目标 2 区级财政收入增长3%左右。 区财政局 " + status
    row = passage(text, doc=TABLE_DOC, section=(), fields=fields)
    for question in ("2030年区级财政收入年初的预算数是多少？", "2030年区级财政收入调整后的目标是多少？"):
        (claim,) = _extractor().extract(analyse(question), [row]).claims
        assert claim.text == "由年初预算120亿元调整为110亿元左右", question
    assert not analyse("2030年区级财政收入实际完成多少？").revision


def test_one_years_figure_is_not_a_periods_total_in_the_same_review() -> None:
    year = passage("实施平房区清洁能源改造，全年完成3100户居民的采暖方式改造。")
    total = passage("过去三年，全区累计完成清洁能源改造9800户。", rank=1)
    one = _extractor().extract(analyse("2030年清洁能源改造完成了多少户？"), [total, year])
    assert "3100户" in one.claims[0].text, one.claims[0].text
    span = _extractor().extract(analyse("2030年为止三年累计完成清洁能源改造多少户？"), [total, year])
    assert "9800户" in span.claims[0].text


def test_a_definition_question_prefers_the_sentence_defining_its_noun() -> None:
    whole = passage("“一园、两区”是指老城保护的空间布局。")  # defines the whole, whose last item is the noun
    part = passage("“两区”是指南北两个风貌保护区。", rank=2)
    draft = _extractor().extract(analyse("两区指什么？"), [whole, part])
    assert draft.claims[0].passage is part, draft.claims[0].text
