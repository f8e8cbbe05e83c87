"""User-facing errors: one line on stderr, a non-zero exit, never a traceback."""


class UserError(Exception):
    """A mistake the user can fix (bad config, bad job id, unknown cluster).

    The CLI prints ``str(error)`` as one line on stderr and exits with ``exit_code``.
    """

    exit_code = 2

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code
