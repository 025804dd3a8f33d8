"""The campaign file: a coordinator's plan as data, validated on load.

Everything specific to one county's campaign (dates, owners, villages, reminder offsets, templates) lives in
the TOML file; this module only knows its shape.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

COUNTY_TAG = "county"
OWNER_GROUPS = ("county", "townships", "departments")


def _cn(day: date) -> str:
    """2017年4月5日 in a message about the campaign file (the office's way; models sit below tasks.wording)."""
    return f"{day.year}年{day.month}月{day.day}日"


class CampaignFileError(Exception):
    """The campaign file cannot be used; the message names the file, key and line, in Chinese."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phase(_Strict):
    key: str = ""
    name: str
    start: date
    end: date
    description: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError("结束日期早于开始日期")
        return self


class Department(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str


class Village(_Strict):
    code: Annotated[str, Field(pattern=r"^\d{12}$")]
    name: str


class Township(_Strict):
    code: Annotated[str, Field(pattern=r"^\d{9}$")]
    name: str
    villages: list[Village] = Field(min_length=1)

    @model_validator(mode="after")
    def _villages_inside(self) -> Township:
        for village in self.villages:
            if not village.code.startswith(self.code):
                raise ValueError(f"村（社区）{village.name} 的代码 {village.code} 不属于乡镇 {self.code}")
        return self


class Milestone(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    name: str
    phase: str
    owners: list[str] = Field(min_length=1)
    due: date
    text: str = ""
    source: str = ""
    # Completed by an event instead of a report: "delivery" when all of an owner's data sources are
    # imported, "worklists" when the household-visit lists are published, "survey" when every person on a
    # township's lists has been visited, "training" when enough of a township's staff have attended its
    # training (see [training]).
    completed_by: Literal["delivery", "worklists", "survey", "training"] | None = None


class ReminderPolicy(_Strict):
    before_days: list[Annotated[int, Field(ge=1)]] = [7, 3, 1]
    after_days: list[Annotated[int, Field(ge=1)]] = [1, 3, 7, 14, 28]
    escalate_after_days: Annotated[int, Field(ge=0)] = 3
    window_days: Annotated[int, Field(ge=0)] = 7

    @field_validator("before_days", "after_days")
    @classmethod
    def _sorted_unique(cls, days: list[int]) -> list[int]:
        return sorted(set(days))


class RankingPolicy(_Strict):
    phases: list[str] = ["survey"]
    weekday: Annotated[int, Field(ge=1, le=7)] = 5
    bottom: Annotated[int, Field(ge=0)] = 3
    late_credit: Annotated[float, Field(ge=0, le=1)] = 0.5


class Notices(_Strict):
    issuer: str
    doc_prefix: str
    # the document number (发文字号): {prefix}, {year} and {serial} as plain numbers, 〔〕 brackets (GB/T 9704)
    doc_number: str = "{prefix}〔{year}〕{serial}号"
    # A notice that demands rectification (整改) gives a deadline this many days after it is signed.
    rectify_within_days: Annotated[int, Field(ge=1)] = 7
    templates: dict[str, str]

    @field_validator("doc_number")
    @classmethod
    def _doc_number_formats(cls, value: str) -> str:
        try:
            value.format(prefix="安参保办", year=2017, serial=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"文号格式 {value!r} 无效：只能使用 {{prefix}}、{{year}}、{{serial}}（{exc}）") from None
        return value


SourceRole = Literal["register", "enrolment", "students", "employment", "graduates", "subsidised", "deaths", "survey"]
INSURANCES = ("pension", "medical", "injury", "maternity", "unemployment")


class Source(_Strict):
    """One department's data file: who delivers it, by when, and how its columns may be headed."""

    key: str = ""
    name: str
    department: str
    due: date
    role: SourceRole
    required: list[str] = ["id_number", "name"]
    header: list[str] = []  # columns the header must name although their cells may be empty
    columns: dict[str, list[str]]  # normalised field -> header synonyms, as departments write them

    @model_validator(mode="after")
    def _required_have_synonyms(self) -> Source:
        missing = [field for field in [*self.required, *self.header] if field not in self.columns]
        if missing:
            raise ValueError(f"必填列 {'、'.join(missing)} 没有列名（columns 中缺少）")
        return self


class Insurance(_Strict):
    """Who should have an insurance and which lists show that they do."""

    name: str
    covered_by: list[str] = Field(min_length=1)
    min_age: int = 0
    requires: list[str] = []  # applies only to persons on one of these lists (e.g. employment)
    excluded_by: list[str] = []  # does not apply to persons on these lists (e.g. students)


class Comparison(_Strict):
    population: str = "household"  # the list that says who the county's registered residents are
    deaths: str = "cremation"
    employment: str = "employment"
    insurances: dict[str, Insurance]
    duplicate_pairs: list[tuple[str, str]] = []
    subsidised: list[str] = []
    # The employee schemes' enrolment lists (职工参保): a graduate (大学生档案) on none of them is a priority of
    # the expansion plan. Empty: no list counts as an employee list.
    employee_lists: list[str] = []
    working_age_min: int = 16
    working_age_max_male: int = 60
    working_age_max_female: int = 55


class Outcome(_Strict):
    """A visit outcome a village worker can record: its Chinese name, what it does to the person's record,
    and which departments must hear about it (e.g. a death the register does not know).

    A visit records what was found and what the person said; it never enrols anyone: only a department's list
    makes an insurance `insured` (the next data exchange reports 登记后已参保)."""

    name: str
    aliases: list[str] = []
    registers: bool = False  # the person registered (登记) in the visit; counted as pending until a list has them
    covers: list[str] = []  # insurances covered by a scheme the county's lists do not hold (no gap here)
    covered_as: Literal["elsewhere", "other_scheme"] = "elsewhere"  # the status `covers` gives a missing insurance
    insured_elsewhere: bool = False  # older campaign files: the same as covers = ["pension", "medical"]
    away: bool = False  # away for a time (兵役, 服刑, 出国): missing insurances are not applicable while away
    deceased: bool = False  # leaves the gap figures
    moved_out: bool = False  # left the county's register (已迁出): leaves the gap figures
    flag_township: bool = False  # stays on the list and on the gap figures; put on the township's follow-up list
    needs_confirmation: bool = False  # departments hear of it only once the township confirms it
    needs_reason: bool = False  # a row without 未参保原因 is refused
    notify: list[str] = []  # department keys to receive the finding on their correction lists
    needs_correction: bool = False  # the outcome means nothing without a correction

    @field_validator("notify", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else ([] if value is None else value)

    @field_validator("covers")
    @classmethod
    def _known_covers(cls, keys: list[str]) -> list[str]:
        unknown = [k for k in keys if k not in INSURANCES]
        if unknown:
            raise ValueError(f"未知险种：{'、'.join(unknown)}（可用：{'、'.join(INSURANCES)}）")
        return keys

    @property
    def covered(self) -> list[str]:
        """The insurances this outcome covers outside the county's lists."""
        return self.covers or (["pension", "medical"] if self.insured_elsewhere else [])


class Intent(_Strict):
    """A person's stated intent to enrol (参保意愿) as a worker may write it."""

    name: str
    aliases: list[str] = []


class CorrectionField(_Strict):
    """A field of a person's record a visit may correct, with the department that holds the wrong value."""

    label: str
    aliases: list[str] = []
    notify: str


DEFAULT_OUTCOMES: dict[str, Outcome] = {
    "registered": Outcome(
        name="已登记（有参保意愿）", aliases=["已登记参保", "已参保登记", "登记参保", "已登记"], registers=True
    ),
    "insured_elsewhere": Outcome(
        name="外地参保", aliases=["异地参保", "县外参保"], covers=["pension", "medical"], notify=["hrss"]
    ),
    "public_sector": Outcome(
        name="已在机关事业单位参保",
        aliases=["机关事业单位参保", "机关事业单位"],
        covers=["pension", "medical"],
        covered_as="other_scheme",
        notify=["hrss"],
    ),
    "working_away": Outcome(name="外出务工（人户分离）", aliases=["外出务工", "人户分离"], flag_township=True),
    "military": Outcome(name="服兵役", aliases=["服役", "参军"], away=True),
    "prison": Outcome(name="服刑", aliases=["服刑人员", "在押"], away=True),
    "abroad": Outcome(name="出国（境）", aliases=["出国", "出境", "出国出境"], away=True),
    "deceased": Outcome(name="已死亡", aliases=["死亡"], deceased=True, notify=["police", "hrss", "health"]),
    "moved": Outcome(name="已迁出", aliases=["迁出", "户口迁出"], moved_out=True, notify=["police"]),
    "not_found": Outcome(name="查无此人", aliases=["无此人", "查无"], needs_confirmation=True, notify=["police"]),
    "refused": Outcome(name="拒绝登记", aliases=["拒绝参保", "不愿参保", "拒绝"], needs_reason=True),
    "corrected": Outcome(name="信息更正", aliases=["信息有误", "更正"], needs_correction=True),
}
DEFAULT_INTENTS: dict[str, Intent] = {
    "willing": Intent(name="愿意参保", aliases=["有", "有意愿", "愿意", "是"]),
    "undecided": Intent(name="考虑中", aliases=["待定", "暂未决定", "不确定"]),
    "unwilling": Intent(name="不愿参保", aliases=["无", "无意愿", "不愿意", "否"]),
}
DEFAULT_CORRECTIONS: dict[str, CorrectionField] = {
    "name": CorrectionField(label="姓名", notify="police"),
    "sex": CorrectionField(label="性别", notify="police"),
    "birth_date": CorrectionField(label="出生日期", aliases=["出生年月"], notify="police"),
    "household_type": CorrectionField(label="户口性质", notify="police"),
    # 二（一）'s two addresses: the registered one is the police's household register; where the person lives now is
    # what the registration itself records (人社部门's 全民参保登记库), not a police record. On a work list a village
    # worker's "住址" is where they found the person; the registered address is corrected only by its own name.
    "registered_address": CorrectionField(
        label="户籍所在地", aliases=["户籍地址", "户籍地", "户口所在地", "户籍住址"], notify="police"
    ),
    "address": CorrectionField(
        label="现居住地", aliases=["住址", "地址", "居住地", "现住址", "居住地址", "实际居住地"], notify="hrss"
    ),
    "phone": CorrectionField(label="联系电话", aliases=["电话", "手机", "手机号码", "联系方式"], notify="hrss"),
    "employer": CorrectionField(label="工作单位", aliases=["单位", "就业单位"], notify="hrss"),
}


# Header synonyms of an investigator-card register (入户调查证发放登记表); the first synonym is the heading canbao
# writes. Required: number, holder, village, issued_on.
DEFAULT_CARD_COLUMNS: dict[str, list[str]] = {
    "number": ["证号", "入户调查证号", "调查证编号", "调查证号", "编号"],
    "holder": ["持证人", "持证人姓名", "调查员", "调查员姓名", "姓名"],
    "village": ["村（社区）", "所在村（社区）", "村居", "村（居）"],
    "issued_on": ["发证日期", "发放日期", "领证日期"],
    "revoked_on": ["收回日期", "作废日期", "注销日期"],
    "revoked_note": ["收回原因", "作废原因", "注销原因"],
}


class Cards(_Strict):
    """The investigator cards (入户调查证, 四（一）) the county makes for the village workers: what a printed card
    says and how a register workbook is headed."""

    title: str = "全民参保登记入户调查证"  # printed after the county's name
    issuer: str | None = None  # the issuing office printed on the card; default: [notices] issuer
    valid_from: date | None = None  # default: the survey's start
    valid_until: date | None = None  # default: the survey's deadline
    columns: dict[str, list[str]] = DEFAULT_CARD_COLUMNS

    @model_validator(mode="after")
    def _ordered(self) -> Cards:
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until 早于 valid_from")
        return self

    @field_validator("columns")
    @classmethod
    def _all_fields(cls, columns: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [f for f in DEFAULT_CARD_COLUMNS if not columns.get(f)]
        if missing:
            raise ValueError(f"缺少列的写法：{'、'.join(missing)}")
        return columns


class Survey(_Strict):
    """The household survey (入户调查): its schedule, when a township counts as behind, and what visits mean."""

    phase: str = "survey"
    start: date | None = None  # default: the phase's start
    deadline: date | None = None  # default: the phase's end (the whole day counts)
    expected: Literal["calendar", "workdays"] = "calendar"  # linear over calendar days or working days
    behind_margin: Annotated[float, Field(ge=0, le=1)] = 0.10
    pace_days: Annotated[int, Field(ge=1)] = 7
    grace_days: Annotated[int, Field(ge=0)] = 7  # days from the start before projections can make a list behind
    escalate_after_days: Annotated[int, Field(ge=1)] = 3  # working days behind before the county is told
    lagging_villages_shown: Annotated[int, Field(ge=1)] = 10
    # Days after a visit reached the county before its township is reminded to review (核实) it; 0: no reminder.
    review_within_days: Annotated[int, Field(ge=0)] = 0
    # Older campaign files named the insurances a visit enrolled a person in; a visit enrols no one now (only a
    # department's list does), so the value is read and ignored.
    registers: list[str] = []
    holidays: list[date] = []  # extra days off beyond the official calendar
    workdays: list[date] = []  # extra working days
    outcomes: dict[str, Outcome] = DEFAULT_OUTCOMES
    intents: dict[str, Intent] = DEFAULT_INTENTS  # what 参保意愿 may say (a name or an alias)
    corrections: dict[str, CorrectionField] = DEFAULT_CORRECTIONS
    cards: Cards = Cards()

    @field_validator("registers")
    @classmethod
    def _known_insurances(cls, keys: list[str]) -> list[str]:
        unknown = [k for k in keys if k not in INSURANCES]
        if unknown:
            raise ValueError(f"未知险种：{'、'.join(unknown)}（可用：{'、'.join(INSURANCES)}）")
        return keys


class InspectionResult(_Strict):
    """A result an inspector writes in 核查结果, and whether it counts against the township."""

    name: str
    aliases: list[str] = []
    error: bool = False


DEFAULT_INSPECTION_RESULTS: dict[str, InspectionResult] = {
    "correct": InspectionResult(name="属实", aliases=["核实无误", "无误", "一致", "正确"]),
    "wrong": InspectionResult(name="不属实", aliases=["不一致", "有误", "错误", "与走访结果不符"], error=True),
    "not_found": InspectionResult(name="未找到", aliases=["找不到", "未找到本人", "无法核实"], error=True),
}


# Header synonyms of the inspectors' ledger workbook (督查台账), one row per problem found; the first synonym is
# the heading canbao writes. Required: date, township, inspectors, problem, requirement.
DEFAULT_LEDGER_COLUMNS: dict[str, list[str]] = {
    "visited_on": ["督查日期", "检查日期", "督查时间", "日期"],
    "township": ["乡镇", "被督查乡镇", "责任乡镇", "所属乡镇", "乡镇名称"],
    "villages": ["村（社区）", "督查村（社区）", "村居", "督查地点", "所到村（社区）"],
    "inspectors": ["督查人员", "督查组成员", "检查人员", "督查人"],
    "problem": ["发现问题", "存在问题", "问题", "督查发现的问题"],
    "requirement": ["整改要求", "整改意见", "整改措施"],
    "deadline": ["整改期限", "整改时限", "整改截止日期", "限期"],
}


class Rectification(_Strict):
    """The inspectors' ledger (督查台账): when a finding must be rectified, and who is reminded when. Every
    period is the county office's working rule, not the plan's: the plan says only that the inspection group
    inspects at any time (五（三）)."""

    within_days: Annotated[int, Field(ge=1)] = 15  # deadline after the inspection when the ledger gives none
    before_days: list[Annotated[int, Field(ge=1)]] = [3]  # reminders this many days before the deadline
    after_days: list[Annotated[int, Field(ge=1)]] = [1, 3, 7, 14]  # overdue reminders after it
    escalate_after_days: Annotated[int, Field(ge=0)] = 3  # the county is told from this many days overdue
    report_within_days: Annotated[int, Field(ge=1)] = 3  # an overdue reminder asks for the report within these days
    columns: dict[str, list[str]] = DEFAULT_LEDGER_COLUMNS

    @field_validator("before_days", "after_days")
    @classmethod
    def _sorted_unique(cls, days: list[int]) -> list[int]:
        return sorted(set(days))

    @field_validator("columns")
    @classmethod
    def _all_fields(cls, columns: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [f for f in DEFAULT_LEDGER_COLUMNS if not columns.get(f)]
        if missing:
            raise ValueError(f"缺少列的写法：{'、'.join(missing)}")
        return columns


class Inspection(_Strict):
    """Spot checks (督查抽查) of completed visits: the sample, the results an inspector writes, and which of
    them count as errors in a township's error rate; and the inspectors' ledger (rectification)."""

    sample_size: Annotated[int, Field(ge=1)] = 20
    min_villages: Annotated[int, Field(ge=1)] = 1  # a sample spans at least this many villages (those visited)
    # survey outcome code -> relative chance of a visit with that outcome being drawn (unlisted outcomes: 1)
    weights: dict[str, Annotated[float, Field(gt=0)]] = {}
    results: dict[str, InspectionResult] = Field(default=DEFAULT_INSPECTION_RESULTS, min_length=1)
    rectification: Rectification = Rectification()

    @model_validator(mode="after")
    def _sample_spans_villages(self) -> Inspection:
        if self.sample_size < self.min_villages:
            raise ValueError(f"sample_size（{self.sample_size}）小于 min_villages（{self.min_villages}）")
        return self


# Header synonyms of the training files, as townships write them (the first one is the heading used in the
# rejects workbook). A campaign file may replace them in [training.session_columns] / [training.attendance_columns].
SESSION_FIELDS = {"township": True, "date": True, "place": True, "trainer": False, "capacity": True}
ATTENDANCE_FIELDS = {
    "township": True,
    "date": True,
    "name": True,
    "unit": False,
    "role": False,
    "phone": False,
    "attended": False,
}
DEFAULT_SESSION_COLUMNS: dict[str, list[str]] = {
    "township": ["乡镇", "所属乡镇", "乡镇（街道）", "乡镇名称", "培训乡镇"],
    "date": ["培训日期", "日期", "培训时间", "举办日期"],
    "place": ["地点", "培训地点", "举办地点"],
    "trainer": ["授课人", "主讲人", "授课老师", "培训老师", "讲师"],
    "capacity": ["容量", "可容纳人数", "计划人数", "人数上限", "培训人数"],
}
DEFAULT_ATTENDANCE_COLUMNS: dict[str, list[str]] = {
    "township": ["乡镇", "所属乡镇", "乡镇（街道）", "乡镇名称", "培训乡镇"],
    "date": ["培训日期", "日期", "签到日期", "培训时间"],
    "name": ["姓名", "参训人员", "参训人姓名", "名字"],
    "unit": ["单位", "工作单位", "所在单位", "单位及职务", "单位（职务）", "村（社区）", "所在村（社区）"],
    "role": ["职务", "岗位", "职务（岗位）"],
    "phone": ["联系电话", "手机号码", "手机", "电话"],
    "attended": ["是否参训", "是否参加", "签到", "是否签到", "出勤", "出勤情况"],
}


class TrainingSessionPlan(_Strict):
    """A township training session the coordinator schedules in the campaign file."""

    township: Annotated[str, Field(pattern=r"^\d{9}$")]
    date: date
    place: str = Field(min_length=1)
    trainer: str = ""
    capacity: int

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, capacity: int) -> int:
        if capacity < 1:
            raise ValueError(f"容量至少为 1 人（现为 {capacity}）")
        return capacity


class Training(_Strict):
    """The township-level staff training (三（三）、四（二）): who must attend, sessions, attendance reminders."""

    milestone: str = "township_training"
    required_staff: Annotated[int, Field(ge=1)] = 10
    required_by_township: dict[str, Annotated[int, Field(ge=1)]] = {}  # township code -> required staff
    book_by_days: Annotated[int, Field(ge=0)] = 14  # remind townships with no session from due - N days
    attendance_within_days: Annotated[int, Field(ge=0)] = 2  # attendance is due N days after a session
    sessions: list[TrainingSessionPlan] = []
    session_columns: dict[str, list[str]] = DEFAULT_SESSION_COLUMNS
    attendance_columns: dict[str, list[str]] = DEFAULT_ATTENDANCE_COLUMNS

    @field_validator("session_columns", "attendance_columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        fields = SESSION_FIELDS if info.field_name == "session_columns" else ATTENDANCE_FIELDS
        unknown = [name for name in columns if name not in fields]
        if unknown:
            raise ValueError(f"不认识的列 {'、'.join(unknown)}（可用：{'、'.join(fields)}）")
        missing = [name for name, required in fields.items() if required and not columns.get(name)]
        if missing:
            raise ValueError(f"必填列 {'、'.join(missing)} 没有列名")
        return columns

    def required_for(self, township: str) -> int:
        return self.required_by_township.get(township, self.required_staff)


class PriorityGroup(_Strict):
    """A group the expansion plan names for priority work: persons who match the filters and miss at least one
    of `insurances` (e.g. employed persons without work-injury or unemployment insurance: their employers)."""

    name: str
    insurances: list[str] = []  # empty: no insurance condition, the filters alone say who is in the group
    employed: bool | None = None  # True: only employed persons; False: only persons not employed; None: anyone
    subsidised: bool | None = None  # True: only subsidised groups (低保, 特困, 残疾…); None: anyone
    graduate: bool | None = None  # True: only persons on a graduates' list (大学生档案); None: anyone
    employee_enrolled: bool | None = None  # False: only persons on none of `[comparison] employee_lists`

    @model_validator(mode="after")
    def _says_who(self) -> PriorityGroup:
        filters = (self.employed, self.subsidised, self.graduate, self.employee_enrolled)
        if not self.insurances and all(f is None for f in filters):
            raise ValueError(
                f"重点人群“{self.name}”没有任何条件：请填写 insurances，"
                "或 employed、subsidised、graduate、employee_enrolled 之一"
            )
        return self


DEFAULT_PRIORITIES: dict[str, PriorityGroup] = {
    "subsidised": PriorityGroup(name="资助参保对象未参保", insurances=["pension", "medical"], subsidised=True),
    "employees": PriorityGroup(
        name="就业人员未参工伤、失业、生育保险", insurances=["injury", "unemployment", "maternity"], employed=True
    ),
    "residents_pension": PriorityGroup(name="城乡居民未参养老保险", insurances=["pension"], employed=False),
    "residents_medical": PriorityGroup(name="城乡居民未参医疗保险", insurances=["medical"], employed=False),
    # 大学生档案 (三（二）): graduates whose archives the county holds and who are on no employee scheme's list.
    "graduates": PriorityGroup(name="高校毕业生未参加职工社会保险", graduate=True, employee_enrolled=False),
}


class Analysis(_Strict):
    """The analysis phase (完善分析阶段): the expansion plan's targets and the periodic data exchange."""

    phase: str = "analysis"
    target_coverage: Annotated[float, Field(gt=0, le=1)] = 0.95  # share of those who should be insured
    # The closing report says the insured base is known (基本摸清参保底数) only once the comparison has run and
    # at least this share of the persons on the work lists has been visited.
    baseline_known_rate: Annotated[float, Field(gt=0, le=1)] = 0.95
    target_date: date | None = None  # the plan's monthly targets run up to this day; default: the year's end
    exchange_every_days: Annotated[int, Field(ge=1)] = 30  # how often departments exchange data
    plan_milestone: str | None = "data_analysis"  # completed when the expansion plan is written
    exchange_milestone: str | None = "data_exchange_meeting"  # completed by a data exchange in the phase
    priorities: dict[str, PriorityGroup] = DEFAULT_PRIORITIES


class County(_Strict):
    code: Annotated[str, Field(pattern=r"^\d{6}$")]  # the address code that begins its residents' ID numbers
    name: str
    province: str = ""  # e.g. 福建省: the province part of addresses written in the county


class ScoringWeights(_Strict):
    """Points for each measured part of the work; they need not add up to 100 (the defaults do)."""

    survey_completion: Annotated[float, Field(ge=0)] = 50  # × the share of listed persons visited at the cut-off
    survey_earliness: Annotated[float, Field(ge=0)] = 5  # × days finished before the deadline / earliness_days
    survey_pace: Annotated[float, Field(ge=0)] = 10  # × mean days first visits came before the deadline / same
    milestone_timeliness: Annotated[float, Field(ge=0)] = 20  # × the on-time share (late ones earn late_credit)
    inspection_accuracy: Annotated[float, Field(ge=0)] = 15  # × (1 − the spot-check error rate)


class ScoringDeductions(_Strict):
    unfinished: Annotated[float, Field(ge=0)] = 10  # the survey not finished by the deadline
    bottom: Annotated[float, Field(ge=0)] = 5  # each of the bottom townships of the ranking
    bottom_count: Annotated[int, Field(ge=0)] = 3


class Subsidy(_Strict):
    """The work subsidy (工作经费补助), by `rule`:
    "quality" — only a survey finished by the deadline earns it, amount × (floor + (1 − floor) × quality), the
    quality being the weighted mean of the spot-check accuracy and the milestones' on-time share;
    "on_time_only" — the full amount for a survey finished by the deadline, nothing otherwise;
    "proportional" — the full amount when finished, otherwise amount × rate once the rate reaches minimum_rate.
    """

    amount: Annotated[float, Field(ge=0)] = 50000  # yuan per township
    rule: Literal["quality", "proportional", "on_time_only"] = "quality"
    minimum_rate: Annotated[float, Field(ge=0, le=1)] = 0.8  # "proportional": below this rate, no subsidy
    floor: Annotated[float, Field(ge=0, le=1)] = 0.5  # "quality": the share paid whatever the quality
    accuracy_weight: Annotated[float, Field(ge=0)] = 1  # "quality": weight of the spot-check accuracy
    punctuality_weight: Annotated[float, Field(ge=0)] = 1  # "quality": weight of the milestones' on-time share


class Scoring(_Strict):
    """Performance scores (绩效评分) of the townships; see tasks.scoring.scores for how they are computed. These
    are the county office's own assessment rules (考评办法): the work plan names the consequences, not numbers."""

    weights: ScoringWeights = ScoringWeights()
    deductions: ScoringDeductions = ScoringDeductions()
    subsidy: Subsidy = Subsidy()
    # A township never spot-checked: "average" = the checked townships' mean accuracy, "full", or "zero".
    inspection_missing: Literal["average", "full", "zero"] = "average"
    # Days before the deadline that earn the full earliness points; None: the survey phase's length.
    earliness_days: Annotated[int, Field(ge=1)] | None = None
    # What the documents call these rules.
    rules_name: str = "全民参保登记工作考评办法"


class PlanDocument(_Strict):
    """The work plan as the office cites it: its exact title (without 《》) and its document number."""

    title: str = Field(min_length=1)
    number: str = ""  # 发文字号, e.g. 安政办〔2017〕37号


class Campaign(_Strict):
    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    plan: PlanDocument | None = None  # the work plan's own title and number; without it, the campaign's name
    year: int
    timezone: str = "Asia/Shanghai"
    county: County
    phases: dict[str, Phase]
    departments: list[Department]
    townships: list[Township] = Field(min_length=1)
    milestones: list[Milestone] = Field(min_length=1)
    sources: dict[str, Source] = {}
    comparison: Comparison | None = None
    training: Training | None = None
    reminders: ReminderPolicy = ReminderPolicy()
    ranking: RankingPolicy = RankingPolicy()
    notices: Notices
    survey: Survey = Survey()
    inspection: Inspection = Inspection()
    scoring: Scoring = Scoring()
    analysis: Analysis = Analysis()

    @field_validator("phases", "sources", mode="before")
    @classmethod
    def _keys_from_tables(cls, tables: object) -> object:
        if isinstance(tables, dict):
            return {k: {**v, "key": k} if isinstance(v, dict) else v for k, v in tables.items()}
        return tables

    # -- derived views -------------------------------------------------------------------------------

    @property
    def plan_title(self) -> str:
        """《安溪县“全民参保登记计划”工作方案》: the plan's title in book-title marks, as a sentence cites it again."""
        return f"《{self.plan.title if self.plan else self.name}》"

    @property
    def plan_citation(self) -> str:
        """《title》（number）: how a document cites the plan the first time."""
        number = self.plan.number if self.plan else ""
        return f"{self.plan_title}（{number}）" if number else self.plan_title

    def owner_names(self) -> dict[str, str]:
        """Every owner tag with its Chinese name: the county, departments, townships."""
        names = {COUNTY_TAG: self.county.name}
        names.update({d.key: d.name for d in self.departments})
        names.update({t.code: t.name for t in self.townships})
        return names

    def owners_of(self, milestone: Milestone) -> list[str]:
        owners: list[str] = []
        for owner in milestone.owners:
            if owner == "townships":
                owners.extend(t.code for t in self.townships)
            elif owner == "departments":
                owners.extend(d.key for d in self.departments)
            else:
                owners.append(owner)
        return list(dict.fromkeys(owners))

    def assignments(self) -> Iterator[tuple[Milestone, str]]:
        for milestone in self.milestones:
            for owner in self.owners_of(milestone):
                yield milestone, owner

    def phase_on(self, day: date) -> Phase | None:
        for phase in self.phases.values():
            if phase.start <= day <= phase.end:
                return phase
        return None

    def resolve_owner(self, text: str) -> str | None:
        """An owner's tag from its tag, code or Chinese name (the county by its code or name too)."""
        text = text.strip()
        names = self.owner_names()
        if text in names:
            return text
        if text in (self.county.code, self.county.name):
            return COUNTY_TAG
        matches = [tag for tag, name in names.items() if name == text]
        return matches[0] if len(matches) == 1 else None

    def milestone(self, key: str) -> Milestone | None:
        return next((m for m in self.milestones if m.key == key), None)

    def survey_window(self) -> tuple[date, date]:
        """First and last day of the household survey: the survey section's dates, else its phase's."""
        phase = self.phases.get(self.survey.phase)
        start = self.survey.start or (phase.start if phase else self.start)
        deadline = self.survey.deadline or (phase.end if phase else self.end)
        return start, deadline

    def village_names(self) -> dict[str, str]:
        return {v.code: v.name for t in self.townships for v in t.villages}

    @property
    def township_codes(self) -> list[str]:
        return [t.code for t in self.townships]

    @property
    def start(self) -> date:
        return min(p.start for p in self.phases.values())

    @property
    def end(self) -> date:
        return max(p.end for p in self.phases.values())


Problem = tuple[list[str | int], str]


def consistency_problems(campaign: Campaign) -> list[Problem]:
    """Checks across keys (dates that overlap, unknown owners, duplicates), each with its location."""
    problems: list[Problem] = []
    ordered = sorted(campaign.phases.values(), key=lambda p: p.start)
    for earlier, later in pairwise(ordered):
        if later.start <= earlier.end:
            problems.append((["phases", later.key, "start"], f"与阶段 {earlier.key} 的日期重叠"))
    problems += _duplicates("乡镇代码", [(["townships", i, "code"], t.code) for i, t in enumerate(campaign.townships)])
    problems += _duplicates(
        "村（社区）代码",
        [
            (["townships", i, "villages", j, "code"], v.code)
            for i, t in enumerate(campaign.townships)
            for j, v in enumerate(t.villages)
        ],
    )
    problems += _duplicates("部门", [(["departments", i, "key"], d.key) for i, d in enumerate(campaign.departments)])
    problems += _duplicates("节点", [(["milestones", i, "key"], m.key) for i, m in enumerate(campaign.milestones)])
    known = campaign.owner_names()
    for i, m in enumerate(campaign.milestones):
        if m.phase not in campaign.phases:
            problems.append((["milestones", i, "phase"], f"阶段 {m.phase} 未定义"))
        for owner in m.owners:
            if owner not in OWNER_GROUPS and owner not in known:
                problems.append((["milestones", i, "owners"], f"责任单位 {owner} 未定义"))
    departments = {d.key for d in campaign.departments}
    for key, source in campaign.sources.items():
        if source.department not in departments:
            problems.append((["sources", key, "department"], f"部门 {source.department} 未定义"))
    if campaign.comparison is not None:
        problems += _comparison_problems(campaign, campaign.comparison)
    problems += _training_problems(campaign, campaign.training)
    problems += _analysis_problems(campaign, campaign.analysis)
    for phase in campaign.ranking.phases:
        if phase not in campaign.phases:
            problems.append((["ranking", "phases"], f"阶段 {phase} 未定义"))
    if "survey" in campaign.model_fields_set:
        problems += _survey_problems(campaign, campaign.survey, departments)
    if "inspection" in campaign.model_fields_set:
        problems += _inspection_problems(campaign, campaign.inspection)
    for kind in ("reminder", "overdue", "escalation", "weekly_ranking"):
        if kind not in campaign.notices.templates:
            problems.append((["notices", "templates"], f"缺少通知类型 {kind} 的模板"))
    return problems


def _survey_problems(campaign: Campaign, survey: Survey, departments: set[str]) -> list[Problem]:
    problems: list[Problem] = []
    if survey.phase not in campaign.phases:
        problems.append((["survey", "phase"], f"阶段 {survey.phase} 未定义"))
    else:
        start, deadline = campaign.survey_window()
        if deadline < start:
            problems.append((["survey", "deadline"], "截止日期早于开始日期"))
    for key, outcome in survey.outcomes.items():
        for department in outcome.notify:
            if department not in departments:
                problems.append((["survey", "outcomes", key, "notify"], f"部门 {department} 未定义"))
    for key, item in survey.corrections.items():
        if item.notify not in departments:
            problems.append((["survey", "corrections", key, "notify"], f"部门 {item.notify} 未定义"))
    return problems


def _inspection_problems(campaign: Campaign, inspection: Inspection) -> list[Problem]:
    problems: list[Problem] = []
    for code in inspection.weights:
        if code not in campaign.survey.outcomes:
            names = "、".join(campaign.survey.outcomes)
            problems.append((["inspection", "weights", code], f"走访结果 {code} 未定义（可用：{names}）"))
    written: dict[str, str] = {}
    for code, result in inspection.results.items():
        for text in (code, result.name, *result.aliases):
            key = "".join(unicodedata.normalize("NFKC", text).split()).lower()
            if written.setdefault(key, code) != code:
                problems.append((["inspection", "results", code], f"“{text}”也是核查结果 {written[key]} 的写法"))
    return problems


def _comparison_problems(campaign: Campaign, comparison: Comparison) -> list[Problem]:
    problems: list[Problem] = []
    known = set(campaign.sources)
    for field in ("population", "deaths", "employment"):
        if getattr(comparison, field) not in known:
            problems.append((["comparison", field], f"数据源 {getattr(comparison, field)} 未定义"))
    for key, insurance in comparison.insurances.items():
        if key not in INSURANCES:
            problems.append((["comparison", "insurances", key], f"险种应为 {'、'.join(INSURANCES)} 之一"))
        for field in ("covered_by", "requires", "excluded_by"):
            for source in getattr(insurance, field):
                if source not in known:
                    problems.append((["comparison", "insurances", key, field], f"数据源 {source} 未定义"))
    for i, pair in enumerate(comparison.duplicate_pairs):
        for source in pair:
            if source not in known:
                problems.append((["comparison", "duplicate_pairs", i], f"数据源 {source} 未定义"))
    for field in ("subsidised", "employee_lists"):
        for source in getattr(comparison, field):
            if source not in known:
                problems.append((["comparison", field], f"数据源 {source} 未定义"))
    return problems


def training_window(campaign: Campaign, training: Training) -> tuple[date, date] | None:
    """The dates a training session may have: from the start of its milestone's phase to the campaign's end."""
    milestone = campaign.milestone(training.milestone)
    if milestone is None or milestone.phase not in campaign.phases:
        return None
    return campaign.phases[milestone.phase].start, campaign.end


def _training_problems(campaign: Campaign, training: Training | None) -> list[Problem]:
    problems: list[Problem] = []
    for i, m in enumerate(campaign.milestones):
        if m.completed_by == "training" and (training is None or training.milestone != m.key):
            problems.append((["milestones", i, "completed_by"], "由培训完成的节点须在 [training] 的 milestone 中指定"))
    if training is None:
        return problems
    milestone = campaign.milestone(training.milestone)
    if milestone is None:
        return [*problems, (["training", "milestone"], f"节点 {training.milestone} 未定义")]
    if milestone.completed_by not in (None, "training"):
        reason = f"节点 {milestone.key} 由 {milestone.completed_by} 完成，不能同时由培训完成"
        problems.append((["training", "milestone"], reason))
    if any(owner_kind(campaign, owner) != "township" for owner in campaign.owners_of(milestone)):
        problems.append((["training", "milestone"], f"节点 {milestone.key} 的责任单位应为乡镇"))
    townships = set(campaign.township_codes)
    for code in training.required_by_township:
        if code not in townships:
            problems.append((["training", "required_by_township", code], f"乡镇 {code} 未定义"))
    window = training_window(campaign, training)
    for i, session in enumerate(training.sessions):
        if session.township not in townships:
            problems.append((["training", "sessions", i, "township"], f"乡镇 {session.township} 未定义"))
        if window is not None and not window[0] <= session.date <= window[1]:
            problems.append(
                (
                    ["training", "sessions", i, "date"],
                    f"培训日期{_cn(session.date)}不在{_cn(window[0])}至{_cn(window[1])}之间",
                )
            )
    if "training_reminder" not in campaign.notices.templates:
        problems.append((["notices", "templates"], "缺少通知类型 training_reminder 的模板"))
    return problems


def _analysis_problems(campaign: Campaign, analysis: Analysis) -> list[Problem]:
    problems: list[Problem] = []
    if analysis.phase not in campaign.phases:
        problems.append((["analysis", "phase"], f"阶段 {analysis.phase} 未定义"))
    for field in ("plan_milestone", "exchange_milestone"):
        key = getattr(analysis, field)
        if key is not None and campaign.milestone(key) is None:
            problems.append((["analysis", field], f"节点 {key} 未定义"))
    for key, group in analysis.priorities.items():
        for insurance in group.insurances:
            if insurance not in INSURANCES:
                problems.append((["analysis", "priorities", key, "insurances"], f"险种 {insurance} 未定义"))
    return problems


def _duplicates(what: str, located: list[tuple[list[str | int], str]]) -> list[Problem]:
    seen: set[str] = set()
    problems: list[Problem] = []
    for loc, value in located:
        if value in seen:
            problems.append((loc, f"{what}重复：{value}"))
        seen.add(value)
    return problems


OwnerKind = Literal["county", "department", "township"]


def owner_kind(campaign: Campaign, owner: str) -> OwnerKind:
    if owner == COUNTY_TAG:
        return "county"
    if owner in {d.key for d in campaign.departments}:
        return "department"
    return "township"


# -- loading -----------------------------------------------------------------------------------------


def parse_campaign(text: str, source: str = "<campaign>") -> Campaign:
    """Parse and validate campaign TOML; errors name the file, the key and the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        position = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        where = f"第 {position.group(1)} 行第 {position.group(2)} 列" if position else "某处"
        detail = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise CampaignFileError(f"活动文件 {source} 不是有效的 TOML：{where}有语法错误（{detail}）") from exc
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        located = [(list(e["loc"]), _chinese_reason(e)) for e in exc.errors()]
        raise CampaignFileError(_describe(text, source, located)) from exc
    problems = consistency_problems(campaign)
    if problems:
        raise CampaignFileError(_describe(text, source, problems))
    return campaign


def _describe(text: str, source: str, problems: list[Problem]) -> str:
    lines = []
    for loc, reason in problems:
        key = ".".join(str(p) for p in loc) or "（文件顶层）"
        line = locate_key(text, loc)
        where = f"第 {line} 行，" if line else ""
        lines.append(f"  {where}键 {key}：{reason}")
    return f"活动文件 {source} 有 {len(lines)} 处错误：\n" + "\n".join(lines)


def load_campaign(path: Path) -> tuple[Campaign, str]:
    """Read a campaign file; returns the campaign and a digest of its text (to detect edits)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CampaignFileError(f"无法读取活动文件 {path}：{exc.strerror or exc}") from exc
    return parse_campaign(text, str(path)), hashlib.sha256(text.encode()).hexdigest()


_REASONS = {
    "missing": "缺少必填项",
    "extra_forbidden": "不认识的键（是否拼写错误？）",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "date_type": "应为日期（YYYY-MM-DD）",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "list_type": "应为列表",
    "dict_type": "应为表",
    "too_short": "不能为空",
    "string_pattern_mismatch": "格式不对",
    "greater_than_equal": "数值太小",
    "greater_than": "数值太小",
    "less_than_equal": "数值太大",
}


def _chinese_reason(error: object) -> str:
    assert isinstance(error, dict)
    kind = str(error.get("type", ""))
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    reason = _REASONS.get(kind, str(error.get("msg", kind)))
    if kind == "string_pattern_mismatch":
        reason += f"（{error.get('input')!r}）"
    return reason


_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


# A comment after a value ("registers = ["a"]  # why"); a '#' inside quotes is not one.
_TRAILING_COMMENT = re.compile(r"""\s+#[^"']*$""")


def locate_key(text: str, loc: list[str | int]) -> int | None:
    """Best-effort line number of a validation error's location in the TOML text.

    tomllib keeps no positions, so walk the lines tracking table headers, arrays of tables and one-line
    array elements; the deepest match of the location's prefix wins.
    """
    counters: dict[str, int] = {}
    current: list[str | int] = []
    best_line, best_depth = None, 0
    array_key: str | None = None
    array_index = -1
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        header = _TABLE.match(stripped)
        if header and not array_key:
            parts: list[str | int] = []
            names = [n.strip().strip('"') for n in header.group(1).split(".")]
            prefix = ""
            for name in names:
                prefix = f"{prefix}.{name}"
                parts.append(name)
                if prefix in counters and prefix != "." + ".".join(names):
                    parts.append(counters[prefix])
            if stripped.startswith("[["):
                full = "." + ".".join(names)
                counters[full] = counters.get(full, -1) + 1
                parts.append(counters[full])
            current = parts
            path = current
        else:
            key = _KEY.match(line)
            if key and not array_key:
                name = key.group(1).strip("\"'")
                path = [*current, name]
                value = _TRAILING_COMMENT.sub("", line.split("=", 1)[1].strip())
                if value.startswith("[") and not value.rstrip().endswith("]"):
                    array_key, array_index = name, -1
            elif array_key:
                if stripped.startswith("]"):
                    array_key = None
                    continue
                array_index += 1
                path = [*current, array_key, array_index]
            else:
                continue
        depth = _matched_prefix(path, loc)
        if depth > best_depth or (depth == best_depth and depth == len(path) and best_line is None):
            best_line, best_depth = number, depth
    return best_line


def _matched_prefix(path: list[str | int], loc: list[str | int]) -> int:
    if len(path) > len(loc):
        return 0
    depth = 0
    for a, b in zip(path, loc, strict=False):
        if a != b:
            return 0
        depth += 1
    return depth
