"""Text rules that more than one service checks, written once as regular expressions.

Each pattern is checked with ``re.fullmatch`` by the domain and published as is in the
OpenAPI schema, so it must read the same in Python and in JSON Schema (ECMA-262): no ``\\s``,
``\\d`` or ``\\w`` (their sets differ between the two), and ``$`` only under ``fullmatch``.
"""

from __future__ import annotations

# What str.isspace() (and Python's \s) calls whitespace, spelt out.
SPACE = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# Contains something that is not whitespace (a name that survives str.strip()).
NOT_BLANK_PATTERN = f"[^{SPACE}]"
# local@domain.tld, no whitespace, no "..", a TLD of two or more characters.
EMAIL_PATTERN = rf"^[^@{SPACE}]{{1,64}}@(?!.*\.\.)[^@{SPACE}.][^@{SPACE}]*\.[^@{SPACE}.]{{2,}}$"
