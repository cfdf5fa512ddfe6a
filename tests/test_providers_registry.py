"""The provider registry and the facts in each provider's home module: vtasks._providers."""

from __future__ import annotations

import subprocess
import sys

import pytest

import vtasks
from vtasks import _providers
from vtasks._config import PROVIDER_INFO
from vtasks._exceptions import ConfigurationError
from vtasks._providers._facts import ProviderFacts

ORDER = ("volc", "veo", "minimax", "vidu", "aitoearn", "ark")


def test_registry_order() -> None:
    assert vtasks.PROVIDERS == ORDER
    assert _providers.PROVIDERS == ORDER
    assert tuple(PROVIDER_INFO) == ORDER
    assert len(PROVIDER_INFO) == len(ORDER)


@pytest.mark.parametrize("provider", ORDER)
def test_adapter_reads_its_facts(provider: str) -> None:
    found = _providers.facts(provider)
    assert isinstance(found, ProviderFacts)
    assert found.name == provider
    adapter = _providers.get_adapter(provider)
    assert adapter.facts is found
    assert adapter.name == provider
    assert adapter.auth == found.auth
    assert adapter.max_page_size == found.max_page_size
    assert adapter.default_page_size == found.default_page_size
    assert adapter.max_page_number == found.max_page_number
    assert adapter.id_filter_max == found.id_filter_max
    assert adapter.numbered_pages == found.numbered_pages
    assert adapter.server_time_filter == found.server_time_filter
    assert adapter.poll_by_listing == found.poll_by_listing
    # Polling by listing reads numbered pages: a provider that turns it on must have them.
    assert not found.poll_by_listing or (found.list_path is not None and found.numbered_pages)
    assert adapter.first_page() == found.first_page
    assert adapter.not_found_codes == found.not_found_codes
    # One source for "can it list": the list endpoint in the facts.
    info = PROVIDER_INFO[provider]
    assert adapter.supports_list is info.supports_list is (found.list_path is not None)
    assert info.auth == found.auth.describe()
    assert info.list_path == found.list_path
    assert info.default_base_url == found.default_base_url


def test_listing_providers() -> None:
    listing = [p for p in ORDER if PROVIDER_INFO[p].supports_list]
    assert listing == ["volc", "vidu", "aitoearn", "ark"]


def test_seedance_providers_share_their_tables() -> None:
    ark, volc = _providers.facts("ark"), _providers.facts("volc")
    assert ark.status_rows is volc.status_rows
    assert ark.code_rules is volc.code_rules
    assert ark.get_path == "/api/v3/contents/generations/tasks/{id}"
    assert volc.get_path == "/volc/v1/contents/generations/tasks/{id}"


def test_unknown_provider() -> None:
    with pytest.raises(ConfigurationError, match="unknown provider 'runway'"):
        _providers.get_adapter("runway")
    with pytest.raises(ConfigurationError, match="choose one of volc, veo"):
        _providers.facts("runway")
    with pytest.raises(KeyError):
        PROVIDER_INFO["runway"]
    assert "runway" not in PROVIDER_INFO
    assert PROVIDER_INFO.get("runway") is None


def test_facts_are_read_only() -> None:
    found = _providers.facts("minimax")
    with pytest.raises(TypeError):
        found.not_found_codes["list"] = frozenset()  # type: ignore[index]
    with pytest.raises(AttributeError):
        found.title = "x"  # type: ignore[misc]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_import_vtasks_loads_no_provider_module() -> None:
    loaded = _modules_after("import vtasks\nvtasks.PROVIDERS\n'vidu' in vtasks.PROVIDER_INFO")
    assert not {m for m in loaded if m.startswith("vtasks._providers.")}
    assert not {m for m in loaded if m.startswith("vtasks_gen_")}
    assert "httpx" not in loaded
    assert "logging" not in loaded


def test_facts_load_without_generated_code_or_httpx() -> None:
    loaded = _modules_after(
        "import vtasks\n"
        "from vtasks._status import status_table_rows\n"
        "from vtasks._error_codes import error_code_rows\n"
        "[(status_table_rows(p), error_code_rows(p), vtasks.PROVIDER_INFO[p]) for p in vtasks.PROVIDERS]"
    )
    assert "vtasks._providers.vidu" in loaded
    assert not {m for m in loaded if m.startswith("vtasks_gen_")}
    assert "httpx" not in loaded
    assert "logging" not in loaded
