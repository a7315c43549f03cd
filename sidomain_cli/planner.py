"""Compatibility names: the planner is the package :mod:`sidomain_cli.planning`."""

from sidomain_cli.planning import (ChannelShare, Diagnosis, LifecycleTask, Plan, SopTask,
                                   TEMPLATE_VARIABLES, make_plan)
from sidomain_cli.planning.allocate import WECOM_BULK_CHANNELS
from sidomain_cli.planning.mix import KPI_LABELS
from sidomain_cli.planning.schedule import (daily_one_on_one, in_span, phase_of,
                                            shift_out_of_quiet)


def _in_quiet(minute: int, quiet: tuple[int, int]) -> bool:
    return in_span(minute, quiet)


__all__ = ["ChannelShare", "Diagnosis", "KPI_LABELS", "LifecycleTask", "Plan", "SopTask",
           "TEMPLATE_VARIABLES", "WECOM_BULK_CHANNELS", "daily_one_on_one", "make_plan",
           "phase_of", "shift_out_of_quiet"]
