"""One module per operator, each registering its OpDef (see opdef.py).

Every module of this package is imported here, so the registry is complete as soon as
`mcutool.ops` is imported and never depends on what else happens to be imported. The modules
are found by listing the package, so adding an operator is adding its module.
"""
import importlib
import pkgutil

from mcutool.ops.opdef import OpDef, QuantRule, UnknownOpError, all_ops, attrs_of, find, get

OP_MODULES = tuple(sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "opdef"))
for _module in OP_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["OP_MODULES", "OpDef", "QuantRule", "UnknownOpError", "all_ops", "attrs_of", "find", "get"]
