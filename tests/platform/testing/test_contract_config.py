"""The contract runner's schemathesis configuration: what each allowance and status widens."""

from __future__ import annotations

import tomllib

import pytest

from lms_platform.testing.contract import Allowance, config_text


def test_allowances_widen_one_check_on_the_operations_they_name_only() -> None:
    allowance = Allowance(
        "positive_data_acceptance", (422,), r"^POST /auth/password$", "the current password"
    )
    config = tomllib.loads(config_text((412,), [allowance]))
    assert config["cache"] == {"enabled": False}
    accepted = config["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert "412" in accepted and "413" in accepted and "422" not in accepted
    rejected = config["checks"]["negative_data_rejection"]["expected-statuses"]
    assert "412" in rejected and "413" not in rejected
    [operation] = config["operations"]
    assert operation["include-name-regex"] == r"^POST /auth/password$"
    widened = operation["checks"]["positive_data_acceptance"]["expected-statuses"]
    assert widened == [*accepted, "422"]


def test_an_allowance_is_only_for_the_two_status_checks() -> None:
    with pytest.raises(ValueError, match="an allowance is for one of"):
        config_text((), [Allowance("not_a_server_error", (500,), ".*", "never")])
