"""The one exception type the CLI turns into a clean message and exit status 2."""


class McutoolError(Exception):
    """A problem with the user's input (model, data, board, options), not a bug in mcutool."""


class UnsupportedOpsError(McutoolError):
    """The model uses operators mcutool cannot handle; lists every one at once."""

    def __init__(self, problems: list[tuple[int, str, str]]):
        # problems: (operator index, operator name, why)
        self.problems = problems
        lines = [f"  #{idx} {name}: {why}" for idx, name, why in problems]
        super().__init__(
            f"the model has {len(problems)} unsupported operator(s):\n" + "\n".join(lines)
        )


class ModelCheckError(McutoolError):
    """A model breaks a rule of mcutool.ir.validate (the message names operator, tensor, rule)."""
