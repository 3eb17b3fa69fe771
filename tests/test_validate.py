"""Validation helpers: comparisons, accuracy, and naming the first layer that differs."""
import numpy as np

from mcutool.ir import Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.validate import compare_outputs, top1_accuracy
from mcutool.validate.layers import first_differing_layer


def test_compare_counts_elements_and_samples():
    a = [[np.array([1, 2, 3], np.int8)], [np.array([4, 5, 6], np.int8)]]
    b = [[np.array([1, 2, 3], np.int8)], [np.array([4, 7, 9], np.int8)]]
    result = compare_outputs(a, b)
    assert (result.mismatches, result.mismatching_samples, result.max_abs_diff, result.first_mismatch) == (2, 1, 3.0, 1)


def test_top1_accuracy():
    outs = [[np.array([[0, 9, 1]])], [np.array([[5, 1, 1]])]]
    assert top1_accuracy(outs, np.array([1, 2])) == 0.5


def test_first_differing_layer_is_named():
    b = GraphBuilder("g")
    b.input("x", (1, 4, 4, 1), scale=0.1, zero_point=0)
    b.tensor("a", (1, 2, 2, 1), scale=0.1, zero_point=0)
    b.tensor("c", (1, 1, 1, 1), scale=0.1, zero_point=0)
    b.op("MAX_POOL_2D", ["x"], ["a"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.op("MAX_POOL_2D", ["a"], ["c"], Pool2DAttrs(2, 2, 2, 2, "VALID"))
    b.output("c")
    graph = b.build()
    trace = [(0, 0, bytes([1, 2, 3, 4])), (1, 0, bytes([9]))]
    tflm = {"a": np.array([1, 2, 3, 4], np.int8), "c": np.array([4], np.int8)}
    rows = first_differing_layer(graph, trace, tflm)
    assert rows[0]["mismatches"] == 0
    assert rows[-1]["tensor"] == "c" and rows[-1]["mismatches"] == 1 and rows[-1]["max_abs_diff"] == 5
