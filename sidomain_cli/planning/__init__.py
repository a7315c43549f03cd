"""Planning as small pure stages (docs: the module docstring of pipeline.py).

The public API: :func:`make_plan` and the typed objects of :mod:`.model`.
"""

from sidomain_cli.planning.model import (Adjustment, ChannelShare, Diagnosis, LifecycleTask,
                                         Plan, SopTask)
from sidomain_cli.planning.pipeline import TEMPLATE_VARIABLES, make_plan

__all__ = ["Adjustment", "ChannelShare", "Diagnosis", "LifecycleTask", "Plan", "SopTask",
           "TEMPLATE_VARIABLES", "make_plan"]
