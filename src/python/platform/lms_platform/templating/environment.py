"""The jinja2 environment templates render in. Authors are college admins and some values come
from end users, so on top of jinja2's immutable sandbox (no ``__class__`` tricks, no
``list.append``):

- every way a template builds a value goes through a hook that counts the result's size
  *before* building it: ``+``, ``*`` and ``~``, the filters, method calls, and each printed
  value; ``**`` and ``%`` on strings are refused;
- strings offer only methods whose result is no bigger than their input, plus ``replace`` and
  ``join``, which are sized first; ``format``, ``center`` and their like take a width and are not
  offered;
- every hook checks the render's deadline (``limits.time_limit``).

This bounds time and memory only as far as the hooks see; the worker process around a render
(``worker.py``) is what bounds them for real.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from jinja2 import StrictUndefined, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from lms_platform.templating.limits import (
    LimitExceeded,
    TemplateLimits,
    check_deadline,
    rendered_size,
)

ALLOWED_FILTERS = frozenset(
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
_TESTS = ("defined", "undefined", "none", "number", "string")
# Results at most a small multiple of the input (case changes can turn one letter into three).
_STR_METHODS = frozenset(
    {
        "capitalize",
        "casefold",
        "count",
        "endswith",
        "find",
        "index",
        "isalnum",
        "isalpha",
        "isascii",
        "isdecimal",
        "isdigit",
        "islower",
        "isnumeric",
        "isspace",
        "istitle",
        "isupper",
        "join",
        "lower",
        "lstrip",
        "partition",
        "removeprefix",
        "removesuffix",
        "replace",
        "rfind",
        "rindex",
        "rpartition",
        "rsplit",
        "rstrip",
        "split",
        "splitlines",
        "startswith",
        "strip",
        "swapcase",
        "title",
        "upper",
    }
)
_MAX_INT_BITS = 1024  # ints far beyond any count an email needs; squaring grows them fast


def _replace_size(text: Any, old: Any, new: Any, count: Any) -> int:
    text, old, new = str(text), str(old), str(new)
    found = len(text) + 1 if not old else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(0, len(new) - len(old))


def _join_size(separator: Any, items: Any, limit: int) -> int:
    listed = list(items)
    return rendered_size(listed, limit) + len(str(separator)) * max(0, len(listed) - 1)


class _SizedConcat(CodeGenerator):
    """``a ~ b`` compiles to a plain join; route it through the environment to size it."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802 (jinja2's name)
        self.write("environment.call_concat(context, (")
        for argument in node.nodes:
            self.visit(argument, frame)
            self.write(", ")
        self.write("))")


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    code_generator_class = _SizedConcat
    intercepted_binops = frozenset({"+", "*", "%", "**"})

    def __init__(self, *, autoescape: bool, limits: TemplateLimits) -> None:
        super().__init__(autoescape=autoescape, undefined=StrictUndefined, auto_reload=False)
        self.limits = limits
        self.globals.clear()
        self.filters = {
            name: self._sized_filter(name, self.filters[name]) for name in ALLOWED_FILTERS
        }
        self.tests = {name: self.tests[name] for name in _TESTS}
        self.finalize = self._printable

    # --- sizes ------------------------------------------------------------------------------

    def _tick(self) -> None:
        check_deadline(self.limits.timeout_seconds)

    def _refuse_over(self, size: int) -> None:
        if size > self.limits.max_value_chars:
            raise LimitExceeded(
                f"a value longer than {self.limits.max_value_chars} characters is not allowed"
            )

    def _sized(self, value: Any) -> Any:
        self._refuse_over(rendered_size(value, self.limits.max_value_chars))
        return value

    def _printable(self, value: Any) -> Any:
        self._tick()
        return self._sized(value)

    # --- hooks ------------------------------------------------------------------------------

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self._tick()
        limit = self.limits.max_value_chars
        if operator == "**":
            raise SecurityError("the ** operator is not allowed")
        if operator == "%" and isinstance(left, str):
            raise SecurityError("% formatting is not allowed; use ~")
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                if isinstance(sequence, (str, list, tuple)) and isinstance(count, int):
                    self._refuse_over(rendered_size(sequence, limit) * max(count, 0))
            integers = isinstance(left, int) and isinstance(right, int)
            if integers and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise LimitExceeded(f"numbers beyond {_MAX_INT_BITS} bits are not allowed")
        if operator == "+" and all(isinstance(side, (str, list, tuple)) for side in (left, right)):
            self._refuse_over(rendered_size(left, limit) + rendered_size(right, limit))
        return self._sized(self.binop_table[operator](left, right))

    def call_concat(self, context: Context, values: tuple[Any, ...]) -> str:
        self._tick()
        limit = self.limits.max_value_chars
        self._refuse_over(sum(rendered_size(value, limit) for value in values))
        joined: str = (markup_join if context.eval_ctx.autoescape else str_join)(values)
        return self._sized(joined)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr not in _STR_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        return None  # str.format is not offered (is_safe_attribute): widths build any size

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        # Positional-only: a template may pass keywords named "context" or "obj".
        self._tick()
        for argument in (*args, *kwargs.values()):
            self._sized(argument)
        owner = getattr(obj, "__self__", None)
        if isinstance(owner, str):
            name = getattr(obj, "__name__", "")
            if name == "replace" and len(args) >= 2:
                count = args[2] if len(args) > 2 else -1
                self._refuse_over(_replace_size(owner, args[0], args[1], count))
            elif name == "join" and args:
                self._refuse_over(_join_size(owner, args[0], self.limits.max_value_chars))
        return self._sized(super().call(context, obj, *args, **kwargs))

    def _sized_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(function)
        skip = 1 if hasattr(function, "jinja_pass_arg") else 0  # the context jinja2 passes

        @functools.wraps(function)
        def sized(*args: Any, **kwargs: Any) -> Any:
            self._tick()
            for argument in (*args[skip:], *kwargs.values()):
                self._sized(argument)
            given = signature.bind(*args, **kwargs).arguments
            if name == "replace":
                self._refuse_over(
                    _replace_size(given["s"], given["old"], given["new"], given.get("count"))
                )
            elif name == "join":
                if given.get("attribute") is not None:
                    raise SecurityError("join(attribute=...) is not offered")
                self._refuse_over(
                    _join_size(given.get("d", ""), given["value"], self.limits.max_value_chars)
                )
            return self._sized(function(*args, **kwargs))

        return sized
