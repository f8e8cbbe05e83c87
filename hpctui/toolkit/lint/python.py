"""Python sources, read with ``ast``: mixed precision, and helpers other families use
(imports, cpu_count calls, environment variables the code sets)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.kinds import Kind
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule

GRADSCALER_BF16 = rule(
    "HPC401", "gradscaler-bfloat16", "GradScaler used with bfloat16", Severity.ERROR,
    why="GradScaler exists for float16's narrow range. With bfloat16 it sees false-positive infs "
    "and skipped 75-87% of optimizer steps; bfloat16 has float32's range and needs no scaling.",
    fix="drop GradScaler for bfloat16 (or create it as GradScaler(enabled=dtype == torch.float16))",
    source="Used GradScaler with bfloat16 -- skipped 75-87% of optimizer steps due to "
    "false-positive inf detections. GradScaler is only for float16.",
    section="Common Mistakes #6",
)  # fmt: skip


def imported_modules(doc: Document) -> Iterator[tuple[str, ast.stmt]]:
    """Top-level package names imported anywhere, with the import statement."""
    for node in doc.nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.split(".")[0], node


def called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def cpu_count_calls(doc: Document) -> Iterator[tuple[ast.Call, ast.Call | None]]:
    """``os.cpu_count()``, ``multiprocessing.cpu_count()``, ``psutil.cpu_count()`` ... each with the
    ``min(...)`` call that caps it (None when nothing does)."""
    for node in doc.nodes:
        if isinstance(node, ast.Call) and called_name(node) == "cpu_count":
            cap = None
            parent = doc.parents.get(node)
            while parent is not None and not isinstance(parent, ast.stmt):
                if isinstance(parent, ast.Call) and called_name(parent) == "min":
                    cap = parent
                    break
                parent = doc.parents.get(parent)
            yield node, cap


def constant_strings(nodes: Iterable[ast.AST]) -> Iterator[ast.Constant]:
    return (n for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str))


def mentions_name(doc: Document, name: str) -> Iterator[ast.expr]:
    """``name`` used as a variable or an attribute (``GradScaler``, ``torch.bfloat16``)."""
    for node in doc.nodes:
        if (isinstance(node, ast.Name) and node.id == name) or (isinstance(node, ast.Attribute) and node.attr == name):
            yield node


def _conditional(call: ast.Call, up: dict[ast.AST, ast.AST]) -> bool:
    """GradScaler(enabled=...) or created under an if: the code chooses it per dtype."""
    if any(k.arg == "enabled" for k in call.keywords):
        return True
    parent = up.get(call)
    while parent is not None:
        if isinstance(parent, (ast.If, ast.IfExp)):
            return True
        parent = up.get(parent)
    return False


@GRADSCALER_BF16.check(Kind.PYTHON)
def _gradscaler_bf16(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if "GradScaler" not in doc.text:
        return
    bf16 = next(mentions_name(doc, "bfloat16"), None) or next(
        (c for c in constant_strings(doc.nodes) if c.value in ("bfloat16", "bf16")), None)  # fmt: skip
    if bf16 is None:
        return
    for node in mentions_name(doc, "GradScaler"):
        call = doc.parents.get(node)
        if isinstance(call, ast.Call) and call.func is node and not _conditional(call, doc.parents):
            yield Hit(node.lineno, node.col_offset + 1,
                      f"GradScaler in a file that uses bfloat16 (line {bf16.lineno}): it skips most optimizer steps")  # fmt: skip
