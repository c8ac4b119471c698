"""A model of how Kong 3 (traditional_compatible router) matches requests to routes in a
declarative config, and which plugins then run. Only what kong.yml uses is modelled: methods,
prefix and `~` regex paths, strip_path, and global, service and route plugins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse


@dataclass(frozen=True)
class Route:
    name: str
    service: str
    methods: frozenset[str]
    paths: tuple[str, ...]
    strip_path: bool
    service_path: str
    plugins: frozenset[str]

    def matched_prefix(self, path: str) -> str | None:
        """The part of ``path`` this route matches (Kong anchors regexes at the start)."""
        for candidate in self.paths:
            if candidate.startswith("~"):
                match = re.match(candidate[1:], path)
                if match:
                    return match.group(0)
            elif path.startswith(candidate):
                return candidate
        return None

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and self.matched_prefix(
            path
        ) is not None

    def upstream_path(self, path: str) -> str:
        prefix = self.matched_prefix(path)
        assert prefix is not None
        rest = path[len(prefix) :] if self.strip_path else path
        return (self.service_path.rstrip("/") + "/" + rest.lstrip("/")).rstrip("/") or "/"


def _enabled_names(plugins: list[dict[str, Any]]) -> set[str]:
    return {p["name"] for p in plugins if p.get("enabled", True)}


def routes(config: dict[str, Any]) -> list[Route]:
    top_level = config.get("plugins", [])
    global_plugins = _enabled_names(
        [p for p in top_level if not {"service", "route", "consumer", "consumer_group"} & p.keys()]
    )
    table = []
    for service in config.get("services", []):
        service_plugins = _enabled_names(service.get("plugins", []))
        service_plugins |= _enabled_names(
            [p for p in top_level if p.get("service") == service["name"]]
        )
        service_path = (
            urlparse(service["url"]).path if "url" in service else service.get("path", "")
        )
        for route in service.get("routes", []):
            route_plugins = _enabled_names(route.get("plugins", []))
            route_plugins |= _enabled_names(
                [p for p in top_level if p.get("route") == route["name"]]
            )
            table.append(
                Route(
                    name=route["name"],
                    service=service["name"],
                    methods=frozenset(route.get("methods", [])),
                    paths=tuple(route.get("paths", [])),
                    strip_path=route.get("strip_path", True),
                    service_path=service_path or "/",
                    plugins=frozenset(global_plugins | service_plugins | route_plugins),
                )
            )
    return table


def matching(table: list[Route], method: str, path: str) -> list[Route]:
    return [route for route in table if route.matches(method, path)]
