"""What CONV_2D and DEPTHWISE_CONV_2D (mcutool/ops/) share: NHWC dims and the
stride/padding/dilation tiles (their scratch sizes are mcutool.abi's)."""
from __future__ import annotations

from mcutool.abi.types import Dims, Tile
from mcutool.ir import Tensor
from mcutool.lower.calls import Unsupported
from mcutool.lower.conv_quant import out_size_and_padding


def nhwc_dims(t: Tensor, role: str) -> Dims:
    if len(t.shape) != 4:
        raise Unsupported(f"{role} {t.name!r} has shape {list(t.shape)}; a 4-D NHWC tensor is needed")
    return Dims.of(t.shape)


def spatial_tiles(attrs, x: Dims, k_h: int, k_w: int, y: Dims) -> tuple[Tile, Tile, Tile]:
    """stride, padding, dilation tiles; checks the output shape TFLite would compute."""
    out_h, pad_h = out_size_and_padding(attrs.padding, x.h, k_h, attrs.stride_h, attrs.dilation_h)
    out_w, pad_w = out_size_and_padding(attrs.padding, x.w, k_w, attrs.stride_w, attrs.dilation_w)
    if out_h < 1 or out_w < 1:
        raise Unsupported(f"the {k_h}x{k_w} filter does not fit the {x.h}x{x.w} input with {attrs.padding} padding")
    if (y.h, y.w) != (out_h, out_w):
        raise Unsupported(f"output is {y.h}x{y.w} but {attrs.padding} padding gives {out_h}x{out_w}")
    return (Tile(attrs.stride_w, attrs.stride_h), Tile(pad_w, pad_h),
            Tile(attrs.dilation_w, attrs.dilation_h))
