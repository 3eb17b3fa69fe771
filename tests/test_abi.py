"""The kernel ABI: scratch sizes per instruction set, Helium kernel sums, and the Target that
picks the instruction set. Sizes are checked on fixed cases here, and against ARM's own
`*_get_buffer_size` functions compiled from CMSIS_NN_PATH over many argument sets."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from bitexact import assert_same
from zoo import all_ops_graph

from mcutool import api
from mcutool.abi import CONTEXT, ISAS, KernelSums, Scratch, context_for, covers
from mcutool.abi import cmsis_sizes as cmsis
from mcutool.abi import runtime_sizes as runtime
from mcutool.abi.kernel_sums import vector_sum_s8
from mcutool.abi.types import Activation, ConvParams, Dims, DwConvParams, FcParams, PoolParams, Tile
from mcutool.errors import McutoolError
from mcutool.frontends.tflite import write_tflite
from mcutool.lower import lower_graph
from mcutool.lower.conv_quant import out_size_and_padding
from mcutool.oracle.tflm import run_tflm_batch
from mcutool.reference import run_reference

ACT = Activation(-128, 127)


def _none(_):
    return None


def _conv(x, f, stride=(1, 1), pad=(0, 0), dil=(1, 1), y=None):
    p = ConvParams(0, 0, Tile(*stride), Tile(*pad), Tile(*dil), ACT)
    return p, Dims(*x), Dims(*f), Dims(*y)


def _dw(x, f, mult=1, stride=(1, 1), pad=(0, 0), dil=(1, 1), y=None):
    p = DwConvParams(0, 0, mult, Tile(*stride), Tile(*pad), Tile(*dil), ACT)
    return p, Dims(*x), Dims(*f), Dims(*y)


def _scratch(kernel, p, x, f, y, isa):
    args = [CONTEXT, p, None, x, None, f, None, None, None, y, None]
    return context_for(kernel, args, isa, _none).size


def test_depthwise_3x3_64_channels_gets_what_helium_cmsis_nn_writes():
    """The measured failure: CMSIS-NN's Helium depthwise needs 4 * 124 * 9 bytes; runtime_c
    needs the filter widened to int16 (1,152 bytes), which stays the size elsewhere."""
    p, x, f, y = _dw((1, 8, 8, 64), (1, 3, 3, 64), pad=(1, 1), y=(1, 8, 8, 64))
    assert cmsis.depthwise_conv_wrapper_s8("mve", p, x, f, y) == 4464
    assert {isa: _scratch("arm_depthwise_conv_wrapper_s8", p, x, f, y, isa) for isa in ISAS} == \
        {"portable": 1152, "dsp": 1152, "mve": 4464}


def test_small_im2col_follows_helium_lanes():
    """A 2x2 kernel on one channel: 16-byte Helium lanes times four columns (64 bytes), where
    runtime_c needs 36."""
    p, x, f, y = _conv((1, 5, 5, 1), (3, 2, 2, 1), y=(1, 4, 4, 3))
    assert runtime.convolve_s8(x, f) == 36
    assert {isa: _scratch("arm_convolve_wrapper_s8", p, x, f, y, isa) for isa in ISAS} == \
        {"portable": 36, "dsp": 36, "mve": 64}


def test_one_input_channel_depthwise_becomes_a_convolution_on_helium():
    p, x, f, y = _dw((1, 6, 6, 1), (1, 3, 3, 4), mult=4, y=(1, 4, 4, 4))
    # gcc converts above 1 output channel, armclang above 8: planning takes the larger
    assert cmsis.depthwise_conv_wrapper_s8("mve", p, x, f, y, "armclang") == 0
    assert cmsis.depthwise_conv_wrapper_s8("mve", p, x, f, y, "gcc") == 64 + 36
    assert _scratch("arm_depthwise_conv_wrapper_s8", p, x, f, y, "mve") == 100


def test_avgpool_keeps_one_sum_per_channel_everywhere():
    args = [CONTEXT, PoolParams(Tile(1, 1), Tile(0, 0), ACT), Dims(1, 4, 4, 24), None,
            Dims(1, 2, 2, 1), Dims(1, 3, 3, 24), None]
    assert [context_for("arm_avgpool_s8", args, isa, _none) for isa in ISAS] == [Scratch(96)] * 3


def test_kernel_sums_as_arm_vector_sum_s8():
    rng = np.random.default_rng(1)
    w = rng.integers(-128, 128, (7, 300), dtype=np.int8)
    bias = rng.integers(-5000, 5000, 7).astype(np.int32)
    want = bias.astype(np.int64) + 9 * (w.astype(np.int64).sum(axis=1) + 300 * 3)
    assert np.array_equal(vector_sum_s8(w, 9, 3, bias), want.astype(np.int32))
    assert np.array_equal(vector_sum_s8(w, 0, 0, None), np.zeros(7, np.int32))
    # the C's int32 arithmetic wraps
    big = np.full((1, 40000), 127, np.int8)
    assert vector_sum_s8(big, 127, 0, None)[0] == np.int32(np.int64(127 * 40000 * 127) - (1 << 32))


def test_helium_fully_connected_gets_kernel_sums_in_its_context():
    w = np.arange(-6, 6, dtype=np.int8).reshape(3, 4)
    bias = np.array([10, -20, 30], np.int32)
    consts = {"w": w, "b": bias}
    args = [CONTEXT, FcParams(5, 0, -3, ACT), None, Dims(2, 1, 1, 4), None, Dims(4, 1, 1, 3), "w",
            Dims(1, 1, 1, 3), "b", Dims(2, 1, 1, 3), None]
    for isa in ("portable", "dsp"):
        assert context_for("arm_fully_connected_s8", args, isa, consts.get) == Scratch(0)
    ctx = context_for("arm_fully_connected_s8", args, "mve", consts.get)
    assert isinstance(ctx, KernelSums) and ctx.size == 12
    assert ctx.data.tolist() == [10 + 5 * -18, -20 + 5 * -2, 30 + 5 * 14]


def test_helium_layout_runs_on_the_reference_and_runtime_c_bit_exact(tmp_path):
    """Kernel sums reach the twins (which check them) and runtime_c (which ignores them, under
    the sanitizers); results are the same as the portable layout's and TFLite-Micro's."""
    graph, samples = all_ops_graph(seed=3)
    lowered = lower_graph(graph, "mve")
    sums = [a for c in lowered.calls for a in c.args if isinstance(a, KernelSums)]
    assert sums, "the all-ops model has a fully connected layer"
    expected = run_tflm_batch(write_tflite(graph), samples)
    assert_same(expected, [run_reference(lowered, s) for s in samples], "mve twins vs TFLite-Micro")
    out = api.generate(api.compile_graph(graph, "mps3-an547"), tmp_path / "gen")
    assert json.loads((out / "mcutool.json").read_text())["isa"] == "mve"
    assert "kernel_sums" in (out / "model.c").read_text()
    assert_same(expected, api.run(out, samples, sanitize=True), "mve layout on the host vs TFLite-Micro")


def test_host_and_non_helium_boards_generate_the_same_sources(tmp_path):
    graph, _ = all_ops_graph(seed=3)
    texts = {}
    for board in ("host", "mps2-an385", "mps2-an386", "mps3-an547"):
        out = api.generate(api.compile_graph(graph, board), tmp_path / board)
        texts[board] = (out / "model.c").read_text()
        meta = json.loads((out / "mcutool.json").read_text())
        assert meta["target"] == board
    assert texts["host"] == texts["mps2-an385"] == texts["mps2-an386"]
    assert texts["mps3-an547"] != texts["host"]


def test_target_resolves_the_board_once():
    assert api.resolve_target(None).is_host and api.resolve_target("host").isa == "portable"
    assert api.resolve_target("mps2-an385").isa == "portable"
    assert api.resolve_target("mps2-an386").isa == "dsp"
    assert api.resolve_target("mps3-an547").isa == "mve"
    t = api.resolve_target("nucleo-f746zg")
    assert not t.emulated and api.resolve_target(t) is t
    with pytest.raises(McutoolError, match="unknown board"):
        api.resolve_target("esp32")


def test_a_layout_for_another_code_path_is_refused_for_cmsis_nn(tmp_path):
    assert covers("mve", "portable") and covers("portable", "dsp") and not covers("dsp", "mve")
    m55 = api.resolve_target("mps3-an547")
    with pytest.raises(McutoolError, match="generate it again with --board mps3-an547"):
        m55.check_layout("portable", tmp_path)
    m55.check_layout("portable", None)   # runtime_c runs any layout
    api.resolve_target("mps2-an386").check_layout("mve", tmp_path)


def test_the_fit_check_belongs_to_the_target():
    from mcutool.toolchain.firmware import FitError
    api.resolve_target("host").check_fit(10**9, 10**9)
    with pytest.raises(FitError, match="microbit"):
        api.resolve_target("microbit").check_fit(10**6, 0)


# ---- against ARM's CMSIS-NN ------------------------------------------------------------------

DRIVER = r"""
#include <stdio.h>
#include "arm_nnfunctions.h"
/* One layer per line: input dims, filter dims, output dims (n h w c each), stride w h,
 * padding w h, dilation w h, depth multiplier. Prints CMSIS-NN's sizes, one layer per line. */
