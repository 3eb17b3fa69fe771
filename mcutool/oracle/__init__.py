"""Reference runtimes whose results mcutool must reproduce bit for bit (TFLite-Micro)."""
from mcutool.oracle.tflm import (
    OracleError,
    run_tflm,
    run_tflm_all_tensors,
    run_tflm_batch,
    tflm_arena_bytes,
)

__all__ = ["OracleError", "run_tflm", "run_tflm_all_tensors", "run_tflm_batch", "tflm_arena_bytes"]
