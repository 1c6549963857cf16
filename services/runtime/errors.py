"""The error a service's staff action raises when it cannot be done."""


class ActionRefused(Exception):
    """A staff action that cannot be done; the message is for staff, `field` names the input at fault,
    `status` is the HTTP status the service answers with."""

    def __init__(self, message: str, field: str | None = None, status: int = 422) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status
