"""Every place the GUI hands Qt rich text gets text that is escaped, by construction.

A static scan of ``desktop/hushdesk/ui``: it finds each rich-text sink (a ``rich_label``,
a message box's ``Rich`` text, ``setText`` on a label made rich, ``setHtml``/``insertHtml``,
an item's rich-text role, the message and input boxes that guess "rich" from the text, a
tooltip shown by hand) and
proves the value built only from literals, ``html.escape``, numbers formatted as numbers
(``{n:d}``, ``{n:,}``: a string there would raise) and helpers whose every return is such
a value. A site it cannot prove is listed in ``ALLOWED`` with the reason it is safe; an
entry no longer needed fails too, so the list stays true.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "desktop" / "hushdesk" / "ui"

# "file:function:sink" -> why it is safe although the scan cannot prove it.
ALLOWED = {
    "widgets/chat_view.py:_bubble:return": (
        "the turn is MarkdownRenderer output (it escapes all text and makes images links: "
        "test_hostile_rendering); the colours come from the palette; turn ids are ints"
    ),
    "widgets/chat_view.py:_sources:return": (
        "every file name and passage html.escape'd into `items`; the colour is the theme's"
    ),
    "widgets/chat_view.py:set_turns:setHtml": "bubbles (_bubble), joined",
    "widgets/chat_view.py:_append_html:insertHtml": "its callers pass bubbles (_bubble)",
    "widgets/chat_view.py:_replace_stream:insertHtml": "a bubble (_bubble)",
    "widgets/rich_text_delegate.py:_document:setHtml": (
        "the item's RICH_TEXT_ROLE: every setData(RICH_TEXT_ROLE, …) is checked here"
    ),
    "welcome.py:_intro:rich_label": "INTRO: a literal with the app's name in it",
    "safe_text.py:rich_label:setText": "the helper itself: every rich_label(…) is checked",
}

NUMERIC_SPECS = ("d", ",", "f", "e", "%", "x", "n")
SAFE_CALLS = {"escape", "escaped", "len", "int", "round", "float", "colours"}
# Functions that build HTML handed to a sink by way of a list or another call.
HTML_BUILDERS = {
    "widgets/chat_view.py": ("_bubble", "_sources"),
    "widgets/library_search.py": ("_card",),
    "widgets/conversation_list.py": ("_hit_html",),
}
MESSAGE_BOXES = {"question", "information", "warning", "critical", "about"}
INPUT_BOXES = {"getText", "getItem", "getInt", "getDouble", "getMultiLineText"}


@dataclass
class Module:
    path: Path
    tree: ast.Module
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.path.relative_to(UI))


def _modules() -> list[Module]:
    found = []
    for path in sorted(UI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module = Module(path, tree)
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                module.parents[child] = node
            if isinstance(node, ast.FunctionDef):
                module.functions.setdefault(node.name, node)
        found.append(module)
    return found


def _last_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _formats(modules: list[Module], kind: str) -> set[tuple[str, str]]:
    """(class or module, name) of each label made ``kind`` (``RichText``, ``PlainText``):
    ``x = rich_label(…)`` or ``x.setTextFormat(Qt.TextFormat.kind)``."""
    found: set[tuple[str, str]] = set()
    for m in modules:
        for owner in ast.walk(m.tree):
            if not isinstance(owner, ast.ClassDef | ast.Module):
                continue
            scope = owner.name if isinstance(owner, ast.ClassDef) else m.name
            for node in ast.walk(owner):
                found.update((scope, name) for name in _labels_made(node, kind))
    return found


def _labels_made(node: ast.AST, kind: str) -> list[str]:
    match node:
        case ast.Assign(targets=targets, value=ast.Call(func=func)) if (
            kind == "RichText" and _last_name(func) == "rich_label"
        ):
            return [_last_name(t) for t in targets]
        case ast.Call(func=ast.Attribute(attr="setTextFormat", value=label), args=[fmt, *_]) if (
            _last_name(fmt) == kind or (kind == "RichText" and _last_name(fmt) == "MarkdownText")
        ):
            return [_last_name(label)]
    return []


def _class_of(m: Module, name: str) -> str:
    """The class a local name was made from (``body = LibraryBody()``), if known."""
    for node in ast.walk(m.tree):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            pairs = (
                zip(target.elts, node.value.elts, strict=True)
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                else [(target, node.value)]
            )
            for bound, value in pairs:
                if _last_name(bound) == name and isinstance(value, ast.Call):
                    return _last_name(value.func)
    return ""


def _rich_names(modules: list[Module]) -> dict[str, set[str]]:
    """Per module, the names (``self.x`` or ``x``) that hold a rich-text label: its own,
    and aliases of another class's (``self.title = body.title``)."""
    rich, plain = _formats(modules, "RichText"), _formats(modules, "PlainText")
    classes = {
        c.name: m.name for m in modules for c in ast.walk(m.tree) if isinstance(c, ast.ClassDef)
    }
    per: dict[str, set[str]] = {m.name: set() for m in modules}
    for scope, name in rich:
        per[classes.get(scope, scope)].add(name)
    plain_names = {name for _, name in plain}
    rich_names = {name for _, name in rich}
    for m in modules:
        for node in ast.walk(m.tree):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                pairs = (
                    zip(target.elts, node.value.elts, strict=True)
                    if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple)
                    else [(target, node.value)]
                )
                for bound, value in pairs:
                    if not isinstance(value, ast.Attribute) or value.attr not in rich_names:
                        continue
                    owner = _class_of(m, _last_name(value.value))
                    known = (owner, value.attr) in rich
                    if known or (not owner and value.attr not in plain_names):
                        per[m.name].add(_last_name(bound))
    for names in per.values():
        names.discard("")
    return per