int main(void) {
    cmsis_nn_dims x, f, y;
    int sw, sh, pw, ph, dw, dh, mult;
    while (scanf("%d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d", &x.n, &x.h, &x.w, &x.c,
                 &f.n, &f.h, &f.w, &f.c, &y.n, &y.h, &y.w, &y.c, &sw, &sh, &pw, &ph, &dw, &dh, &mult) == 19) {
        cmsis_nn_conv_params p = {0};
        cmsis_nn_dw_conv_params d = {0};
        p.stride.w = d.stride.w = sw; p.stride.h = d.stride.h = sh;
        p.padding.w = d.padding.w = pw; p.padding.h = d.padding.h = ph;
        p.dilation.w = d.dilation.w = dw; p.dilation.h = d.dilation.h = dh;
        d.ch_mult = mult;
        cmsis_nn_dims cf = {y.c, f.h, f.w, x.c}; /* the convolution's filter */
        cmsis_nn_dims fc = {x.c, 1, 1, y.c};     /* a fully connected layer of x.c -> y.c */
        printf("%d %d %d %d %d %d %d %d %d %d %d %d\n",
               (int)arm_convolve_wrapper_s8_get_buffer_size(&p, &x, &cf, &y),
               (int)arm_convolve_wrapper_s8_get_buffer_size_dsp(&p, &x, &cf, &y),
               (int)arm_convolve_wrapper_s8_get_buffer_size_mve(&p, &x, &cf, &y),
               (int)arm_depthwise_conv_wrapper_s8_get_buffer_size(&d, &x, &f, &y),
               (int)arm_depthwise_conv_wrapper_s8_get_buffer_size_dsp(&d, &x, &f, &y),
               (int)arm_depthwise_conv_wrapper_s8_get_buffer_size_mve(&d, &x, &f, &y),
               (int)arm_fully_connected_s8_get_buffer_size(&fc),
               (int)arm_fully_connected_s8_get_buffer_size_dsp(&fc),
               (int)arm_fully_connected_s8_get_buffer_size_mve(&fc),
               (int)arm_avgpool_s8_get_buffer_size(y.w, x.c),
               (int)arm_avgpool_s8_get_buffer_size_dsp(y.w, x.c),
               (int)arm_avgpool_s8_get_buffer_size_mve(y.w, x.c));
    }
    return 0;
}
"""


def _random_layers(rng, count):
    """Valid layers as TFLite would shape them, with the corner cases in the mix: one row
    (CMSIS-NN's 1xN path), 1x1 kernels, 3x3 with padding <= 1, one input channel, dilation,
    batches, and channel counts around the Helium block of 124."""
    layers = []
    while len(layers) < count:
        n = int(rng.choice([1, 1, 1, 2]))
        h = 1 if rng.random() < 0.25 else int(rng.integers(1, 12))
        w = int(rng.integers(1, 16))
        c = int(rng.choice([1, 2, 3, 4, 8, 12, 16, 17, 64, 123, 124, 125, 200]))
        kh = 1 if h == 1 else int(rng.choice([1, 2, 3, 3, 5]))
        kw = int(rng.choice([1, 2, 3, 3, 4, 5, 7]))
        sw, sh = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        dw = 1 if rng.random() < 0.8 else 2
        dh = 1 if rng.random() < 0.8 else 2
        padding = str(rng.choice(["SAME", "VALID"]))
        mult = int(rng.choice([1, 1, 1, 2, 3]))
        oh, ph = out_size_and_padding(padding, h, kh, sh, dh)
        ow, pw = out_size_and_padding(padding, w, kw, sw, dw)
        if oh < 1 or ow < 1:
            continue
        layers.append(((n, h, w, c), (1, kh, kw, c * mult), (n, oh, ow, c * mult), (sw, sh), (pw, ph), (dw, dh), mult))
    return layers


def cmsis_nn_sizes(cmsis_nn_path: Path, tmp_path: Path, driver: str, sources: list[str],
                   layers: list[tuple]) -> list[list[int]]:
    """CMSIS-NN's buffer-size sources (paths under Source/) compiled for the host with a C
    driver that reads one layer per line from stdin and prints its sizes; one row per layer."""
    src = tmp_path / "sizes.c"
    src.write_text(driver)
    exe = tmp_path / "sizes"
    subprocess.run(["gcc", "-std=c99", "-O1", f"-I{cmsis_nn_path / 'Include'}", str(src),
                    *(str(cmsis_nn_path / "Source" / rel) for rel in sources), "-o", str(exe)], check=True)
    text = "\n".join(" ".join(str(v) for part in layer for v in (part if isinstance(part, tuple) else (part,)))
                     for layer in layers)
    proc = subprocess.run([str(exe)], input=text, capture_output=True, text=True, check=True)
    rows = [list(map(int, line.split())) for line in proc.stdout.splitlines()]
    assert len(rows) == len(layers)
    return rows


@pytest.mark.cmsis_nn
def test_scratch_sizes_are_at_least_cmsis_nns_own(cmsis_nn_path, tmp_path):
    """CMSIS-NN's buffer-size functions, compiled for the host from its sources, against the
    Python formulas (equal, for gcc) and the planned scratch (never smaller), on every ISA."""
    layers = _random_layers(np.random.default_rng(2026), 3000)
    rows = cmsis_nn_sizes(cmsis_nn_path, tmp_path, DRIVER, [
        "ConvolutionFunctions/arm_convolve_get_buffer_sizes_s8.c",
        "ConvolutionFunctions/arm_depthwise_conv_get_buffer_sizes_s8.c",
        "FullyConnectedFunctions/arm_fully_connected_get_buffer_sizes_s8.c",
        "PoolingFunctions/arm_avgpool_get_buffer_sizes_s8.c"], layers)
    for layer, row in zip(layers, rows):
        x, df, y, stride, pad, dil, mult = layer
        conv = _conv(x, (y[3], df[1], df[2], x[3]), stride, pad, dil, y)
        dw = _dw(x, df, mult, stride, pad, dil, y)
        fc_filter = Dims(x[3], 1, 1, y[3])
        got = {
            "conv": [cmsis.convolve_wrapper_s8(isa, *conv, compiler="gcc") for isa in ISAS],
            "dw": [cmsis.depthwise_conv_wrapper_s8("portable", *dw, compiler="gcc"),
                   cmsis.depthwise_conv_wrapper_s8_dsp(*dw), cmsis.depthwise_conv_wrapper_s8_mve(*dw)],
            "fc": [cmsis.fully_connected_s8(isa, fc_filter) for isa in ISAS],
            "avg": [cmsis.avgpool_s8(isa, y[2], x[3]) for isa in ISAS],
        }
        want = {"conv": row[0:3], "dw": row[3:6], "fc": row[6:9], "avg": row[9:12]}
        assert got == want, f"layer {layer}"
        # a layout must hold what CMSIS-NN asks for on every code path it is declared to suit
        pool = [CONTEXT, None, Dims(*x), None, None, Dims(*y), None]
        for planned in ISAS:
            for i, core in enumerate(ISAS):
                if not covers(planned, core):
                    continue
                what = f"{planned} layout, CMSIS-NN {core}, layer {layer}"
                assert _scratch("arm_convolve_wrapper_s8", *conv, planned) >= row[i], f"conv: {what}"
                assert _scratch("arm_depthwise_conv_wrapper_s8", *dw, planned) >= row[3 + i], f"dw: {what}"
                assert context_for("arm_avgpool_s8", pool, planned, _none).size >= row[9 + i], f"avgpool: {what}"
