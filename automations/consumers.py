"""The consumer registry: the functions that react to events, each under a stable name."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

from .models import Event

ConsumerFunction = Callable[[list[Event]], None]


@dataclass
class Consumer:
    name: str
    function: ConsumerFunction
    kinds: set[str] = field(default_factory=set)


_REGISTRY: dict[str, Consumer] = {}


def events_consumer(*kinds: str, name: str | None = None):
    """Register a function that receives the dispatched events of `kinds`, in id order, for one or more accounts.

    It runs in its own savepoint inside the dispatch transaction and should only queue work (on commit). An error
    undoes its own writes and queued work only, and its events are offered again later — to it alone, possibly
    one by one and after later events: at least once, so a consumer must be idempotent. `name` keys its
    checkpoints: keep it stable once deployed (default: the function's dotted path).
    """

    def register(function: ConsumerFunction) -> ConsumerFunction:
        key = name or f"{function.__module__}.{function.__qualname__}"
        consumer = _REGISTRY.get(key)
        if consumer is None:
            consumer = _REGISTRY[key] = Consumer(key, function)
        elif _path(consumer.function) != _path(function):
            raise ImproperlyConfigured(f"Two event consumers are named {key}.")
        consumer.function = function  # the same function imported again
        consumer.kinds.update(kinds)
        return function

    return register


def consumers_of(kinds: Iterable[str]) -> list[Consumer]:
    wanted = set(kinds)
    return [consumer for consumer in _REGISTRY.values() if consumer.kinds & wanted]


def _path(function: ConsumerFunction) -> str:
    return f"{function.__module__}.{function.__qualname__}"
