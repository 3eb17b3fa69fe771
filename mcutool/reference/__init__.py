"""The numpy int8 reference executor (the project's own oracle, checked against TFLite-Micro)."""
from mcutool.reference.executor import run_reference

__all__ = ["run_reference"]
