"""Renders a kustomization as `kustomize build` does, for the subset that deploy/k8s uses.

`make test` must not need a kustomize binary, and none comes from the registries this project
installs from (PyPI, npm, Debian). So this renders what deploy/k8s uses and refuses anything
else rather than guess: resources (files and directories), components, namespace, labels (on
metadata only), and patches (strategic merge with `$patch: delete`, or JSON 6902), from a file
or inline, aimed by the patch's own kind and name or by a target. Wherever kubectl is installed,
test_k8s.py checks that `kubectl kustomize` renders exactly the same objects.
"""
import copy
from pathlib import Path
from typing import Any

import yaml

Object = dict[str, Any]

FIELDS = {"apiVersion", "kind", "resources", "components", "namespace", "labels", "patches"}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
                  "PriorityClass", "IngressClass", "CustomResourceDefinition"}
# Kinds whose references to namespaces kustomize also rewrites: not supported here.
NAMESPACE_REFERRERS = {"RoleBinding", "ClusterRoleBinding", "ValidatingWebhookConfiguration",
                       "MutatingWebhookConfiguration", "APIService"}
# Lists a strategic merge patch merges item by item, by this key (as the Kubernetes schema says).
MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name",
              "volumeMounts": "mountPath"}
# Lists with no merge key, which a patch replaces whole.
ATOMIC_LISTS = {"command", "args"}


class Unsupported(Exception):
    """The kustomization uses something this renderer does not implement."""


def build(directory: Path) -> list[Object]:
    """The objects `kustomize build directory` prints (in no particular order)."""
    return _build(Path(directory), "Kustomization", [])


def _build(directory: Path, kind: str, objects: list[Object]) -> list[Object]:
    """A component transforms the objects gathered so far; a kustomization starts afresh."""
    spec = _kustomization(directory, kind)
    objects = list(objects)
    for entry in spec.get("resources", []):
        path = directory / entry
        objects += _build(path, "Kustomization", []) if path.is_dir() else _read(path)
    _refuse_duplicates(objects, directory)
    for entry in spec.get("components", []):
        objects = _build(directory / entry, "Component", objects)
    for patch in spec.get("patches", []):
        objects = _patch(objects, patch, directory)
    if "namespace" in spec:
        objects = [_set_namespace(obj, spec["namespace"]) for obj in objects]
    for entry in spec.get("labels", []):
        objects = [_add_labels(obj, entry) for obj in objects]
    return objects


def _kustomization(directory: Path, kind: str) -> dict[str, Any]:
    path = directory / "kustomization.yaml"
    spec = yaml.safe_load(path.read_text())
    if spec.get("kind", "Kustomization") != kind:
        raise Unsupported(f"{path}: expected kind {kind}")
    unknown = set(spec) - FIELDS
    if unknown:
        raise Unsupported(f"{path}: {sorted(unknown)}")
    return spec


def _read(path: Path) -> list[Object]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _identity(obj: Object) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _refuse_duplicates(objects: list[Object], directory: Path) -> None:
    seen = [_identity(obj) for obj in objects]
    duplicates = {identity for identity in seen if seen.count(identity) > 1}
    if duplicates:
        raise ValueError(f"{directory}: more than one object {sorted(duplicates)}")


def _patch(objects: list[Object], entry: dict[str, Any], directory: Path) -> list[Object]:
    unknown = set(entry) - {"path", "patch", "target"}
    if unknown:
        raise Unsupported(f"{directory}: patch fields {sorted(unknown)}")
    text = (directory / entry["path"]).read_text() if "path" in entry else entry["patch"]
    docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    target = entry.get("target")
    if len(docs) == 1 and isinstance(docs[0], list):
        if target is None:
            raise ValueError(f"{directory}: a JSON 6902 patch needs a target")
        return [_json6902(obj, docs[0]) if _selected(obj, target) else obj for obj in objects]
    for doc in docs:
        if target is not None:
            chosen = [obj for obj in objects if _selected(obj, target)]
        else:
            chosen = [obj for obj in objects if _named_by(obj, doc)]
            if len(chosen) != 1:
                raise ValueError(f"{directory}: patch for {doc['kind']}/{doc['metadata']['name']} "
                                 f"matches {len(chosen)} objects")
        patched = {id(obj): _strategic_merge(obj, _aimed_at(doc, obj)) for obj in chosen}
        objects = [patched.get(id(obj), obj) for obj in objects]
        objects = [obj for obj in objects if obj is not None]
    return objects


def _aimed_at(patch: Object, obj: Object) -> Object:
    """The patch with the object's identity, as kustomize does for a patch aimed by a target."""
    meta = {**patch.get("metadata", {}), "name": obj["metadata"]["name"]}
    if "namespace" in obj["metadata"]:
        meta["namespace"] = obj["metadata"]["namespace"]
    return {**patch, "apiVersion": obj["apiVersion"], "kind": obj["kind"], "metadata": meta}


