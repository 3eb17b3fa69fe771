"""Compilers and targets: gcc for the host, arm-none-eabi-gcc and the board files for firmware,
and the Target (host, emulated board, real board) that `--board` resolves to."""
from mcutool.toolchain.compiler import ToolchainError
from mcutool.toolchain.host import build_host
from mcutool.toolchain.target import HOST_TARGET, Target, resolve_target

__all__ = ["HOST_TARGET", "Target", "ToolchainError", "build_host", "resolve_target"]
