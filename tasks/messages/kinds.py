"""Each message kind's Chinese name, as the console and `canbao messages outbox` show it."""

from __future__ import annotations

KIND_NAMES = {
    "reminder": "催办提醒", "overdue": "逾期催办", "escalation": "逾期报告", "weekly_ranking": "排名通报",
    "survey_behind": "调查进度提醒", "survey_escalation": "调查进度督办", "training_reminder": "培训提醒",
    "survey_warning": "调查进度预警", "survey_refused": "走访结果退回提醒", "final_notice": "入户调查完成情况通报",
    "rectification_reminder": "整改提醒", "rectification_overdue": "整改督办",
    "rectification_escalation": "整改逾期报告", "survey_review": "核实提醒",
}  # fmt: skip
STATUS_NAMES = {"pending": "待发送", "sent": "已发送", "failed": "发送失败"}
