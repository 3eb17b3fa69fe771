"""Running generated programs: on the host (QEMU boards arrive with board support)."""
from mcutool.runners.host import RunError, run_host

__all__ = ["RunError", "run_host"]
