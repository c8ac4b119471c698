"""The template engine: jinja2 in ``environment.SandboxEnvironment``, run in this process.
Templates written by users render through ``pool.TemplateSandbox``, which runs this engine in
worker processes under memory and CPU limits; use this class directly only for templates the
service itself ships, in tests, and in the worker.

A template is a few named parts (an email's ``subject``, ``text_body`` and ``html_body``); the
parts named in ``html_parts`` are autoescaped, the others are plain text (escaping them would
corrupt them).

- ``StrictUndefined`` makes a missing value an error, not an empty string;
- autoescaping cannot be turned off: ``safe`` is not offered and ``{% autoescape %}`` blocks are
  refused, so a display name cannot inject markup;
- no globals (no ``range``), a short list of filters, no macros, blocks, block assignments,
  filter blocks, includes, imports or inheritance, loops nested at most two deep and never
  recursive;
- every render gets its own deep copy of the variables, so a template cannot change the values
  the next render sees, and its output is counted while it is produced.
"""

from __future__ import annotations

import copy
import types
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError, meta, nodes

from lms_platform.templating.environment import SandboxEnvironment
from lms_platform.templating.limits import (
    TemplateLimits,
    TemplateRefused,
    check_deadline,
    time_limit,
)

HTML_PARTS = frozenset({"html_body"})
_MAX_LOOP_DEPTH = 2
_CACHE_SIZE = 64  # compiled parts kept: a batch renders the same template many times
# Their output is collected in a buffer that the output count does not see, or they recurse,
# or (autoescape) they turn escaping off, or (includes, imports) they reach other templates.
_REFUSED: tuple[tuple[type[nodes.Node], str], ...] = (
    (nodes.Macro, "macros"),
    (nodes.CallBlock, "macros"),
    (nodes.Block, "blocks"),
    (nodes.AssignBlock, "block assignments ({% set x %}...{% endset %})"),
    (nodes.FilterBlock, "filter blocks"),
    (nodes.EvalContextModifier, "autoescape blocks"),
    (nodes.Extends, "extends tags"),
    (nodes.Include, "includes"),
    (nodes.Import, "imports"),
    (nodes.FromImport, "imports"),
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
            raise TemplateRefused(f"{part}: {what} are not allowed", part=part, line=node.lineno)

    def walk(node: nodes.Node, depth: int) -> None:
        if isinstance(node, nodes.For):
            if node.recursive:
                raise TemplateRefused(
                    f"{part}: recursive loops are not allowed", part=part, line=node.lineno
                )
            depth += 1
            if depth > _MAX_LOOP_DEPTH:
                raise TemplateRefused(
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


class TemplateEngine:
    def __init__(
        self, limits: TemplateLimits | None = None, *, html_parts: frozenset[str] = HTML_PARTS
    ) -> None:
        self.limits = limits or TemplateLimits()
        self.html_parts = html_parts
        self._html = SandboxEnvironment(autoescape=True, limits=self.limits)
        self._text = SandboxEnvironment(autoescape=False, limits=self.limits)
        self._compiled: OrderedDict[tuple[str, str], Template] = OrderedDict()

    def _environment(self, part: str) -> SandboxEnvironment:
        return self._html if part in self.html_parts else self._text

    def check(self, parts: Mapping[str, str], allowed: frozenset[str]) -> None:
        with time_limit(self.limits.timeout_seconds):
            for part, source in parts.items():
                self.check_part(part, source, allowed)

    def render(self, parts: Mapping[str, str], variables: Mapping[str, Any]) -> dict[str, str]:
        with time_limit(self.limits.timeout_seconds):
            return {
                part: self.render_part(part, source, variables) for part, source in parts.items()
            }

    def check_part(self, part: str, source: str, allowed: frozenset[str]) -> None:
        """Raises ``TemplateRefused`` for a syntax error, a refused construct or a variable
        outside ``allowed``. Call it inside ``time_limit``: compiling folds constants, which
        runs filters."""
        parsed = self._parse(part, source)
        try:
            # Compiling also catches unknown filters and tests, which parsing alone does not.
            self._environment(part).from_string(parsed)
        except _RENDER_ERRORS as exc:
            raise self._refused(part, exc) from exc
        unknown = frozenset(meta.find_undeclared_variables(parsed)) - allowed
        if unknown:
            raise TemplateRefused(
                f"{part}: unknown variables {', '.join(sorted(unknown))}; "
                f"this template offers {', '.join(sorted(allowed))}",
                part=part,
                line=_first_line(parsed, unknown),
            )

    def render_part(self, part: str, source: str, variables: Mapping[str, Any]) -> str:
        """The refusals of ``check_part`` apply here too: a template written before a rule was
        added is held to it when it is sent. Call it inside ``time_limit``."""
        template = self._compile(part, source)
        own = copy.deepcopy(dict(variables))
        try:
            return self._collect(part, template.generate(own))
        except _RENDER_ERRORS as exc:
            raise self._refused(part, exc) from exc
        except MemoryError as exc:
            raise TemplateRefused(
                f"{part}: rendering needs more memory than allowed", part=part, line=None
            ) from exc

    def _compile(self, part: str, source: str) -> Template:
        key = (part, source)
        template = self._compiled.get(key)
        if template is not None:
            self._compiled.move_to_end(key)
            return template
        parsed = self._parse(part, source)
        try:
            template = self._environment(part).from_string(parsed)
        except _RENDER_ERRORS as exc:
            raise self._refused(part, exc) from exc
        self._compiled[key] = template
        if len(self._compiled) > _CACHE_SIZE:
            self._compiled.popitem(last=False)
        return template

    def _parse(self, part: str, source: str) -> nodes.Template:
        try:
            parsed = self._environment(part).parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateRefused(
                f"{part}: {exc.message or 'syntax error'}", part=part, line=exc.lineno
            ) from exc
        except RecursionError as exc:
            raise TemplateRefused(f"{part}: nested too deeply", part=part, line=None) from exc
        _refuse_costly_structure(parsed, part)
        return parsed

    def _collect(self, part: str, chunks: Iterator[str]) -> str:
        limit, size, collected = self.limits.max_output_chars, 0, []
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise TemplateRefused(
                    f"{part}: renders to more than {limit} characters", part=part, line=None
                )
            check_deadline(self.limits.timeout_seconds)
            collected.append(chunk)
        return "".join(collected)

    @staticmethod
    def _refused(part: str, exc: Exception) -> TemplateRefused:
        if isinstance(exc, TemplateSyntaxError):
            return TemplateRefused(
                f"{part}: {exc.message or 'syntax error'}", part=part, line=exc.lineno
            )
        if isinstance(exc, RecursionError):
            return TemplateRefused(f"{part}: nested too deeply", part=part, line=None)
        return TemplateRefused(f"{part}: {exc}", part=part, line=_template_line(exc.__traceback__))
