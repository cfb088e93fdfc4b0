"""The metric families of metrics.prom: each gauge's name, help text, label names and unit, and
the states a status family takes (gate/report/prometheus.py builds the series)."""

from __future__ import annotations

from gate.results import Verdict

RUN = ("policy",)
CHECK = ("policy", "check", "type", "metric", "severity")
GROUP = (*CHECK, "group")
BASE = (*GROUP, "baseline_metric")
COLUMN = (*CHECK, "column", "role", "method")
RULE = (*CHECK, "rule")

#: every family: (help, label names, unit)
FAMILIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "model_gate_decision": (
        "1 for the run's decision (approve, block, report, inconclusive: analyze only, error), "
        "0 for the others",
        (*RUN, "decision"),
        "",
    ),
    "model_gate_exit_code": ("the exit code of model-gate check", RUN, ""),
    "model_gate_run_timestamp_seconds": ("when this run's metrics were written", RUN, "seconds"),
    "model_gate_data_rows": ("rows of the evaluated data", RUN, ""),
    "model_gate_check_status": (
        "1 for the check's status, 0 for the others",
        (*CHECK, "status"),
        "",
    ),
    "model_gate_check_value": ("the check's value", CHECK, ""),
    "model_gate_check_ci_lower": ("lower bound of the value's confidence interval", CHECK, ""),
    "model_gate_check_ci_upper": ("upper bound of the value's confidence interval", CHECK, ""),
    "model_gate_check_confidence": ("confidence level of the interval", CHECK, ""),
    "model_gate_check_threshold": ("the check's thresholds, by kind", (*CHECK, "bound"), ""),
    "model_gate_check_baseline_value": ("the metric on the baseline model", CHECK, ""),
    "model_gate_check_baseline_drop": (
        "how much worse than the baseline (positive = worse)",
        CHECK,
        "",
    ),
    "model_gate_check_baseline_drop_ci_lower": ("lower bound of the drop's interval", CHECK, ""),
    "model_gate_check_baseline_drop_ci_upper": ("upper bound of the drop's interval", CHECK, ""),
    "model_gate_group_value": ("the metric in one group", GROUP, ""),
    "model_gate_group_size": ("rows in the group", GROUP, ""),
    "model_gate_group_ci_lower": ("lower bound of the group value's interval", GROUP, ""),
    "model_gate_group_ci_upper": ("upper bound of the group value's interval", GROUP, ""),
    "model_gate_group_disparity": ("the group's value compared as the check compares", GROUP, ""),
    "model_gate_group_excluded": ("1 when the group was left out (too small)", GROUP, ""),
    "model_gate_group_baseline_value": ("the metric in the group on the baseline", BASE, ""),
    "model_gate_group_baseline_drop": (
        "how much worse than the baseline in the group (positive = worse)",
        BASE,
        "",
    ),
    "model_gate_group_baseline_drop_ci_lower": ("lower bound of the group's drop", BASE, ""),
    "model_gate_group_baseline_drop_ci_upper": ("upper bound of the group's drop", BASE, ""),
    "model_gate_column_value": ("the column's drift statistic", COLUMN, ""),
    "model_gate_column_ci_lower": ("lower bound of the statistic's interval", COLUMN, ""),
    "model_gate_column_ci_upper": ("upper bound of the statistic's interval", COLUMN, ""),
    "model_gate_column_p_value": ("the drift test's p-value", COLUMN, ""),
    "model_gate_column_threshold": ("the column's threshold, by kind", (*COLUMN, "bound"), ""),
    "model_gate_column_status": (
        "1 for the column's drift status (drifted, stable, inconclusive), 0 for the others",
        (*COLUMN, "status"),
        "",
    ),
    "model_gate_column_missing_share": (
        "share of missing values, in the reference and the current data",
        (*COLUMN, "dataset"),
        "",
    ),
    "model_gate_rule_value": ("the data-quality rule's value", RULE, ""),
    "model_gate_rule_status": (
        "1 for the rule's status (pass, fail, skipped), 0 for the others",
        (*RULE, "status"),
        "",
    ),
}
DECISIONS = (*(v.value for v in Verdict), "error")  # error: the run ended in exit 2 or 3
COLUMN_STATES = ("drifted", "stable", "inconclusive")
IDENTITY = "model"
#: label names a --push-label may not take: the job, and every label model-gate sets itself
RESERVED = frozenset({"job", "instance"} | {n for _, names, _ in FAMILIES.values() for n in names})
RULE_STATES = ("pass", "fail", "skipped")
