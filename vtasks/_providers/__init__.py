"""The provider registry: one line per provider, and the lookups every other module goes through.

Each provider has one home module here, ``vtasks/_providers/<module>.py``, holding its
:class:`~vtasks._providers._facts.ProviderFacts` (endpoints, auth, defaults, status table,
error-code table, paging) as the ``facts`` of its adapter class. ``ark`` and ``volc`` share one
API, so ``seedance.py`` is the home of both. See ``docs/adding-a-provider.md``.

This module imports no provider module, no generated code and no attrs class of its own: ``import
vtasks`` reads :data:`PROVIDERS` from here, and a provider's module is imported the first time its
facts or adapter are asked for. Adapters are created on first use (they import the generated
packages) and shared: they are stateless.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, TypeVar

from .._exceptions import ConfigurationError

if TYPE_CHECKING:
    from ._base import Adapter
    from ._facts import ProviderFacts

__all__ = ["PROVIDERS", "LazyMapping", "adapter_class", "check_provider", "facts", "get_adapter"]

# The registry: provider key -> (home module in this package, adapter class in it). Its order is
# the order of vtasks.PROVIDERS (the reseller's providers first, Volcengine's own endpoint last).
_REGISTRY: Mapping[str, tuple[str, str]] = {
    "volc": ("seedance", "VolcAdapter"),
    "veo": ("veo", "VeoAdapter"),
    "minimax": ("minimax", "MinimaxAdapter"),
    "vidu": ("vidu", "ViduAdapter"),
    "aitoearn": ("aitoearn", "AitoearnAdapter"),
    "ark": ("seedance", "ArkAdapter"),
}

#: Every provider key, in registry order.
PROVIDERS: tuple[str, ...] = tuple(_REGISTRY)

_CACHE: dict[str, Adapter] = {}
_LOCK = threading.Lock()

_V = TypeVar("_V")


def check_provider(provider: object) -> str:
    """Return ``provider`` if it is a known provider key, else raise :class:`ConfigurationError`."""
    if isinstance(provider, str) and provider in _REGISTRY:
        return provider
    raise ConfigurationError(
        f"unknown provider {provider!r}", hint=f"choose one of {', '.join(PROVIDERS)}"
    )


def adapter_class(provider: str) -> type[Adapter]:
    """The adapter class of ``provider``, importing its home module (but no generated code).

    Raises:
        ConfigurationError: For an unknown provider.
    """
    module_name, class_name = _REGISTRY[check_provider(provider)]
    cls: type[Adapter] = getattr(importlib.import_module(f"{__name__}.{module_name}"), class_name)
    return cls


def facts(provider: str) -> ProviderFacts:
    """What vtasks knows about ``provider`` (see :class:`~vtasks._providers._facts.ProviderFacts`).

    Raises:
        ConfigurationError: For an unknown provider.
    """
    return adapter_class(provider).facts


def get_adapter(provider: str) -> Adapter:
    """The (shared, stateless) adapter of ``provider``.

    Raises:
        ConfigurationError: For an unknown provider.
    """
    adapter = _CACHE.get(provider)
    if adapter is not None:
        return adapter
    cls = adapter_class(provider)
    with _LOCK:
        if provider not in _CACHE:
            _CACHE[provider] = cls()
        return _CACHE[provider]


class LazyMapping(Mapping[str, _V]):
    """A read-only mapping over the registry's providers whose values are built on first read.

    Used for tables derived from the facts (``vtasks.PROVIDER_INFO``, the status tables), so that
    building the mapping imports no provider module; reading one key imports that provider's only.
    """

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[str], _V]) -> None:
        self._build = build
        self._built: dict[str, _V] = {}

    def __getitem__(self, provider: str) -> _V:
        value = self.find(provider)
        if value is None:
            raise KeyError(provider)
        return value

    def find(self, provider: str) -> _V | None:
        """The value for ``provider``, or ``None`` for an unknown one: the fast path of lookups.

        One dict lookup once the value is built, where ``Mapping.get`` would go through
        ``__getitem__`` and an exception handler.
        """
        value = self._built.get(provider)
        if value is None and provider in _REGISTRY:
            # Two threads may both build a value: they build equal ones, and one is kept.
            value = self._built.setdefault(provider, self._build(provider))
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(PROVIDERS)

    def __len__(self) -> int:
        return len(PROVIDERS)

    def __contains__(self, provider: object) -> bool:
        # Answered from the registry: a membership test imports nothing.
        return provider in _REGISTRY

    def __repr__(self) -> str:
        return repr(dict(self.items()))
