"""Email templates on jinja2's sandbox. Authors are college admins, and the values are partly
chosen by end users (a display name), so:

- ``SandboxedEnvironment`` refuses attribute tricks (``__class__``, ``mro``...);
- ``StrictUndefined`` makes a missing value an error, not an empty string;
- the HTML body is autoescaped (a display name cannot inject markup, and ``safe`` is not
  offered); the subject and the text body are plain text, escaping them would corrupt them;
- no globals (no ``range``), a short list of filters, no macros, loops nested at most two
  deep, no ``**`` and no ``*`` making long values: a template cannot make the renderer burn
  CPU or memory.
"""

from __future__ import annotations

import operator
import types
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from lms.auth.domain.templates import InvalidTemplate, RenderedEmail, TemplateContent

_ALLOWED_FILTERS = frozenset(
    {
        "capitalize",
        "default",
        "d",
        "e",
        "escape",
        "first",
        "join",
        "last",
        "length",
        "lower",
        "replace",
        "striptags",
        "title",
        "trim",
        "truncate",
        "upper",
        "urlencode",
    }
)
_MAX_LOOP_DEPTH = 2
_MAX_OUTPUT = 200_000
_PARTS = ("subject", "text_body", "html_body")


class _EmailSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, *, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape, undefined=StrictUndefined, auto_reload=False)
        self.globals.clear()
        self.filters = {name: self.filters[name] for name in _ALLOWED_FILTERS}
        self.tests = {name: self.tests[name] for name in ("defined", "undefined", "none")}

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            raise SecurityError("the ** operator is not allowed in email templates")
        for sequence, count in ((left, right), (right, left)):
            if (
                isinstance(sequence, (str, list, tuple))
                and isinstance(count, int)
                and len(sequence) * count > _MAX_OUTPUT
            ):
                raise SecurityError(f"a value longer than {_MAX_OUTPUT} is not allowed")
        return operator.mul(left, right)


def _refuse_costly_structure(template: nodes.Template, part: str) -> None:
    """Macros can recurse and nested loops multiply: neither is needed for an email."""
    for node in template.find_all((nodes.Macro, nodes.CallBlock)):
        raise InvalidTemplate(f"{part}: macros are not allowed", part=part, line=node.lineno)

    def walk(node: nodes.Node, depth: int) -> None:
        if isinstance(node, nodes.For):
            depth += 1
            if depth > _MAX_LOOP_DEPTH:
                raise InvalidTemplate(
                    f"{part}: loops nest at most {_MAX_LOOP_DEPTH} deep",
                    part=part,
                    line=node.lineno,
                )
        for child in node.iter_child_nodes():
            walk(child, depth)

    walk(template, 0)


def _first_line(source: str, names: frozenset[str], environment: _EmailSandbox) -> int | None:
    lines = [
        node.lineno
        for node in environment.parse(source).find_all(nodes.Name)
        if node.name in names and node.ctx == "load"
    ]
    return min(lines) if lines else None


def _template_line(traceback: types.TracebackType | None) -> int | None:
    # jinja2 rewrites tracebacks so that template frames carry the template's line numbers.
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


class JinjaTemplateRenderer:
    def __init__(self) -> None:
        self._html = _EmailSandbox(autoescape=True)
        self._text = _EmailSandbox(autoescape=False)

    def _environment(self, part: str) -> _EmailSandbox:
        return self._html if part == "html_body" else self._text

    def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        for part in _PARTS:
            source: str = getattr(content, part)
            environment = self._environment(part)
            try:
                # Compiling also catches unknown filters and tests, which parsing alone does not.
                environment.from_string(source)
                parsed = environment.parse(source)
            except TemplateSyntaxError as exc:
                raise InvalidTemplate(
                    f"{part}: {exc.message or 'syntax error'}", part=part, line=exc.lineno
                ) from exc
            _refuse_costly_structure(parsed, part)
            unknown = frozenset(meta.find_undeclared_variables(parsed))
            unknown -= allowed
            if unknown:
                raise InvalidTemplate(
                    f"{part}: unknown variables {', '.join(sorted(unknown))}; "
                    f"this kind offers {', '.join(sorted(allowed))}",
                    part=part,
                    line=_first_line(source, unknown, environment),
                )

    def render(self, content: TemplateContent, variables: Mapping[str, Any]) -> RenderedEmail:
        rendered: dict[str, str] = {}
        for part in _PARTS:
            render: Callable[..., str] = (
                self._environment(part).from_string(getattr(content, part)).render
            )
            try:
                text = render(**variables)
            except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
                # SecurityError and UndefinedError are TemplateErrors.
                raise InvalidTemplate(
                    f"{part}: {exc}", part=part, line=_template_line(exc.__traceback__)
                ) from exc
            if len(text) > _MAX_OUTPUT:
                raise InvalidTemplate(
                    f"{part}: renders to more than {_MAX_OUTPUT} characters", part=part, line=None
                )
            rendered[part] = text
        subject = " ".join(rendered["subject"].split())  # one line, whatever the template did
        return RenderedEmail(
            subject=subject, text_body=rendered["text_body"], html_body=rendered["html_body"]
        )
