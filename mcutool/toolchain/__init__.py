"""Compilers: gcc for the host (arm-none-eabi-gcc for boards arrives with board support)."""
from mcutool.toolchain.compiler import ToolchainError
from mcutool.toolchain.host import build_host

__all__ = ["ToolchainError", "build_host"]
