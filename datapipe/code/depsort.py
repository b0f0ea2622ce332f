"""Dependency sort (InternLM2, DeepSeek-Coder): each repository's files in import order via stdlib
`graphlib`, dependencies first; a cycle is broken at its file with the fewest imports. Imports:
Python (absolute, relative), JS/TS relative specifiers, C/C++ quoted includes.
"""

from __future__ import annotations

import graphlib
import posixpath
import re
from collections import defaultdict
from typing import Any, ClassVar

import numpy as np

from datapipe.code.format import code_body
from datapipe.document import Document
from datapipe.steps import Decision, GlobalStep, Key, Settings

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)",
                        re.M)
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]*(?:\(([^)]*)\)|([^\n#;]+))",
                      re.M)
_JS_IMPORT = re.compile(r"""(?:from\s+|require\(\s*|import\s*\(?\s*)['"](\.{1,2}/[^'"]+)['"]""")
_C_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
_JS_EXT = ("", ".js", ".ts", ".jsx", ".tsx", ".mjs", "/index.js", "/index.ts")


def python_imports(path: str, code: str) -> list[str]:
    """Dotted module names the file may import (candidates; resolved against the repo later)."""
    names: list[str] = []
    for match in _PY_IMPORT.finditer(code):
        names += [part.split()[0] for part in match.group(1).split(",")]
    package = posixpath.dirname(path).replace("/", ".")
    for dots, module, grouped, plain in _PY_FROM.findall(code):
        imported = grouped or plain
        if dots:  # relative: climb len(dots) - 1 packages from the file's package
            parts = package.split(".") if package else []
            base = parts[: len(parts) - (len(dots) - 1)] if len(dots) > 1 else parts
            module = ".".join([*base, module] if module else base)
        if module:
            names.append(module)
        for item in imported.replace("\n", " ").split(","):
            name = item.split()[0] if item.split() else ""  # "x as y" -> x
            if name.isidentifier():
                names.append(f"{module}.{name}" if module else name)
    return names


def file_imports(path: str, code: str) -> list[str]:
    """Repository paths or dotted names this file imports."""
    if path.endswith((".py", ".pyi")):
        return python_imports(path, code)
    here = posixpath.dirname(path)
    if path.endswith((".js", ".ts", ".jsx", ".tsx", ".mjs", ".cjs")):
        return [posixpath.normpath(posixpath.join(here, spec)) + ext
                for spec in _JS_IMPORT.findall(code) for ext in _JS_EXT]
    if path.endswith((".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".cu")):
        return [p for inc in _C_INCLUDE.findall(code)
                for p in (posixpath.normpath(posixpath.join(here, inc)), inc)]
    return []


def _module_names(path: str) -> list[str]:
    """Every dotted name a Python file answers to: each suffix of its path (src/ layouts)."""
    if not path.endswith((".py", ".pyi")):
        return []
    parts = path.rsplit(".", 1)[0].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return [".".join(parts[i:]) for i in range(len(parts)) if parts[i:]]


def dependency_order(files: dict[str, list[str]]) -> list[str]:
    """Topological order of one repository's files (path -> imports), dependencies first."""
    by_name: dict[str, str] = {}
    for path in sorted(files):
        for name in [path, *_module_names(path)]:
            by_name.setdefault(name, path)
    graph = {path: {by_name[i] for i in imports if by_name.get(i, path) != path}
             for path, imports in sorted(files.items())}
    while True:
        try:
            return list(graphlib.TopologicalSorter(graph).static_order())
        except graphlib.CycleError as error:
            cycle = error.args[1][:-1]  # each node is followed by a node that depends on it
            # Break at the file with the fewest imports (DeepSeek-Coder); ties by path.
            victim = min(range(len(cycle)), key=lambda i: (len(graph[cycle[i]]), cycle[i]))
            graph[cycle[victim]].discard(cycle[victim - 1])


class DependencySortSettings(Settings):
    path_key: Key = "path"
    repo_key: Key = "repo"  # files without it form one repository


class DependencySort(GlobalStep):
    name: ClassVar[str] = "dependency_sort"
    kind: ClassVar[str] = "order"
    orders: ClassVar[bool] = True
    Settings = DependencySortSettings

    def key(self, doc: Document) -> tuple[str, str, list[str]]:
        path = str(doc.metadata.get(self.settings.path_key, doc.id))
        repo = str(doc.metadata.get(self.settings.repo_key, ""))
        return repo, path, file_imports(path, code_body(doc.text or ""))

    def decide(self, packed: list[Any], lines: list[np.ndarray], skip: list[set[int]]) -> Decision:
        repos: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        imports: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for shard, keys in enumerate(packed):
            for i, (repo, path, deps) in enumerate(keys):
                if i not in skip[shard]:
                    repos[repo][path].append((shard, i))
                    imports[repo][path] = deps
        notes: list[dict[int, dict[str, Any]]] = [{} for _ in packed]
        for repo_index, repo in enumerate(repos):  # repositories in order of first appearance
            for rank, path in enumerate(dependency_order(imports[repo])):
                for shard, i in repos[repo][path]:
                    notes[shard][i] = {"repo_index": repo_index, "dependency_rank": rank}
        return Decision(drops=[{} for _ in packed], annotations=notes)

    def sort_key(self, doc: Document) -> tuple[int, ...]:
        meta = doc.metadata
        return meta.get("repo_index", 1 << 62), meta.get("dependency_rank", 0), doc.line
