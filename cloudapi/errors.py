"""API refusals: each one an HTTP status, a cloud error code and a message."""


class ApiError(Exception):
    """A refusal answered as the cloud's JSON error document."""

    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def missing(name):
    return ApiError(f"MissingParam.{name}", f"The parameter {name} is required.")


def illegal(name, why=""):
    message = f"The parameter {name} is invalid." + (f" {why}" if why else "")
    return ApiError(f"IllegalParamFormat.{name}", message)


def not_found(code, what, ident):
    return ApiError(code, f"The specified {what} {ident} does not exist.", status=404)
