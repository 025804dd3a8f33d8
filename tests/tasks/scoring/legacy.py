"""The scoring rules before the survey's timing counted: 60 × rate, 25 × milestone share, 15 × accuracy, no
earliness or pace points, the subsidy by rule "proportional". The tests of the rules' machinery (deductions,
the bottom, ties, missing spot checks, the proportional subsidy) keep their hand-computed figures under them."""

from __future__ import annotations

from typing import Any

from models.campaign.spec import Scoring

LEGACY: dict[str, Any] = {
    "weights": {"survey_completion": 60, "survey_earliness": 0, "survey_pace": 0, "milestone_timeliness": 25,
                "inspection_accuracy": 15},
    "subsidy": {"rule": "proportional"},
}  # fmt: skip

# The timing rules are in every breakdown; under LEGACY they earn nothing.
NO_TIMING = {"survey_earliness": 0.0, "survey_pace": 0.0}


def legacy_rules(**overrides: Any) -> Scoring:
    """LEGACY with the given sections (or top-level settings) changed, one level deep."""
    data: dict[str, Any] = {key: dict(value) for key, value in LEGACY.items()}
    for key, value in overrides.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return Scoring.model_validate(data)
