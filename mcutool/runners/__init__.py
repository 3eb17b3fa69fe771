"""Running generated programs: on the host, and on emulated boards under QEMU."""
from mcutool.runners.host import RunError, run_host

__all__ = ["RunError", "run_host"]
