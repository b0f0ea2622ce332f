"""Markdown formatting of source files (InternLM2's "unified Markdown format"): a path header and
a fenced block tagged with the language of the file extension.
"""

from __future__ import annotations

import os
import re
from typing import ClassVar

from datapipe.document import Document
from datapipe.steps import Filter, Key, Settings

LANGUAGES = {
    ".py": "python", ".pyi": "python", ".js": "javascript", ".mjs": "javascript",
    ".cjs": "javascript", ".jsx": "jsx", ".ts": "typescript", ".tsx": "tsx", ".java": "java",
    ".kt": "kotlin", ".scala": "scala", ".go": "go", ".rs": "rust", ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".cs": "csharp",
    ".rb": "ruby", ".php": "php", ".swift": "swift", ".m": "objectivec", ".sh": "bash",
    ".bash": "bash", ".zsh": "zsh", ".ps1": "powershell", ".sql": "sql", ".r": "r", ".R": "r",
    ".jl": "julia", ".lua": "lua", ".pl": "perl", ".hs": "haskell", ".ml": "ocaml",
    ".ex": "elixir", ".exs": "elixir", ".erl": "erlang", ".clj": "clojure", ".dart": "dart",
    ".html": "html", ".htm": "html", ".css": "css", ".scss": "scss", ".vue": "vue",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".xml": "xml",
    ".ini": "ini", ".cfg": "ini", ".dockerfile": "dockerfile", ".tex": "latex",
    ".cu": "cuda", ".f90": "fortran", ".zig": "zig", ".nim": "nim", ".v": "verilog",
    ".proto": "protobuf", ".cmake": "cmake", ".mk": "makefile",
}
BY_NAME = {"Dockerfile": "dockerfile", "Makefile": "makefile", "CMakeLists.txt": "cmake"}
PROSE = (".md", ".markdown", ".txt", ".rst")  # already prose: kept as they are
_BACKTICKS = re.compile(r"`{3,}")


def language_of(path: str) -> str | None:
    name = os.path.basename(path)
    if name in BY_NAME:
        return BY_NAME[name]
    return LANGUAGES.get(os.path.splitext(name)[1]) or LANGUAGES.get(
        os.path.splitext(name)[1].lower())


def code_body(text: str) -> str:
    """The source inside a formatted document (the text itself when it was prose)."""
    if not text.startswith(("```", "## ")):
        return text
    lines = text.split("\n")
    opened = next((i for i, li in enumerate(lines) if li.startswith("```")), None)
    if opened is None or len(lines) - opened < 2 or not lines[-1].startswith("```"):
        return text
    return "\n".join(lines[opened + 1:-1])


class CodeFormatSettings(Settings):
    path_key: Key = "path"  # the record field with the file's path inside its repository
    header: bool = True  # a "## path" line above the block, so a concatenated repo stays readable
    drop_unknown: bool = True  # a file whose language the extension does not tell is dropped


class CodeFormat(Filter):
    name: ClassVar[str] = "code_format"
    Settings = CodeFormatSettings

    def filter(self, doc: Document) -> str | None:
        path = doc.metadata.get(self.settings.path_key)
        if not isinstance(path, str) or not path:
            return "path_missing"
        if path.lower().endswith(PROSE):
            doc.metadata["language"] = "markdown"
            return None
        language = language_of(path)
        if language is None:
            if self.settings.drop_unknown:
                return "unknown_language"
            language = ""
        code = doc.text or ""
        longest = max((len(m) for m in _BACKTICKS.findall(code)), default=2)
        fence = "`" * max(3, longest + 1)  # a fence longer than any run inside the code
        header = f"## {path}\n\n" if self.settings.header else ""
        doc.text = f"{header}{fence}{language}\n{code.rstrip(chr(10))}\n{fence}"
        doc.metadata["language"] = language
        return None
