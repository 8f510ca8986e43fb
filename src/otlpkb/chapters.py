"""The chapter map: the 39 chapters of the knowledge base and the modules that implement them.

The map is data the package carries, so ``otlpkb chapters`` works without the docs. A
chapter is *written* when every module it declares ships with the package; the site's
landing page marks the same chapters as written, from the pages' front matter, and a
test keeps the two in agreement.

Examples:
    >>> from otlpkb.chapters import CHAPTERS, chapter
    >>> len(CHAPTERS)
    39
    >>> chapter("2.2").title
    'Failure detection'
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

__all__ = ["CHAPTERS", "PARTS", "SECTIONS", "Chapter", "chapter"]

PARTS = {
    "theory": "Part I: Theory (理论基础)",
    "operations": "Part II: Operations (运维实践)",
    "advanced": "Advanced topics (高级主题)",
}

#: section number -> (part, folder, title)
SECTIONS = {
    "1": ("theory", "performance", "Performance models (性能模型)"),
    "2": ("theory", "fault_tolerance", "Fault tolerance (容错理论)"),
    "3": ("theory", "distributed_systems", "Distributed systems (分布式系统理论)"),
    "4": ("theory", "formal", "Formal verification (形式化验证)"),
    "5": ("operations", "diagnosis", "Fault diagnosis (故障诊断)"),
    "6": ("operations", "tuning", "Performance tuning (性能调优)"),
    "7": ("operations", "capacity", "Capacity planning (容量规划)"),
    "8": ("operations", "monitoring", "Monitoring and alerting (监控告警)"),
    "9": ("operations", "incident", "Incident response (应急响应)"),
    "A": ("advanced", "", "Advanced topics (高级主题)"),
}


@dataclass(frozen=True)
class Chapter:
    """One chapter: its number, titles, where its page lives and what implements it."""

    id: str
    slug: str
    title: str
    seed_title: str
    modules: tuple[str, ...]

    @property
    def section(self) -> str:
        """The section number (``"1"`` … ``"9"``) or ``"A"`` for advanced topics."""
        return self.id.split(".")[0]

    @property
    def part(self) -> str:
        """``theory``, ``operations`` or ``advanced``."""
        return SECTIONS[self.section][0]

    @property
    def page(self) -> str:
        """The page's path under ``docs/``."""
        part, folder, _ = SECTIONS[self.section]
        return "/".join(p for p in (part, folder, f"{self.slug}.md") if p)

    @property
    def example(self) -> str:
        """The example script's path in the repository."""
        folder = SECTIONS[self.section][1] or "advanced"
        return f"examples/{folder}/{self.slug}.py"

    @property
    def written(self) -> bool:
        """True when every module the chapter declares ships with the package."""
        return all(_importable(m) for m in self.modules)


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


