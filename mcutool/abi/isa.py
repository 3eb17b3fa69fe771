"""The instruction sets CMSIS-NN compiles three ways, and which one a core has.

CMSIS-NN picks its code path at compile time (ARM_MATH_MVEI, else ARM_MATH_DSP, else plain C),
and its scratch sizes and context contents follow that choice, so the generated calls must be
laid out for the core they will run on.
"""
from __future__ import annotations

from typing import Literal

Isa = Literal["portable", "dsp", "mve"]
ISAS: tuple[Isa, ...] = ("portable", "dsp", "mve")

# What the host build (and `generate` without --board) lays out for: plain C.
DEFAULT_ISA: Isa = "portable"


def isa_of(dsp: bool, mve: bool) -> Isa:
    """The CMSIS-NN path a core with these extensions compiles (Helium implies the DSP ones)."""
    if mve:
        return "mve"
    return "dsp" if dsp else "portable"


def covers(laid_out_for: Isa, core: Isa) -> bool:
    """Whether calls laid out for one ISA also suit ARM's CMSIS-NN built for another.

    The portable and DSP layouts are the same (runtime_c's own sizes, never below CMSIS-NN's on
    either path); the Helium layout adds to them (larger scratch, kernel sums that the other
    paths ignore), so it suits every core, and only it suits a Helium core.
    """
    return laid_out_for == "mve" or core != "mve"


def check_isa(value: str) -> Isa:
    if value not in ISAS:
        raise ValueError(f"unknown instruction set {value!r}; one of {', '.join(ISAS)}")
    return value
