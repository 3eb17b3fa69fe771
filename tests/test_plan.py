import numpy as np

from mcutool.frontends.tflite import write_tflite
from mcutool.ir import Pool2DAttrs
from mcutool.ir.builder import GraphBuilder
from mcutool.lower import lower_graph
from mcutool.oracle.tflm import tflm_arena_bytes
from mcutool.plan import plan_memory


def pool_chain(depth: int, size: int = 32, channels: int = 8) -> GraphBuilder:
    """x -> maxpool(3x3, stride 1, SAME) repeated: every tensor the same size."""
    b = GraphBuilder("chain")
    prev = b.input("x", (1, size, size, channels), scale=0.1, zero_point=0)
    for i in range(depth):
        name = b.tensor(f"p{i}", (1, size, size, channels), scale=0.1, zero_point=0)
        b.op("MAX_POOL_2D", [prev], [name], Pool2DAttrs(3, 3, 1, 1, "SAME"))
        prev = name
    b.output(prev)
    return b


def test_a_chain_needs_two_buffers_whatever_its_length():
    for depth in (1, 2, 5, 9):
        plan = plan_memory(lower_graph(pool_chain(depth).build()))
        assert plan.arena_bytes == 2 * 32 * 32 * 8


def test_live_buffers_never_overlap():
    b = pool_chain(4)
    # A skip connection keeps x alive to the end.
    b.tensor("skip", (1, 32, 32, 8), scale=0.1, zero_point=0)
    b.op("MAX_POOL_2D", ["x"], ["skip"], Pool2DAttrs(3, 3, 1, 1, "SAME"))
    b.output("skip")
    lowered = lower_graph(b.build())
    plan = plan_memory(lowered)
    bufs = plan.buffers
    for i, a in enumerate(bufs):
        for c in bufs[i + 1:]:
            if a.overlaps(c):
                a0, c0 = plan.offsets[a.name], plan.offsets[c.name]
                assert a0 + a.size <= c0 or c0 + c.size <= a0, (a.name, c.name)
    assert all(off % 4 == 0 for off in plan.offsets.values())


def test_reshape_is_an_alias_not_a_copy():
    b = pool_chain(1)
    b.graph.outputs.clear()
    b.const("shape", np.array([1, 8192], np.int32))
    b.tensor("flat", (1, 8192), scale=0.1, zero_point=0)
    b.op("RESHAPE", ["p0", "shape"], ["flat"])
    b.output("flat")
    plan = plan_memory(lower_graph(b.build()))
    assert plan.tensor_offset("flat") == plan.tensor_offset("p0")
    assert plan.arena_bytes == 2 * 8192


def test_arena_is_never_larger_than_tflite_micro():
    for depth in (1, 3):
        graph = pool_chain(depth, size=20, channels=6).build()
        ours = plan_memory(lower_graph(graph)).arena_bytes
        assert ours <= tflm_arena_bytes(write_tflite(graph))
