"""Compilers and targets: gcc for the host, arm-none-eabi-gcc and the board files for firmware."""
from mcutool.toolchain.compiler import ToolchainError
from mcutool.toolchain.host import build_host

__all__ = ["ToolchainError", "build_host"]