@dataclass
class Sink:
    module: Module
    function: str
    kind: str
    value: ast.AST

    @property
    def key(self) -> str:
        return f"{self.module.name}:{self.function}:{self.kind}"


def _enclosing(module: Module, node: ast.AST) -> ast.FunctionDef | None:
    while node in module.parents:
        node = module.parents[node]
        if isinstance(node, ast.FunctionDef):
            return node
    return None


def _value(m: Module, node: ast.Call, rich: set[str]) -> ast.AST | None:
    """The rich text this call hands Qt, if it is a sink."""
    func, name, args = node.func, _last_name(node.func), node.args
    receiver = _last_name(func.value) if isinstance(func, ast.Attribute) else ""
    position = {
        "rich_label": 0,
        "Rich": 0,  # message_box.Rich: a message box's rich text
        "setHtml": 0,
        "insertHtml": 0,
        "appendHtml": 0,
        "setMarkdown": 0,
        "fromHtml": 0,
        "setText": 0 if receiver in rich else None,
        "setData": 1 if args and _last_name(args[0]) == "RICH_TEXT_ROLE" else None,
    }.get(name)
    if (receiver == "QMessageBox" and name in MESSAGE_BOXES) or (
        receiver == "QInputDialog" and name in INPUT_BOXES
    ):
        position = 2
    elif receiver == "QToolTip" and name == "showText":
        position = 1
    elif name == "QLabel":  # a label made rich right after: label = QLabel(html)
        target = m.parents.get(node)
        targets = target.targets if isinstance(target, ast.Assign) else []
        position = 0 if any(_last_name(t) in rich for t in targets) else None
    return args[position] if position is not None and len(args) > position else None


def _sinks(modules: list[Module]) -> Iterator[Sink]:
    rich = _rich_names(modules)
    for m in modules:
        for node in ast.walk(m.tree):
            value = _value(m, node, rich[m.name]) if isinstance(node, ast.Call) else None
            if isinstance(node, ast.Call) and value is not None:
                function = _enclosing(m, node)
                yield Sink(
                    m, function.name if function else "<module>", _last_name(node.func), value
                )
        for name in HTML_BUILDERS.get(m.name, ()):
            for ret in ast.walk(m.functions[name]):
                if isinstance(ret, ast.Return) and ret.value is not None:
                    yield Sink(m, name, "return", ret.value)


