"""Babel extraction methods: every text key the code, pages and scripts use (gateway/locale/babel.cfg).

Texts are keyed (`err_phone_taken`), so no gettext keyword marks them. A key is *found* where its form
says so: `t("key")` in a template, `T.key` in a script, `text(lang, "key")` in Python, and a refusal
code (`Refused("too_late")`, `{"batch_id": "invalid_batch_id"}`...) as `err_<code>`; each must have a
text. Keys built at run time (`"host_state_" + state`, `f"err_{code}"`) cannot be found; any literal
equal to a Vietnamese key, or ending in `_` and starting some, *keeps* those keys, so `make messages`
never drops a text in use. Each key carries its Vietnamese text as a comment for translators.
"""
import ast
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from gateway.i18n import CATALOGS, DEFAULT_LANGUAGE, LOCALE_DIR

CONFIG = LOCALE_DIR / "babel.cfg"
REPO_ROOT = Path(__file__).resolve().parent.parent
CODE = re.compile(r"[a-z][a-z0-9_]*")
LITERAL = re.compile(r"""["']([a-z][a-z0-9_]*)["']""")
TEMPLATE_KEY = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_]*)["']\s*[,)]""")
SCRIPT_KEY = re.compile(r"""\bT(?:\.([a-z][a-z0-9_]*)|\[\s*["']([a-z][a-z0-9_]*)["']\s*\])""")
# Calls whose argument at this position is a refusal code, answered with the text err_<code>.
CODE_ARGUMENT = {"Refused": 0, "Forbidden": 0, "_Refused": 0, "ApiError": 1, "Unstorable": 1, "BadRow": 2}

Located = list[tuple[int, str]]  # (line, key or literal)
Extracted = tuple[int, str | None, str, list[str]]  # what babel takes: line, function, message, comments


class Scan(NamedTuple):
    found: Located
    literals: Located


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a literal (`OWN_QUESTION = "own_question"`)."""
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)}


def _codes(node: ast.expr | None, constants: dict[str, str]) -> list[str]:
    """The codes a literal or a constant names, or a tuple of them, or either branch of `a if c else b`."""
    if isinstance(node, ast.Tuple):
        return [code for element in node.elts for code in _codes(element, constants)]
    if isinstance(node, ast.IfExp):
        return _codes(node.body, constants) + _codes(node.orelse, constants)
    value = constants.get(node.id) if isinstance(node, ast.Name) else getattr(node, "value", None)
    return [value] if isinstance(value, str) and CODE.fullmatch(value) else []


def _refusal_returns(tree: ast.AST) -> set[int]:
    """The return statements of rules named `*_refusal`, which answer with a refusal code or None."""
    return {id(node) for func in ast.walk(tree) if isinstance(func, ast.FunctionDef) and func.name.endswith("_refusal")
            for node in ast.walk(func) if isinstance(node, ast.Return)}


def _keys_at(node: ast.AST, refusals: set[int], constants: dict[str, str]) -> list[str]:
    """The keys one node names: `text(lang, "key")`, or err_<code> where a refusal code stands."""
    codes: list[str] = []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name, args = node.func.id, node.args
        if name == "text" and len(args) == 2:
            return _codes(args[1], constants)
        if name in CODE_ARGUMENT and len(args) > CODE_ARGUMENT[name]:
            codes = _codes(args[CODE_ARGUMENT[name]], constants)
        elif name == "ValidationFailed" and args and isinstance(args[0], ast.Dict):
            codes = [code for value in args[0].values for code in _codes(value, constants)]
    elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == "errors"
            for target in ast.walk(node.targets[0])):
        codes = _codes(node.value, constants)
    elif isinstance(node, ast.Return) and id(node) in refusals:
        codes = _codes(node.value, constants)
    return [f"err_{code}" for code in codes]


def scan_python(source: bytes) -> Scan:
    tree = ast.parse(source)
    refusals, constants = _refusal_returns(tree), _constants(tree)
    nodes = [node for node in ast.walk(tree) if isinstance(node, ast.stmt | ast.expr)]
    return Scan([(node.lineno, key) for node in nodes for key in _keys_at(node, refusals, constants)],
                [(node.lineno, node.value) for node in nodes
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)])


def _scan_lines(source: bytes, pattern: re.Pattern[str]) -> Scan:
    scan = Scan([], [])
    for line, content in enumerate(source.decode("utf-8").splitlines(), start=1):
        scan.found.extend((line, next(key for key in match.groups() if key)) for match in pattern.finditer(content))
        scan.literals.extend((line, literal) for literal in LITERAL.findall(content))
    return scan


def scan_template(source: bytes) -> Scan:
    return _scan_lines(source, TEMPLATE_KEY)


def scan_script(source: bytes) -> Scan:
    return _scan_lines(source, SCRIPT_KEY)


def _method(scan: Callable[[bytes], Scan]) -> Callable[..., Iterator[Extracted]]:
    """A babel extraction method; with the option `found_only`, the found keys alone."""
    def extract(fileobj: IO[bytes], keywords: object, comment_tags: object,
                options: dict[str, Any]) -> Iterator[Extracted]:
        texts = CATALOGS[DEFAULT_LANGUAGE]  # the keys that exist, and the text a translator works from
        found, literals = scan(fileobj.read())
        kept = [] if options.get("found_only") else [
            (line, key) for line, literal in literals for key in texts
            if key == literal or (literal.endswith("_") and key.startswith(literal))]
        for line, key in found + kept:
            yield line, None, key, [texts[key]] if key in texts else []
    return extract


extract_python = _method(scan_python)
extract_template = _method(scan_template)
extract_script = _method(scan_script)


def used_keys(found_only: bool = False, root: Path = REPO_ROOT) -> set[str]:
    """What `make messages` extracts (babel.cfg): with `found_only`, the keys that must have a text."""
    with CONFIG.open() as fileobj:
        method_map, options_map = parse_mapping_cfg(fileobj)
    options = {pattern: {"found_only": found_only} for pattern in options_map}
    return {str(message) for _, _, message, _, _ in extract_from_dir(root, method_map, options)}
