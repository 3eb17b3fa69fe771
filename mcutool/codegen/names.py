"""Turning model-supplied names into safe C identifiers and comment text.

Names in a .tflite file are arbitrary bytes; they must never reach C source as they are.
"""
from __future__ import annotations

import re

_C_KEYWORDS = {
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else",
    "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long", "register",
    "restrict", "return", "short", "signed", "sizeof", "static", "struct", "switch", "typedef",
    "union", "unsigned", "void", "volatile", "while", "_Bool", "_Complex", "_Imaginary",
}


def c_identifier(text: str, max_len: int = 40) -> str:
    """Letters, digits and underscores only; never starts with a digit; never a keyword."""
    ident = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")[:max_len].strip("_")
    if not ident:
        ident = "x"
    if ident[0].isdigit():
        ident = "_" + ident
    if ident in _C_KEYWORDS:
        ident += "_"
    return ident


# File stems and symbol families of the runtime and the test programs, which a model's files
# and symbols must not shadow.
_RESERVED_PREFIXES = ("arm_", "mcu_", "cmsis_", "main_", "_")
_RESERVED_NAMES = {"main", "startup", "boot2", "linker"}


def c_prefix(text: str) -> str:
    """A user-chosen symbol prefix must already be a valid identifier; say so if it is not."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,31}", text) or text in _C_KEYWORDS:
        raise ValueError(f"prefix {text!r} is not a valid C identifier (a letter, then letters, digits, _)")
    if text in _RESERVED_NAMES or text.lower().startswith(_RESERVED_PREFIXES):
        raise ValueError(f"prefix {text!r} would clash with mcutool's runtime or test program names; "
                         f"it may not be {', '.join(sorted(_RESERVED_NAMES))} or start with "
                         f"{', '.join(_RESERVED_PREFIXES)}")
    return text


def comment_text(text: str, max_len: int = 60) -> str:
    """Printable ASCII without comment terminators, trigraphs or line breaks."""
    clean = re.sub(r"[^A-Za-z0-9_ .,:;+=#/()\[\]-]+", "?", text)
    clean = clean.replace("*/", "?").replace("/*", "?").replace("//", "/?")
    return re.sub(r"\?{2,}", "?", clean)[:max_len]  # no trigraphs