P = "otlpkb."
CHAPTERS: tuple[Chapter, ...] = (
    Chapter("1.1", "queueing", "Queueing models", "性能数学模型", (P + "performance.queueing",)),
    Chapter("1.2", "latency", "Latency analysis", "延迟分析模型", (P + "performance.latency",)),
    Chapter(
        "1.3",
        "throughput",
        "Throughput theory",
        "吞吐量理论",
        (
            P + "performance.throughput",
            P + "sim",
        ),
    ),
    Chapter(
        "1.4", "resources", "Resource consumption", "资源消耗模型", (P + "performance.resources",)
    ),
    Chapter(
        "2.1",
        "mechanisms",
        "Fault-tolerance mechanisms",
        "容错机制基础",
        (P + "fault_tolerance.retry",),
    ),
    Chapter(
        "2.2",
        "failure_detection",
        "Failure detection",
        "故障检测算法",
        (
            P + "fault_tolerance.detectors",
            P + "fault_tolerance.swim",
        ),
    ),
    Chapter(
        "2.3",
        "recovery",
        "Recovery strategies",
        "恢复策略模型",
        (
            P + "recovery.wal",
            P + "recovery.checkpoint",
            P + "recovery.saga",
            P + "recovery.idempotency",
        ),
    ),
    Chapter(
        "2.4",
        "reliability",
        "Reliability analysis",
        "可靠性分析",
        (P + "fault_tolerance.reliability",),
    ),
    Chapter(
        "3.1",
        "tracing",
        "Distributed tracing",
        "分布式追踪理论基础",
        (
            P + "otlp",
            P + "tracing.traces",
        ),
    ),
    Chapter(
        "3.2", "cycle_detection", "Cycle detection", "循环调用检测算法", (P + "tracing.cycles",)
    ),
    Chapter(
        "3.3",
        "causality",
        "Causality and partial order",
        "因果关系与偏序理论",
        (P + "tracing.causality",),
    ),
    Chapter("3.4", "consistency", "Consistency models", "一致性模型", (P + "consistency",)),
    Chapter(
        "4.1",
        "protocol_specification",
        "Protocol specification",
        "协议形式化规范",
        (P + "formal.model_checker",),
    ),
    Chapter(
        "4.2",
        "algorithm_correctness",
        "Algorithm correctness",
        "算法正确性证明",
        (P + "formal.derivations",),
    ),
    Chapter(
        "4.3",
        "concurrency_safety",
        "Concurrency safety",
        "并发安全性验证",
        (P + "formal.concurrency",),
    ),
    Chapter(
        "4.4",
        "system_invariants",
        "System invariants",
        "系统不变量证明",
        (P + "formal.invariants",),
    ),
    Chapter(
        "5.1",
        "decision_tree",
        "Diagnosis decision tree",
        "问题诊断决策树",
        (P + "diagnosis.decision_tree",),
    ),
    Chapter(
        "5.2",
        "root_cause_analysis",
        "Root cause analysis",
        "根因分析方法论",
        (P + "diagnosis.root_cause",),
    ),
    Chapter(
        "5.3",
        "common_problems",
        "Common problems handbook",
        "常见问题手册",
        (P + "diagnosis.handbook",),
    ),
    Chapter(
        "5.4",
        "toolset",
        "Diagnostic toolset",
        "诊断工具集",
        (P + "diagnosis.inspect", P + "diagnosis.judge"),
    ),
    Chapter(
        "6.1",
        "identifying_problems",
        "Identifying problems",
        "性能问题识别",
        (P + "tuning.hotspots",),
    ),
    Chapter(
        "6.2", "bottleneck_analysis", "Bottleneck analysis", "系统瓶颈分析", (P + "tuning.mva",)
    ),
    Chapter(
        "6.3",
        "optimization_catalogue",
        "Optimization catalogue",
        "优化方案库",
        (P + "tuning.optimizations",),
    ),
    Chapter(
        "6.4",
        "regression_detection",
        "Regression detection",
        "性能回归检测",
        (P + "tuning.regression",),
    ),
    Chapter(
        "7.1", "forecasting", "Capacity forecasting", "容量预测模型", (P + "capacity.forecasting",)
    ),
    Chapter(
        "7.2", "resource_usage", "Resource usage analysis", "资源使用分析", (P + "capacity.usage",)
    ),
    Chapter("7.3", "scaling_decisions", "Scaling decisions", "扩容决策", (P + "capacity.scaling",)),
    Chapter("7.4", "cost_optimization", "Cost optimization", "成本优化", (P + "capacity.cost",)),
    Chapter("8.1", "alert_rules", "Alert rule design", "告警规则设计", (P + "monitoring.rules",)),
    Chapter("8.2", "alert_fatigue", "Alert fatigue", "告警疲劳管理", (P + "monitoring.fatigue",)),
    Chapter("8.3", "slo_sla", "SLO and SLA management", "SLO_SLA管理", (P + "monitoring.slo",)),
    Chapter(
        "8.4",
        "observability_practices",
        "Observability practices",
        "可观测性最佳实践",
        (P + "monitoring.lint",),
    ),
    Chapter(
        "9.1", "response_process", "Response process", "故障响应流程", (P + "incident.lifecycle",)
    ),
    Chapter("9.2", "degradation", "Degradation plans", "降级预案", (P + "incident.degradation",)),
    Chapter("9.3", "data_recovery", "Data recovery", "数据恢复", (P + "incident.replay",)),
    Chapter("9.4", "postmortems", "Postmortems", "事后复盘", (P + "incident.postmortem",)),
    Chapter("A.1", "chaos_engineering", "Chaos engineering", "混沌工程", (P + "advanced.chaos",)),
    Chapter(
        "A.2", "multi_cloud", "Multi-cloud management", "多云管理", (P + "advanced.multicloud",)
    ),
    Chapter(
        "A.3", "security_hardening", "Security hardening", "安全加固", (P + "advanced.security",)
    ),
)

_BY_ID = {c.id: c for c in CHAPTERS}


def chapter(chapter_id: str) -> Chapter:
    """The chapter with number ``chapter_id`` (``"2.2"``, ``"A.1"``).

    Raises:
        KeyError: no chapter has that number.
    """
    try:
        return _BY_ID[chapter_id]
    except KeyError:
        raise KeyError(f"no chapter {chapter_id!r}; chapters are 1.1 … 9.4 and A.1 … A.3") from None
