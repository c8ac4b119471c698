"""A sandbox for templates users write (college admins' emails and messages): jinja2 held to
limits on what a template may contain, on the size of every value it builds, and, in worker
processes, on memory and CPU time that the kernel enforces. See README.md.

- ``TemplateSandbox``: ``check(parts, allowed)`` and ``render(parts, variables)`` in worker
  processes; for every template a user wrote. Close it with ``aclose``.
- ``TemplateEngine``: the same engine in this process (sync), for the templates a service ships.
- ``TemplateRefused``: what both raise, with the ``part`` and ``line`` to blame.

An adapter-level library: a service's domain and application keep their own port and error, and
the adapter translates.
"""

from lms_platform.templating.engine import HTML_PARTS, TemplateEngine
from lms_platform.templating.limits import TemplateLimits, TemplateRefused
from lms_platform.templating.pool import TemplateSandbox

__all__ = ["HTML_PARTS", "TemplateEngine", "TemplateLimits", "TemplateRefused", "TemplateSandbox"]
