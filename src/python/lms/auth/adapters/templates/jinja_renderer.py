"""The template engine: jinja2 in ``sandbox.EmailSandbox``, run in this process. Production
renders through ``worker_pool.IsolatedTemplateRenderer``, which runs this engine in worker
processes under memory and CPU limits; use this class directly only in tests and in the worker.

- ``StrictUndefined`` makes a missing value an error, not an empty string;
- the HTML body is autoescaped (a display name cannot inject markup: ``safe`` is not offered
  and ``{% autoescape %}`` blocks are refused); the subject and the text body are plain text,
  escaping them would corrupt them;
- no globals (no ``range``), a short list of filters, no macros, blocks, block assignments or
  filter blocks, loops nested at most two deep and never recursive;
- every render gets its own deep copy of the variables, so a template cannot change the values
  the next render sees, and its output is counted while it is produced.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, meta, nodes

from lms.auth.adapters.templates.limits import TemplateLimits, check_deadline, time_limit
from lms.auth.adapters.templates.sandbox import EmailSandbox
from lms.auth.domain.templates import InvalidTemplate, RenderedEmail, TemplateContent

PARTS = ("subject", "text_body", "html_body")
_MAX_LOOP_DEPTH = 2
# Their output is collected in a buffer that the output count does not see, or they recurse,
# or (autoescape) they turn escaping off.
_REFUSED: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Macro, "macros"),
    (nodes.CallBlock, "macros"),
    (nodes.Block, "blocks"),
    (nodes.AssignBlock, "block assignments ({% set x %}...{% endset %})"),
    (nodes.FilterBlock, "filter blocks"),
    (nodes.EvalContextModifier, "autoescape blocks"),
)
# Raised while rendering by a refused operation or a bad value; SecurityError and
# UndefinedError are TemplateErrors. RecursionError: nesting deeper than the parser allows.
_RENDER_ERRORS = (
    TemplateError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
    RecursionError,
)


def _refuse_costly_structure(template: nodes.Template, part: str) -> None:
    for kind, what in _REFUSED:
        for node in template.find_all(kind):
            raise InvalidTemplate(f"{part}: {what} are not allowed", part=part, line=node.lineno)

    def walk(node: nodes.Node, depth: int) -> None:
        if isinstance(node, nodes.For):
            if node.recursive:
                raise InvalidTemplate(
                    f"{part}: recursive loops are not allowed", part=part, line=node.lineno
                )
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


def _first_line(parsed: nodes.Template, names: frozenset[str]) -> int | None:
    lines = [
        node.lineno
        for node in parsed.find_all(nodes.Name)
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


def assemble(parts: Mapping[str, str]) -> RenderedEmail:
    subject = " ".join(parts["subject"].split())  # one line, whatever the template did
    return RenderedEmail(
        subject=subject, text_body=parts["text_body"], html_body=parts["html_body"]
    )


class JinjaTemplateRenderer:
    def __init__(self, limits: TemplateLimits | None = None) -> None:
        self.limits = limits or TemplateLimits()
        self._html = EmailSandbox(autoescape=True, limits=self.limits)
        self._text = EmailSandbox(autoescape=False, limits=self.limits)

    def _environment(self, part: str) -> EmailSandbox:
        return self._html if part == "html_body" else self._text

    def check(self, content: TemplateContent, allowed: frozenset[str]) -> None:
        with time_limit(self.limits.timeout_seconds):
            for part in PARTS:
                self.check_part(part, getattr(content, part), allowed)

    def render(self, content: TemplateContent, variables: Mapping[str, Any]) -> RenderedEmail:
        with time_limit(self.limits.timeout_seconds):
            return assemble(
                {part: self.render_part(part, getattr(content, part), variables) for part in PARTS}
            )

    def check_part(self, part: str, source: str, allowed: frozenset[str]) -> None:
        """Raises ``InvalidTemplate`` for a syntax error, a refused construct or a variable
        outside ``allowed``. Call it inside ``time_limit``: compiling folds constants, which
        runs filters."""
        parsed = self._parse(part, source)
        try:
            # Compiling also catches unknown filters and tests, which parsing alone does not.
            self._environment(part).from_string(parsed)
        except _RENDER_ERRORS as exc:
            raise self._invalid(part, exc) from exc
        unknown = frozenset(meta.find_undeclared_variables(parsed)) - allowed
        if unknown:
            raise InvalidTemplate(
                f"{part}: unknown variables {', '.join(sorted(unknown))}; "
                f"this kind offers {', '.join(sorted(allowed))}",
                part=part,
                line=_first_line(parsed, unknown),
            )

    def render_part(self, part: str, source: str, variables: Mapping[str, Any]) -> str:
        """The refusals of ``check_part`` apply here too: a template written before a rule was
        added is held to it when it is sent. Call it inside ``time_limit``."""
        parsed = self._parse(part, source)
        own = copy.deepcopy(dict(variables))
        try:
            return self._collect(part, self._environment(part).from_string(parsed).generate(own))
        except _RENDER_ERRORS as exc:
            raise self._invalid(part, exc) from exc
        except MemoryError as exc:
            raise InvalidTemplate(
                f"{part}: rendering needs more memory than allowed", part=part, line=None
            ) from exc

    def _parse(self, part: str, source: str) -> nodes.Template:
        try:
            parsed = self._environment(part).parse(source)
        except TemplateSyntaxError as exc:
            raise InvalidTemplate(
                f"{part}: {exc.message or 'syntax error'}", part=part, line=exc.lineno
            ) from exc
        except RecursionError as exc:
            raise InvalidTemplate(f"{part}: nested too deeply", part=part, line=None) from exc
        _refuse_costly_structure(parsed, part)
        return parsed

    def _collect(self, part: str, chunks: Iterator[str]) -> str:
        limit, size, collected = self.limits.max_output_chars, 0, []
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise InvalidTemplate(
                    f"{part}: renders to more than {limit} characters", part=part, line=None
                )
            check_deadline(self.limits.timeout_seconds)
            collected.append(chunk)
        return "".join(collected)

    @staticmethod
    def _invalid(part: str, exc: Exception) -> InvalidTemplate:
        if isinstance(exc, TemplateSyntaxError):
            return InvalidTemplate(
                f"{part}: {exc.message or 'syntax error'}", part=part, line=exc.lineno
            )
        if isinstance(exc, RecursionError):
            return InvalidTemplate(f"{part}: nested too deeply", part=part, line=None)
        return InvalidTemplate(f"{part}: {exc}", part=part, line=_template_line(exc.__traceback__))
