"""Layer by layer: every operator output of the generated C against TFLite-Micro's tensors."""
from __future__ import annotations

import numpy as np

from mcutool.ir import Graph


def first_differing_layer(graph: Graph, c_trace: list[tuple[int, int, bytes]],
                          tflm_tensors: dict[str, np.ndarray]) -> list[dict]:
    """One row per operator output, in schedule order, until (and including) the first that
    differs. Each row: op index, type, tensor, elements, mismatches, max_abs_diff."""
    rows = []
    for op_index, out_index, blob in c_trace:
        op = graph.operators[op_index]
        name = op.outputs[out_index]
        t = graph.tensors[name]
        ours = np.frombuffer(blob, dtype=t.dtype)
        theirs = tflm_tensors.get(name)
        row = {"index": op_index, "op": op.type, "name": op.name, "tensor": name, "elements": int(ours.size)}
        if theirs is None:
            row.update(mismatches=None, max_abs_diff=None)
            rows.append(row)
            continue
        theirs = np.asarray(theirs).reshape(-1)
        diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
        row.update(mismatches=int(np.count_nonzero(ours != theirs)),
                   max_abs_diff=float(diff.max()) if diff.size else 0.0)
        rows.append(row)
        if row["mismatches"]:
            break
    return rows
