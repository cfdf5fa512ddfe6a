"""The providers vtasks knows, their defaults, and how configuration is read from the environment.

Import-light on purpose (no httpx, no generated code): ``vtasks.PROVIDERS`` and the CLI's
``providers`` table come from here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import attrs

from ._exceptions import ConfigurationError

__all__ = [
    "PROVIDERS",
    "PROVIDER_INFO",
    "ProviderInfo",
    "api_key_env",
    "base_url_env",
    "check_provider",
    "resolve_api_key",
    "resolve_base_url",
]


@attrs.frozen(slots=True)
class ProviderInfo:
    """What a provider is and how to reach it.

    Attributes:
        name: The provider key (``"ark"``).
        title: A human name.
        default_base_url: Scheme and host the documented paths are appended to.
        auth: How the key is sent, for documentation (``Authorization: Bearer KEY``).
        get_path: The path of the single-task endpoint.
        list_path: The path of the list endpoint, or ``None`` when the vendor has none.
        extra: Other endpoints used.
    """

    name: str
    title: str
    default_base_url: str
    auth: str
    get_path: str
    list_path: str | None
    extra: tuple[str, ...] = ()

    @property
    def supports_list(self) -> bool:
        """Whether ``list_tasks`` works for this provider."""
        return self.list_path is not None


_INFO = (
    ProviderInfo(
        "volc",
        "Volcengine Seedance (reseller)",
        "https://api.chainhub.tech",
        "Authorization: Bearer KEY",
        "/volc/v1/contents/generations/tasks/{id}",
        "/volc/v1/contents/generations/tasks",
    ),
    ProviderInfo(
        "veo",
        "Google Veo (reseller unified format)",
        "https://api.chainhub.tech",
        "Authorization: Bearer KEY",
        "/v1/video/query?id={id}",
        None,
    ),
    ProviderInfo(
        "minimax",
        "MiniMax Hailuo",
        "https://api.minimax.io",
        "Authorization: Bearer KEY",
        "/v1/query/video_generation?task_id={id}",
        None,
        ("/v1/files/retrieve?file_id={file_id}",),
    ),
    ProviderInfo(
        "vidu",
        "Vidu",
        "https://api.vidu.com",
        "Authorization: Token KEY",
        "/ent/v2/tasks/{id}/creations",
        "/ent/v2/tasks",
    ),
    ProviderInfo(
        "aitoearn",
        "AiToEarn",
        "https://aitoearn.ai",
        "X-Api-Key: KEY",
        "/api/ai/video/generations/{id}",
        "/api/ai/video/generations",
    ),
    ProviderInfo(
        "ark",
        "Volcengine Ark (Seedance)",
        "https://ark.cn-beijing.volces.com",
        "Authorization: Bearer KEY",
        "/api/v3/contents/generations/tasks/{id}",
        "/api/v3/contents/generations/tasks",
    ),
)

#: Every provider key, in the order DESIGN.md gives them.
PROVIDERS: tuple[str, ...] = tuple(info.name for info in _INFO)
#: Each provider's :class:`ProviderInfo`.
PROVIDER_INFO: Mapping[str, ProviderInfo] = {info.name: info for info in _INFO}


def check_provider(provider: object) -> str:
    """Return ``provider`` if it is a known provider key, else raise :class:`ConfigurationError`."""
    if isinstance(provider, str) and provider in PROVIDER_INFO:
        return provider
    raise ConfigurationError(
        f"unknown provider {provider!r}", hint=f"choose one of {', '.join(PROVIDERS)}"
    )


def api_key_env(provider: str) -> str:
    """The environment variable holding a provider's API key, e.g. ``VTASKS_ARK_API_KEY``."""
    return f"VTASKS_{provider.upper()}_API_KEY"


def base_url_env(provider: str) -> str:
    """The environment variable overriding a provider's base URL."""
    return f"VTASKS_{provider.upper()}_BASE_URL"


def resolve_api_key(provider: str, api_key: str | None) -> str:
    """The explicit key, else the environment's; a missing key is a :class:`ConfigurationError`."""
    key = api_key if api_key is not None else os.environ.get(api_key_env(provider))
    if not key or not key.strip():
        raise ConfigurationError(
            f"no API key for {provider}",
            hint=f"pass api_key=... or set the environment variable {api_key_env(provider)}",
        )
    key = key.strip()
    if not key.isascii() or not key.isprintable():
        # HTTP header values are ASCII; a line break would even split the header.
        raise ConfigurationError(
            f"the API key for {provider} contains a line break, a control character or a"
            " non-ASCII character",
            hint=f"check the value of {api_key_env(provider)} or the api_key argument",
        )
    return key


def resolve_base_url(provider: str, base_url: str | None) -> str:
    """The explicit base URL, else the environment's, else the provider's default (no trailing /)."""
    url = (
        base_url
        or os.environ.get(base_url_env(provider))
        or PROVIDER_INFO[provider].default_base_url
    )
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(
            f"base_url for {provider} must start with http:// or https://, not {url!r}"
        )
    return url
