"""One module per simulated vendor; :data:`VENDORS` maps provider key -> vendor."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from ._base import Ctx, Vendor
from .aitoearn import AitoearnVendor
from .ark import ArkVendor, VolcVendor
from .minimax import MinimaxVendor
from .veo import VeoVendor
from .vidu import ViduVendor

__all__ = ["PROVIDERS", "QUIRKS", "VENDORS", "Ctx", "Vendor"]

VENDORS: dict[str, Vendor] = {
    v.name: v
    for v in (
        VolcVendor(),
        VeoVendor(),
        MinimaxVendor(),
        ViduVendor(),
        AitoearnVendor(),
        ArkVendor(),
    )
}
"""Provider key -> its simulated API."""

PROVIDERS: tuple[str, ...] = tuple(VENDORS)
"""The provider keys, in vtasks' order."""

QUIRKS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {name: MappingProxyType(dict(vendor.quirks)) for name, vendor in VENDORS.items()}
)
"""Provider key -> the real-traffic shapes its simulated API can produce (name -> what changes)."""
