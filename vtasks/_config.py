"""The public view of the providers (:class:`ProviderInfo`) and how configuration is read from the environment.

No vendor data lives here: each provider's title, default base URL, auth scheme and paths are in
its home module, ``vtasks/_providers/<provider>.py``, and the list of providers is the registry in
:mod:`vtasks._providers`.

Import-light on purpose (no httpx, no generated code, no provider module until one is read):
``import vtasks`` reads :data:`PROVIDERS` from here, and the CLI's ``providers`` table
:data:`PROVIDER_INFO`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs

from ._exceptions import ConfigurationError
from ._providers import PROVIDERS as _PROVIDERS
from ._providers import LazyMapping, check_provider, facts

__all__ = [
    "PROVIDERS",
    "PROVIDER_INFO",
    "ProviderInfo",
    "api_key_env",
    "base_url_env",
    "check_base_url",
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
        create_path: The path tasks are created at, or ``None`` when vtasks cannot create them.
        cancel_path: The path that cancels a task, or ``None`` when the vendor has none.
    """

    name: str
    title: str
    default_base_url: str
    auth: str
    get_path: str
    list_path: str | None
    extra: tuple[str, ...] = ()
    create_path: str | None = None
    cancel_path: str | None = None

    @property
    def supports_list(self) -> bool:
        """Whether ``list_tasks`` works for this provider (derived, like the adapter's, from ``list_path``)."""
        return self.list_path is not None

    @property
    def supports_create(self) -> bool:
        """Whether ``create_task`` works for this provider."""
        return self.create_path is not None

    @property
    def supports_cancel(self) -> bool:
        """Whether ``cancel_task`` works for this provider."""
        return self.cancel_path is not None


def _info(provider: str) -> ProviderInfo:
    """A provider's public :class:`ProviderInfo`, read from its facts (its home module)."""
    found = facts(provider)
    return ProviderInfo(
        found.name,
        found.title,
        found.default_base_url,
        found.auth.describe(),
        found.get_path,
        found.list_path,
        found.extra,
        found.create_path,
        found.cancel_path,
    )


#: Every provider key, in registry order (:mod:`vtasks._providers`).
PROVIDERS: tuple[str, ...] = _PROVIDERS
#: Each provider's :class:`ProviderInfo`, read-only; a provider's module is imported on first read.
PROVIDER_INFO: Mapping[str, ProviderInfo] = LazyMapping(_info)


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
    """The explicit base URL, else the environment's, else the provider's default (no trailing /).

    Raises:
        ConfigurationError: The URL is not an ``http(s)`` URL with a host, a port in range and
            nothing after the path; the message names where it came from.
    """
    if base_url:
        url, source = base_url, "base_url"
    elif env := os.environ.get(base_url_env(provider)):
        url, source = env, f"the environment variable {base_url_env(provider)}"
    else:
        url, source = PROVIDER_INFO[provider].default_base_url, "the default base URL"
    return check_base_url(url.strip(), f"{source} for {provider}")


def check_base_url(url: str, source: str) -> str:
    """A base URL the vendors' paths can be appended to, or a :class:`ConfigurationError`.

    Checked here, once, rather than met as a bare ``ValueError`` (port 99999, ``http://[::1``)
    or an ``OverflowError`` from the socket layer at the first request, or as a request line
    split by a line break.

    Args:
        url: The URL, outer whitespace already stripped.
        source: Where it came from, for the message (``"base_url for ark"``).

    Returns:
        The URL with a lower-case scheme and no trailing ``/``.
    """
    if any(char.isspace() or not char.isprintable() for char in url):
        raise ConfigurationError(
            f"{source} must not contain whitespace or control characters, not {url!r}"
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # parsed on access: out of range or not a number is a ValueError
    except ValueError as exc:
        raise ConfigurationError(f"{source} is not a valid URL ({exc}): {url!r}") from exc
    if parts.scheme not in ("http", "https"):
        raise ConfigurationError(f"{source} must start with http:// or https://, not {url!r}")
    if not parts.hostname:
        raise ConfigurationError(f"{source} has no host: {url!r}")
    if port == 0:
        raise ConfigurationError(f"{source} has port 0, which cannot be connected to: {url!r}")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        # The vendors' paths are appended to the base URL: they would land in the query.
        raise ConfigurationError(f"{source} must not have a query or fragment: {url!r}")
    return parts.scheme + url[len(parts.scheme) :].rstrip("/")
