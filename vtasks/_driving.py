"""What both drivers do the same way around a flow: resume it, and refuse a closed client."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._exceptions import ConfigurationError, ResponseError, VTasksError

if TYPE_CHECKING:
    from ._flows.steps import Body, Flow, Step
    from ._models import Task

__all__ = [
    "DATA_ERRORS",
    "ClosedClient",
    "OnPoll",
    "OnProgress",
    "Stepper",
    "advance",
    "check_open",
]

_T = TypeVar("_T")

#: A caller's callback for each state a wait sees (may return an awaitable, for AsyncClient).
OnPoll = Callable[["Task"], object] | None
#: A caller's callback for download progress: ``(bytes received, total or None)``.
OnProgress = Callable[[int, int | None], object] | None

#: What a bug-free parser can still hit on off-spec data; turned into ResponseError with the cause.
DATA_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def ClosedClient(provider: str) -> ConfigurationError:  # noqa: N802 - reads as the error it makes
    """The error for using a client after ``close()``."""
    return ConfigurationError(
        f"this {provider} client is closed", hint="create a new client, or use it before close()"
    )


def check_open(closed: bool, provider: str) -> None:
    """Refuse an operation on a closed client before any I/O."""
    if closed:
        raise ClosedClient(provider)


def advance(
    flow: Generator[Any, Any, Any], value: Any, error: BaseException | None, provider: str
) -> Any:
    """Resume a flow with a step's result, or throw the error the step ended in into it.

    A crash on off-spec data becomes a :class:`ResponseError`: never a bare ``KeyError`` or
    ``TypeError`` from deep inside a parser; the user gets a vtasks error naming the provider,
    with the original exception chained.
    """
    try:
        return flow.send(value) if error is None else flow.throw(error)
    except (StopIteration, VTasksError):
        raise
    except DATA_ERRORS as exc:
        raise ResponseError(
            f"could not read the provider's answer ({type(exc).__name__}: {exc})", provider=provider
        ) from exc


class Stepper(Generic[_T]):
    """A flow being driven: what to send it next, and what it ended with.

    Both drivers loop ``while (step := stepper.next()) is not None``, carry the step out, and put
    its result in :attr:`value` or the ``httpx.HTTPError`` it ended in in :attr:`error`.

    Attributes:
        result: The flow's return value, once :meth:`next` returned ``None``.
        opened: Answers sent for the flow; the driver closes them when the flow ends, so that
            one the flow left open (it failed, or the caller stopped early) frees its connection.
    """

    def __init__(self, flow: Flow[_T], provider: str, *, closed: bool) -> None:
        check_open(closed, provider)
        self.flow = flow
        self.provider = provider
        self.value: Any = None
        self.error: BaseException | None = None
        self.opened: list[Body] = []
        self.result: _T

    def next(self) -> Step | None:
        """The next step, or ``None`` when the flow has returned (see :attr:`result`)."""
        try:
            step = advance(self.flow, self.value, self.error, self.provider)
        except StopIteration as stop:
            self.result = stop.value
            return None
        self.value = self.error = None
        return step  # type: ignore[no-any-return]
