"""Provider adapters, one module each, created on first use (they import the generated packages)."""

from __future__ import annotations

import importlib
import threading

from .._config import PROVIDERS
from .._exceptions import ConfigurationError
from ._base import Adapter, Page, Request

__all__ = ["Adapter", "Page", "Request", "get_adapter"]

_CLASSES = {
    "ark": ("seedance", "ArkAdapter"),
    "volc": ("seedance", "VolcAdapter"),
    "veo": ("veo", "VeoAdapter"),
    "minimax": ("minimax", "MinimaxAdapter"),
    "vidu": ("vidu", "ViduAdapter"),
    "aitoearn": ("aitoearn", "AitoearnAdapter"),
}
_CACHE: dict[str, Adapter] = {}
_LOCK = threading.Lock()


def get_adapter(provider: str) -> Adapter:
    """The (shared, stateless) adapter of ``provider``."""
    adapter = _CACHE.get(provider)
    if adapter is not None:
        return adapter
    if provider not in _CLASSES:
        raise ConfigurationError(
            f"unknown provider {provider!r}", hint=f"choose one of {', '.join(PROVIDERS)}"
        )
    module_name, class_name = _CLASSES[provider]
    with _LOCK:
        if provider not in _CACHE:
            module = importlib.import_module(f"{__name__}.{module_name}")
            _CACHE[provider] = getattr(module, class_name)()
        return _CACHE[provider]
