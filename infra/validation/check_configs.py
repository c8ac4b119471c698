#!/usr/bin/env python3
"""Checks of deployment configs that no off-the-shelf linter covers. Called by infra/validate.

    check_configs.py kong KONG_YML SCHEMA_JSON RENDER_SCRIPT
    check_configs.py dashboards DASHBOARD_DIR DATASOURCES_YAML PROMETHEUS_URL
    check_configs.py otel COLLECTOR_YAML
    check_configs.py runbooks ALERTS_YML RUNBOOK_MD

Each prints one line per problem and exits 1 if there was any.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import yaml

PEM_MARKER = re.compile(r'"@file:(/[^"]+)"')


def kong_schema_errors(config: Any, schema: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft4Validator(schema)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    ]


def check_kong(kong_yml: Path, schema_json: Path, render_script: Path) -> list[str]:
    schema = json.loads(schema_json.read_text())
    template = kong_yml.read_text()
    problems = [f"{kong_yml}: {e}" for e in kong_schema_errors(yaml.safe_load(template), schema)]

    # Render the way the kong container does, with a throwaway key, and check the result too.
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        markers = PEM_MARKER.findall(template)
        if not markers:
            problems.append(
                f'{kong_yml}: no rsa_public_key "@file:..." marker; the JWT key would be committed'
            )
        for path in markers:
            local = tmp_dir / Path(path).name
            subprocess.run(
                [
                    "openssl",
                    "genpkey",
                    "-algorithm",
                    "RSA",
                    "-pkeyopt",
                    "rsa_keygen_bits:2048",
                    "-out",
                    f"{local}.key",
                ],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                ["openssl", "pkey", "-in", f"{local}.key", "-pubout", "-out", str(local)],
                check=True,
            )
            template = template.replace(f"@file:{path}", f"@file:{local}")
        (tmp_dir / "template.yml").write_text(template)
        rendered_path = tmp_dir / "rendered.yml"
        result = subprocess.run(
            ["sh", str(render_script), str(tmp_dir / "template.yml"), str(rendered_path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            return [*problems, f"{render_script}: failed: {result.stderr.strip()}"]
        rendered = yaml.safe_load(rendered_path.read_text())
        problems += [f"rendered {kong_yml}: {e}" for e in kong_schema_errors(rendered, schema)]
        for consumer in rendered.get("consumers", []):
            for secret in consumer.get("jwt_secrets", []):
                pem = secret.get("rsa_public_key", "")
                check = subprocess.run(
                    ["openssl", "pkey", "-pubin", "-noout"],
                    input=pem,
                    capture_output=True,
                    text=True,
                )
                if check.returncode != 0:
                    problems.append(
                        f"rendered {kong_yml}: jwt_secret {secret.get('key')}: not a PEM public key"
                    )
    return problems


# Grafana's built-in interval variables, replaced by a fixed duration so the query can be parsed.
GRAFANA_DURATIONS = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h"}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


def expand_variables(expr: str, variables: set[str]) -> tuple[str, list[str]]:
    unknown: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        if name in GRAFANA_DURATIONS:
            return GRAFANA_DURATIONS[name]
        if name in variables:
            return ".+"  # every query variable here is a label matcher with regex values
        unknown.append(name)
        return match.group(0)

    return VARIABLE.sub(substitute, expr), unknown


def iter_panels(panels: list[dict[str, Any]]) -> Any:
    for panel in panels:
        yield panel
        yield from iter_panels(panel.get("panels", []))


def prometheus_parse_error(prometheus_url: str, expr: str) -> str | None:
    query = urllib.parse.urlencode({"query": expr})
    try:
        with urllib.request.urlopen(
            f"{prometheus_url}/api/v1/query?{query}", timeout=10
        ) as response:
            body = json.load(response)
    except urllib.error.HTTPError as error:
        body = json.load(error)
    return (
        None if body.get("status") == "success" else f"{body.get('errorType')}: {body.get('error')}"
    )


def check_dashboards(dashboard_dir: Path, datasources_yaml: Path, prometheus_url: str) -> list[str]:
    provisioned = {ds["uid"] for ds in yaml.safe_load(datasources_yaml.read_text())["datasources"]}
    problems: list[str] = []
    files = sorted(dashboard_dir.glob("*.json"))
    if not files:
        return [f"{dashboard_dir}: no dashboards"]
    uids: set[str] = set()
    queries = 0
    for file in files:
        try:
            dashboard = json.loads(file.read_text())
        except json.JSONDecodeError as error:
            problems.append(f"{file}: invalid JSON: {error}")
            continue
        where = file.name
        for key in ("uid", "title", "schemaVersion", "panels"):
            if key not in dashboard:
                problems.append(f"{where}: missing {key}")
        if dashboard.get("uid") in uids:
            problems.append(f"{where}: uid {dashboard.get('uid')} used twice")
        uids.add(dashboard.get("uid"))
        template_vars = dashboard.get("templating", {}).get("list", [])
        variables = {v["name"] for v in template_vars}
        for var in template_vars:
            if var.get("type") == "datasource":
                current = var.get("current", {}).get("value")
                if current not in provisioned:
                    problems.append(
                        f"{where}: ${var['name']} defaults to {current!r}, not a provisioned data source"
                    )
        panel_ids: set[int] = set()
        for panel in iter_panels(dashboard.get("panels", [])):
            title = f"{where} panel {panel.get('id')} {panel.get('title')!r}"
            if panel.get("id") in panel_ids:
                problems.append(f"{title}: duplicate panel id")
            panel_ids.add(panel.get("id"))
            grid = panel.get("gridPos", {})
            if (
                not all(isinstance(grid.get(k), int) for k in ("h", "w", "x", "y"))
                or grid["x"] + grid["w"] > 24
            ):
                problems.append(f"{title}: gridPos must have integer h, w, x, y within 24 columns")
            if panel.get("type") == "row":
                continue
            targets = panel.get("targets", [])
            if not targets:
                problems.append(f"{title}: no queries")
            ref_ids = [t.get("refId") for t in targets]
            if len(set(ref_ids)) != len(ref_ids):
                problems.append(f"{title}: duplicate refId")
            for target in targets:
                datasource = (target.get("datasource") or panel.get("datasource") or {}).get(
                    "uid", ""
                )
                variable = re.fullmatch(r"\$\{?(\w+)\}?", datasource)
                if datasource not in provisioned and not (
                    variable and variable.group(1) in variables
                ):
                    problems.append(
                        f"{title}: data source {datasource!r} is neither provisioned nor a variable"
                    )
                expr, unknown = expand_variables(target.get("expr", ""), variables)
                if unknown:
                    problems.append(f"{title}: undefined variables {unknown}")
                    continue
                queries += 1
                error = prometheus_parse_error(prometheus_url, expr)
                if error:
                    problems.append(
                        f"{title} {target.get('refId')}: Prometheus rejects the query: {error}"
                    )
    print(f"  {len(files)} dashboard(s), {queries} queries parsed by Prometheus")
    return problems


def check_otel(collector_yaml: Path) -> list[str]:
    config = yaml.safe_load(collector_yaml.read_text())
    problems: list[str] = []
    service = config.get("service", {})
    for extension in service.get("extensions", []):
        if extension not in config.get("extensions", {}):
            problems.append(f"service.extensions: {extension} is not defined")
    pipelines = service.get("pipelines", {})
    if not pipelines:
        problems.append("service.pipelines: none defined")
    used: set[tuple[str, str]] = set()
    for name, pipeline in pipelines.items():
        for kind in ("receivers", "processors", "exporters"):
            for component in pipeline.get(kind, []):
                used.add((kind, component))
                if component not in (config.get(kind) or {}):
                    problems.append(f"pipeline {name}: {kind[:-1]} {component} is not defined")
        if not pipeline.get("receivers") or not pipeline.get("exporters"):
            problems.append(f"pipeline {name}: needs at least one receiver and one exporter")
    for kind in ("receivers", "processors", "exporters"):
        for component in config.get(kind) or {}:
            if (kind, component) not in used:
                problems.append(f"{kind}.{component} is defined but no pipeline uses it")
    return problems


def heading_anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    return {
        re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        for title in re.findall(r"^#{1,6} (.+)$", markdown, re.MULTILINE)
    }


def check_runbooks(alerts_yml: Path, runbook_md: Path) -> list[str]:
    anchors = heading_anchors(runbook_md.read_text())
    rules = [
        r for group in yaml.safe_load(alerts_yml.read_text())["groups"] for r in group["rules"]
    ]
    problems = []
    for rule in rules:
        if "alert" not in rule:
            continue
        link = rule.get("annotations", {}).get("runbook", "")
        path, _, anchor = link.partition("#")
        if not link.endswith(f"#{rule['alert'].lower()}") or not runbook_md.as_posix().endswith(
            path
        ):
            problems.append(
                f"{rule['alert']}: runbook annotation {link!r} does not point at {runbook_md}"
            )
        elif anchor not in anchors:
            problems.append(f"{rule['alert']}: {runbook_md} has no section '{rule['alert']}'")
    if not problems:
        print(f"  {len(rules)} alerts, each with a runbook section")
    return problems


def main(argv: list[str]) -> int:
    commands = {
        "kong": lambda a: check_kong(Path(a[0]), Path(a[1]), Path(a[2])),
        "dashboards": lambda a: check_dashboards(Path(a[0]), Path(a[1]), a[2]),
        "otel": lambda a: check_otel(Path(a[0])),
        "runbooks": lambda a: check_runbooks(Path(a[0]), Path(a[1])),
    }
    if len(argv) < 2 or argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 64
    problems = commands[argv[1]](argv[2:])
    for problem in problems:
        print(f"  {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
