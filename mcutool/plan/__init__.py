"""Static memory planning: lifetimes over the schedule, offsets in one arena."""
from mcutool.plan.arena import MemoryPlan, plan_memory

__all__ = ["MemoryPlan", "plan_memory"]
