"""`kwiki lint`: deterministic checks of the wiki (and --deep model comparisons), with safe --fix repairs."""

from kwiki.lint.model import CHECKS, DeepSummary, Finding, Fix, LintOptions, LintReport
from kwiki.lint.run import run_lint

__all__ = ["CHECKS", "DeepSummary", "Finding", "Fix", "LintOptions", "LintReport", "run_lint"]
