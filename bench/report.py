"""Results: one row per figure, its target, and its ratio to what the machine itself can do.

A figure names the ceiling it is bounded by (a raw broker or database rate measured in the
same run); a rate is shown as a fraction of its ceiling, a latency as a multiple of its
floor, so a slow number can be told apart from a slow machine.
"""
import json
import operator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from bench.measure import fmt_number

Status = Literal["ok", "pending", "skipped", "failed"]
_COMPARE = {">=": operator.ge, "<": operator.lt, "==": operator.eq, "<=": operator.le}


@dataclass
class Metric:
    name: str
    value: float | None
    unit: str
    target: tuple[str, float] | None = None  # e.g. (">=", 500): the goal for this figure
    ceiling: str | tuple[str, ...] = ()  # the keys of the ceiling metrics this figure is bounded by
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        op, goal = self.target
        return _COMPARE[op](self.value, goal)


@dataclass
class ScenarioResult:
    number: int
    title: str
    status: Status = "ok"
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def add(self, name: str, value: float | None, unit: str, **kwargs) -> Metric:
        metric = Metric(name, value, unit, **kwargs)
        self.metrics.append(metric)
        return metric


def ceilings_by_key(results: list[ScenarioResult]) -> dict[str, Metric]:
    """Every metric that other figures may be compared to, by `scenario.metric` key."""
    return {f"{r.number}.{m.name}": m for r in results for m in r.metrics}


def ratios(metric: Metric, ceilings: dict[str, Metric]) -> list[tuple[float, str]]:
    """The figure against each of its ceilings measured in this run: (ratio, text)."""
    keys = (metric.ceiling,) if isinstance(metric.ceiling, str) else metric.ceiling
    found = []
    for key in keys:
        ceiling = ceilings.get(key)
        if metric.value is None or ceiling is None or not ceiling.value:
            continue
        ratio = metric.value / ceiling.value
        label = f"{ceiling.name} {fmt_number(ceiling.value)} {ceiling.unit}"
        if metric.unit in ("ms", "s"):
            found.append((ratio, f"{ratio:,.1f}× floor ({label})"))
        else:
            found.append((ratio, f"{ratio:.3f} of {label}"))
    return found


def ratio_text(metric: Metric, ceilings: dict[str, Metric]) -> str:
    return "; ".join(text for _, text in ratios(metric, ceilings)) or "—"


def _target_text(metric: Metric) -> str:
    if metric.target is None:
        return ""
    op, goal = metric.target
    mark = {True: "met", False: "NOT met", None: "n/a"}[metric.met]
    return f"{op} {fmt_number(goal)} {metric.unit}: {mark}"


def table(results: list[ScenarioResult]) -> str:
    """A plain-text table for the terminal (also valid Markdown)."""
    ceilings = ceilings_by_key(results)
    rows = [("#", "scenario", "figure", "value", "target", "vs ceiling")]
    for result in results:
        if not result.metrics:
            rows.append((str(result.number), result.title, result.status, "", "", ""))
        for metric in result.metrics:
            value = f"{fmt_number(metric.value)} {metric.unit}".strip()
            rows.append((str(result.number), result.title, metric.name, value, _target_text(metric),
                         ratio_text(metric, ceilings)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def notes_text(results: list[ScenarioResult]) -> str:
    return "\n".join(f"[{r.number}] {note}" for r in results for note in r.notes)


def write_json(results: list[ScenarioResult], meta: dict, directory: Path) -> Path:
    """bench-results/<timestamp>.json with every figure, its ratio, and the scenario details."""
    directory.mkdir(parents=True, exist_ok=True)
    ceilings = ceilings_by_key(results)
    scenarios = []
    for result in results:
        data = asdict(result)
        for metric, raw in zip(result.metrics, data["metrics"], strict=True):
            raw["met"] = metric.met
            raw["ratios_to_ceilings"] = [ratio for ratio, _ in ratios(metric, ceilings)]
        scenarios.append(data)
    path = directory / f"{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps({**meta, "scenarios": scenarios}, indent=2, ensure_ascii=False,
                               default=str))
    return path