def _named_by(obj: Object, patch: Object) -> bool:
    meta = patch["metadata"]
    return (obj["kind"] == patch["kind"] and obj["metadata"]["name"] == meta["name"]
            and obj["apiVersion"] == patch.get("apiVersion", obj["apiVersion"])
            and obj["metadata"].get("namespace") == meta.get("namespace", obj["metadata"].get("namespace")))


def _selected(obj: Object, target: dict[str, Any]) -> bool:
    unknown = set(target) - {"kind", "name", "labelSelector"}
    if unknown:
        raise Unsupported(f"patch target fields {sorted(unknown)}")
    labels = obj["metadata"].get("labels", {})
    return (target.get("kind", obj["kind"]) == obj["kind"]
            and target.get("name", obj["metadata"]["name"]) == obj["metadata"]["name"]
            and all(_label_matches(labels, term) for term in target.get("labelSelector", "").split(",") if term))


def _label_matches(labels: dict[str, str], term: str) -> bool:
    """One term of an equality-based selector: key=value, key==value or key!=value."""
    if "!=" in term:
        key, value = (part.strip() for part in term.split("!=", 1))
        return labels.get(key) != value
    if "=" in term:
        key, value = (part.strip() for part in term.replace("==", "=").split("=", 1))
        return labels.get(key) == value
    raise Unsupported(f"label selector term {term!r}")


def _strategic_merge(obj: Object, patch: Object) -> Object | None:
    """The patched object, or None when the patch deletes it."""
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive is not None:
        raise Unsupported(f"$patch: {directive}")
    return _merge(obj, patch)


def _merge(base: Any, patch: Any, field: str = "") -> Any:
    if isinstance(patch, dict):
        if any(key.startswith("$") for key in patch):
            raise Unsupported(f"directives {sorted(k for k in patch if k.startswith('$'))} under {field}")
        merged = copy.deepcopy(base) if isinstance(base, dict) else {}
        for key, value in patch.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = _merge(merged.get(key), value, key)
        return merged
    if isinstance(patch, list):
        if field in MERGE_KEYS:
            return _merge_list(base or [], patch, MERGE_KEYS[field])
        if field in ATOMIC_LISTS:
            return copy.deepcopy(patch)
        raise Unsupported(f"patching the list {field!r}")
    return patch


def _merge_list(base: list[Object], patch: list[Object], key: str) -> list[Object]:
    """As kustomize orders them: the patch's items first (merged into the old ones with the same
    key, or new), then the untouched old ones; `$patch: delete` removes an item."""
    old = {item[key]: item for item in base}
    merged = []
    for item in patch:
        directive = item.get("$patch")
        if directive not in (None, "delete"):
            raise Unsupported(f"$patch: {directive} in a list")
        if directive is None:
            merged.append(_merge(old.get(item[key], {}), item))
    touched = {item[key] for item in patch}
    return merged + [copy.deepcopy(item) for item in base if item[key] not in touched]


def _json6902(obj: Object, operations: list[dict[str, Any]]) -> Object:
    obj = copy.deepcopy(obj)
    for operation in operations:
        op, path = operation["op"], operation["path"]
        if op not in {"add", "replace", "remove"}:
            raise Unsupported(f"JSON 6902 op {op!r}")
        *parents, last = [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]
        node = obj
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            index = len(node) if last == "-" else int(last)
            if op == "add":
                node.insert(index, copy.deepcopy(operation["value"]))
            elif op == "replace":
                node[index] = copy.deepcopy(operation["value"])
            else:
                del node[index]
        elif op == "replace" and last not in node:
            raise KeyError(f"JSON 6902 replace of a missing {path}")
        elif op == "remove":
            del node[last]
        else:
            node[last] = copy.deepcopy(operation["value"])
    return obj


def _set_namespace(obj: Object, namespace: str) -> Object:
    if obj["kind"] in NAMESPACE_REFERRERS:
        raise Unsupported(f"namespace for {obj['kind']}")
    if obj["kind"] == "Namespace" and obj["metadata"]["name"] != namespace:
        raise Unsupported(f"namespace {namespace!r} beside Namespace {obj['metadata']['name']!r}")
    if obj["kind"] in CLUSTER_SCOPED:
        return obj
    obj = copy.deepcopy(obj)
    obj["metadata"]["namespace"] = namespace
    return obj


def _add_labels(obj: Object, entry: dict[str, Any]) -> Object:
    """`labels` without includeSelectors or includeTemplates: on each object's metadata only."""
    if set(entry) - {"pairs", "includeSelectors", "includeTemplates"} or entry.get("includeSelectors") or \
            entry.get("includeTemplates"):
        raise Unsupported(f"labels entry {entry}")
    obj = copy.deepcopy(obj)
    obj["metadata"].setdefault("labels", {}).update(entry["pairs"])
    return obj
