"""The kernel ABI shared by lowering, numpy twins and codegen: CMSIS-NN's argument structs
(types), what each call's `cmsis_nn_context` holds on each instruction set (scratch bytes at
least what runtime_c and ARM's CMSIS-NN ask for, or Helium kernel sums), and the ISAs."""
from mcutool.abi.context import CONTEXT, KernelSums, Scratch
from mcutool.abi.isa import DEFAULT_ISA, ISAS, Isa, covers, isa_of
from mcutool.abi.scratch import context_for

__all__ = ["CONTEXT", "DEFAULT_ISA", "ISAS", "Isa", "KernelSums", "Scratch", "context_for", "covers", "isa_of"]