class Prover:
    """Whether an expression can only be escaped text (conservative: ``False`` when unsure)."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.busy: set[int] = set()

    def safe(self, node: ast.AST, scope: ast.AST | None) -> bool:
        if id(node) in self.busy:
            return True  # a cycle adds nothing new
        self.busy.add(id(node))
        try:
            return self._safe(node, scope)
        finally:
            self.busy.discard(id(node))

    def _safe(self, node: ast.AST, scope: ast.AST | None) -> bool:
        match node:
            case ast.Constant():
                return True
            case ast.JoinedStr(values=values):
                return all(self.safe(v, scope) for v in values)
            case ast.FormattedValue(value=value, format_spec=spec):
                if spec is not None and _numeric(spec):
                    return True
                return self.safe(value, scope)
            case ast.BinOp(op=ast.Add(), left=left, right=right):
                return self.safe(left, scope) and self.safe(right, scope)
            case ast.IfExp(body=body, orelse=orelse):
                return self.safe(body, scope) and self.safe(orelse, scope)
            case ast.List(elts=elts) | ast.Tuple(elts=elts):
                return all(self.safe(e, scope) for e in elts)
            case ast.Dict(values=values):
                return all(v is not None and self.safe(v, scope) for v in values)
            case ast.ListComp(elt=elt) | ast.GeneratorExp(elt=elt):
                return self.safe(elt, node)
            case ast.Name(id=name):
                return self._name(name, scope)
            case ast.Attribute(value=value):
                return isinstance(value, ast.Call) and self.safe(value, scope)
            case ast.Subscript(value=value):
                return self.safe(value, scope)
            case ast.Call():
                return self._call(node, scope)
        return False

    def _call(self, node: ast.Call, scope: ast.AST | None) -> bool:
        func, name = node.func, _last_name(node.func)
        if name in SAFE_CALLS:
            return True
        if name == "render":  # MarkdownRenderer: escapes all text (test_hostile_rendering)
            return True
        if isinstance(func, ast.Attribute) and name == "join":
            return self.safe(func.value, scope) and all(self.safe(a, scope) for a in node.args)
        if isinstance(func, ast.Attribute) and name == "get":
            return self.safe(func.value, scope) and all(self.safe(a, scope) for a in node.args)
        helper = self.module.functions.get(name)
        if helper is not None:
            returns = [r.value for r in ast.walk(helper) if isinstance(r, ast.Return)]
            return all(r is not None and self.safe(r, helper) for r in returns)
        return False

    def _name(self, name: str, scope: ast.AST | None) -> bool:
        bound = list(self._bindings(name, scope)) if scope is not None else []
        if not bound and scope is not None:
            enclosing = _enclosing(self.module, scope)
            if enclosing is not None and enclosing is not scope:
                return self._name(name, enclosing)
        if not bound:
            bound = list(self._bindings(name, self.module.tree, top=True))
        return bool(bound) and all(v is not None and self.safe(v, scope) for v in bound)

    def _bindings(self, name: str, scope: ast.AST, top: bool = False) -> Iterator[ast.AST | None]:
        """Every value the name is given in the scope (``None``: one that cannot be known)."""
        nodes = scope.body if top else list(ast.walk(scope))  # type: ignore[attr-defined]
        if isinstance(scope, ast.FunctionDef):
            arguments = scope.args.args + scope.args.kwonlyargs + scope.args.posonlyargs
            if any(a.arg == name for a in arguments):
                yield None
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        yield node.value
                    elif isinstance(target, ast.Tuple):
                        for i, elt in enumerate(target.elts):
                            if isinstance(elt, ast.Name) and elt.id == name:
                                value = node.value
                                yield value.elts[i] if isinstance(value, ast.Tuple) else None
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                if isinstance(node.target, ast.Name) and node.target.id == name:
                    yield node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if _last_name(node.func.value) == name and node.func.attr in ("append", "extend"):
                    yield from node.args
            elif isinstance(node, ast.For | ast.comprehension) and name in _targets(node.target):
                yield node.iter  # an element of a safe collection is safe


def _targets(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _numeric(spec: ast.AST) -> bool:
    text = "".join(str(v.value) for v in ast.walk(spec) if isinstance(v, ast.Constant))
    return bool(text) and text[-1] in NUMERIC_SPECS


def _unproven() -> dict[str, str]:
    found: dict[str, str] = {}
    for sink in _sinks(_modules()):
        prover = Prover(sink.module)
        scope = _enclosing(sink.module, sink.value)
        if not prover.safe(sink.value, scope):
            found[sink.key] = ast.unparse(sink.value)[:120]
    return found


def test_every_rich_text_site_gets_escaped_text() -> None:
    unproven = _unproven()
    unexplained = {k: v for k, v in unproven.items() if k not in ALLOWED}
    assert unexplained == {}, "escape these (or say in ALLOWED why they are safe)"
    assert sorted(set(ALLOWED) - set(unproven)) == [], "ALLOWED lists sites now proven"


def test_the_scan_finds_the_summarize_page_and_catches_an_unescaped_name() -> None:
    """The scan itself: it sees the Summarize page's source line, and it would have
    refused the code this issue found there."""
    keys = {s.key for s in _sinks(_modules())}
    assert "widgets/summary_form.py:show_note:setText" in keys
    assert "widgets/summary_form.py:show_source:setText" in keys
    assert "main_window.py:show_about:Rich" in keys  # a message box's rich text
    bad = ast.parse(
        "def _reading(self, path):\n"
        "    self.source_label.setText(f'Reading {path.name}…')\n"
        "def _fine(self, path):\n"
        "    self.source_label.setText(f'Reading {escape(path.name)}… {len(path.parts):,}')\n"
    )
    module = Module(UI / "summarize_page.py", bad)
    for node in ast.walk(bad):
        for child in ast.iter_child_nodes(node):
            module.parents[child] = node
    calls = [
        n for n in ast.walk(bad) if isinstance(n, ast.Call) and _last_name(n.func) == "setText"
    ]
    prover = Prover(module)
    verdicts = [prover.safe(c.args[0], _enclosing(module, c)) for c in calls]
    assert verdicts == [False, True]


def test_qt_file_dialogs_are_only_opened_through_file_dialogs() -> None:
    """Each dialog's history is removed as it closes (file_dialogs.py)."""
    offenders = [
        f"{m.name}:{node.lineno}"
        for m in _modules()
        if m.name != "file_dialogs.py"
        for node in ast.walk(m.tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "QFileDialog"
    ]
    assert offenders == []


def test_message_boxes_are_only_built_by_message_box() -> None:
    """Plain text unless ``Rich``, verbs on the buttons, our icons (message_box.py)."""
    offenders = [
        f"{m.name}:{node.lineno}"
        for m in _modules()
        if m.name != "message_box.py"
        for node in ast.walk(m.tree)
        if isinstance(node, ast.Name | ast.alias)
        and (node.id if isinstance(node, ast.Name) else node.name) == "QMessageBox"
    ]
    assert offenders == []
