"""Bundle a curated spec and the files it references into one self-contained OpenAPI document.

openapi-python-client does not follow ``$ref``s into other files, but ``specs/ark.yaml`` and
``specs/volc.yaml`` share their schemas through ``specs/common/seedance.yaml`` rather than copy them.
This module copies every externally referenced component (and whatever it references in turn) into
the document's own ``components`` and rewrites the references to local ones.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

__all__ = ["PROVIDERS", "SPECS_DIR", "bundle", "load_yaml"]

SPECS_DIR = Path(__file__).resolve().parent.parent / "specs"

# The order in which specs are generated and reported; every provider has specs/<name>.yaml
# and specs/config/<name>.yaml.
PROVIDERS = ("ark", "volc", "veo", "minimax", "vidu", "aitoearn")


def load_yaml(path: Path) -> dict[str, Any]:
    """Load one YAML document that must be a mapping."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return data


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.lstrip("/").split("/") if p]


def _resolve(doc: dict[str, Any], pointer: str) -> Any:
    node: Any = doc
    for part in _pointer_parts(pointer):
        node = node[part]
    return node


class _Bundler:
    def __init__(self, root: dict[str, Any], root_path: Path) -> None:
        self.root = root
        self.root_path = root_path.resolve()
        self.files: dict[Path, dict[str, Any]] = {}

    def _load(self, path: Path) -> dict[str, Any]:
        path = path.resolve()
        if path not in self.files:
            self.files[path] = load_yaml(path)
        return self.files[path]

    def _import(self, file: Path, pointer: str) -> str:
        """Copy the component at ``file#pointer`` into the root document; return its local ref."""
        parts = _pointer_parts(pointer)
        if len(parts) != 3 or parts[0] != "components":
            raise ValueError(
                f"{file}#{pointer}: only refs to components/<kind>/<name> can be bundled"
            )
        _, kind, name = parts
        section = self.root.setdefault("components", {}).setdefault(kind, {})
        local_ref = f"#/components/{kind}/{name}"
        if name in section:
            return local_ref
        node = copy.deepcopy(_resolve(self._load(file), pointer))
        section[name] = node  # placed before walking so that cycles terminate
        section[name] = self._walk(node, file)
        return local_ref

    def _walk(self, node: Any, base: Path) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                target, _, pointer = ref.partition("#")
                if target:
                    node = {**node, "$ref": self._import(base.parent / target, pointer)}
                elif base.resolve() != self.root_path:
                    # A local ref inside an imported file points into that file: import it too.
                    node = {**node, "$ref": self._import(base, pointer)}
            return {key: self._walk(value, base) for key, value in node.items()}
        if isinstance(node, list):
            return [self._walk(item, base) for item in node]
        return node


def bundle(spec_path: Path) -> dict[str, Any]:
    """Return the spec at ``spec_path`` with every external reference copied in."""
    root = load_yaml(spec_path)
    components = root.setdefault("components", {})
    bundler = _Bundler(root, spec_path)
    for key in list(root):
        if key != "components":
            root[key] = bundler._walk(root[key], spec_path)
    # Imported components were walked as they were copied in; the snapshot skips them.
    for section in list(components.values()):
        for name, node in list(section.items()):
            section[name] = bundler._walk(node, spec_path)
    return root
