"""The profile aggregate's rules: what a valid profile is, and how it changes."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from lms.user.domain.model import (
    EDITABLE_FIELDS,
    MAX_BIO,
    MAX_DISPLAY_NAME,
    MAX_URL,
    AccountStamp,
    DigestFrequency,
    Preferences,
    ProfileStatus,
    Theme,
    check_roles,
    normalize_email,
    preferences_with,
)
from lms_platform.kernel.errors import InvalidInput
from tests.user.unit.fakes import T0, make_profile

LATER = T0 + timedelta(minutes=5)


def _invalid_field(excinfo: pytest.ExceptionInfo[InvalidInput]) -> str | None:
    return excinfo.value.field


# -- email


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("ada@example.edu", "ada@example.edu"),
        ("  Ada.Lovelace@Example.EDU \n", "ada.lovelace@example.edu"),
        ("first+tag@sub.college.ac.uk", "first+tag@sub.college.ac.uk"),
    ],
)
def test_email_is_trimmed_and_lowercased(raw: str, normalized: str) -> None:
    assert normalize_email(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "no-at-sign.example.edu",
        "two@@example.edu",
        "a@b@example.edu",
        "@example.edu",
        "ada@",
        "ada@localhost",  # no dot in the domain
        "ada@example.c",  # one-letter top-level domain
        "ada lovelace@example.edu",
        "ada@exa mple.edu",
        "x" * 65 + "@example.edu",  # local part over 64
        "ada@" + "d" * 250 + ".edu",  # whole address over 254
    ],
)
def test_invalid_email_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        normalize_email(raw)
    assert excinfo.value.field == "email"
    assert excinfo.value.extra == {"field": "email"}


def test_email_of_exactly_254_characters_is_accepted() -> None:
    address = "a" * 64 + "@" + "d" * (254 - 64 - 1 - 4) + ".edu"
    assert len(address) == 254
    assert normalize_email(address) == address


def test_create_normalizes_email() -> None:
    assert make_profile(email=" Grace@Navy.MIL ").email == "grace@navy.mil"


# -- display name


def test_display_name_is_trimmed() -> None:
    assert make_profile(display_name="  Ada  ").display_name == "Ada"


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "x" * (MAX_DISPLAY_NAME + 1)])
def test_empty_or_too_long_display_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        make_profile(display_name=name)
    assert _invalid_field(excinfo) == "display_name"


def test_display_name_at_the_limit_and_unicode_are_accepted() -> None:
    assert make_profile(display_name="x" * MAX_DISPLAY_NAME).display_name == "x" * MAX_DISPLAY_NAME
    assert make_profile(display_name="Đặng Thị Mỹ 李").display_name == "Đặng Thị Mỹ 李"


# -- avatar url


@pytest.mark.parametrize(
    "url", ["https://cdn.example.edu/a.png", "http://intranet.example.edu/a.png"]
)
def test_http_and_https_avatar_urls_are_accepted(url: str) -> None:
    assert make_profile(avatar_url=url).avatar_url == url


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_avatar_url_is_stored_as_none(empty: str | None) -> None:
    assert make_profile(avatar_url=empty).avatar_url is None


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.edu/a.png",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//cdn.example.edu/a.png",
        "cdn.example.edu/a.png",
        "https://example.edu/" + "a" * MAX_URL,
    ],
)
def test_non_http_or_oversized_avatar_url_is_refused(url: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        make_profile(avatar_url=url)
    assert _invalid_field(excinfo) == "avatar_url"


def test_avatar_url_at_the_length_limit_is_accepted() -> None:
    url = "https://example.edu/" + "a" * (MAX_URL - len("https://example.edu/"))
    assert len(url) == MAX_URL
    assert make_profile(avatar_url=url).avatar_url == url


# -- bio


def test_bio_up_to_the_limit_is_kept_verbatim() -> None:
    bio = " Teaches analysis.\n" + "b" * (MAX_BIO - 19)
    assert len(bio) == MAX_BIO
    assert make_profile(bio=bio).bio == bio


def test_bio_over_the_limit_is_refused() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        make_profile(bio="b" * (MAX_BIO + 1))
    assert _invalid_field(excinfo) == "bio"


# -- timezone


@pytest.mark.parametrize(
    "zone", ["UTC", "Asia/Kolkata", "America/Argentina/Buenos_Aires", "Europe/London"]
)
def test_iana_timezones_are_accepted(zone: str) -> None:
    assert make_profile(timezone=zone).timezone == zone


@pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons", "asia/kolkata", "IST", "+05:30", "UTC "])
def test_unknown_timezone_is_refused(zone: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        make_profile(timezone=zone)
    assert _invalid_field(excinfo) == "timezone"


# -- locale


@pytest.mark.parametrize("tag", ["en", "fil", "pt-BR", "es-419", "zh-Hant", "zh-Hant-TW"])
def test_bcp47_locales_are_accepted(tag: str) -> None:
    assert make_profile(locale=tag).locale == tag


@pytest.mark.parametrize(
    "tag", ["", "e", "english", "EN", "en_US", "en-us", "pt-br", "zh-hant", "en-US-", "en-U", "12"]
)
def test_malformed_locale_is_refused(tag: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        make_profile(locale=tag)
    assert _invalid_field(excinfo) == "locale"


# -- roles


def test_roles_are_deduplicated_and_sorted() -> None:
    assert check_roles(("student", "instructor", "student")) == ("instructor", "student")
    assert make_profile(roles=("teaching_assistant", "college_admin")).roles == (
        "college_admin",
        "teaching_assistant",
    )


def test_no_roles_is_allowed() -> None:
    assert make_profile(roles=()).roles == ()


def test_unknown_roles_are_refused_and_named() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        check_roles(("student", "wizard", "dean"))
    assert excinfo.value.field == "roles"
    assert "dean, wizard" in excinfo.value.detail


def test_account_roles_report_whether_anything_changed() -> None:
    profile = make_profile(roles=("student",))
    assert (
        profile.apply_account({"roles": ("student", "student")}, AccountStamp(LATER), LATER) == []
    )
    assert profile.version == 1
    assert profile.apply_account(
        {"roles": ("teaching_assistant", "student")}, AccountStamp(LATER), LATER
    ) == ["roles"]
    assert profile.roles == ("student", "teaching_assistant")
    assert (profile.version, profile.updated_at) == (2, LATER)


def test_account_roles_refuse_unknown_roles_without_changing_anything() -> None:
    profile = make_profile(roles=("student",))
    with pytest.raises(InvalidInput):
        profile.apply_account(
            {"roles": ("root",), "email": "new@example.edu"}, AccountStamp(LATER), LATER
        )
    assert (profile.roles, profile.email, profile.version) == (("student",), "ada@example.edu", 1)
    assert profile.account_field_times == {}


def test_account_fields_are_ordered_one_by_one_by_event_time() -> None:
    profile = make_profile(email="a@example.edu")
    t1, t2 = LATER, LATER + timedelta(seconds=1)
    assert profile.apply_account({"email": "newer@example.edu"}, AccountStamp(t2), LATER) == [
        "email"
    ]
    changed = profile.apply_account(
        {"email": "older@example.edu", "display_name": "Older"}, AccountStamp(t1), LATER
    )
    assert changed == ["display_name"]  # the email was set by a newer event; the name was not
    assert (profile.email, profile.display_name) == ("newer@example.edu", "Older")
    assert profile.account_field_times == {"email": t2, "display_name": t1}


def test_account_versions_order_the_fields_whatever_the_times_say() -> None:
    """Auth's clocks may disagree: version 3 stamped a second before version 2 still wins."""
    profile = make_profile(email="a@example.edu")
    early, late = LATER, LATER + timedelta(seconds=1)
    assert profile.apply_account({"email": "v3@example.edu"}, AccountStamp(early, 3), LATER) == [
        "email"
    ]
    assert profile.apply_account({"email": "v2@example.edu"}, AccountStamp(late, 2), LATER) == []
    assert profile.email == "v3@example.edu"
    assert profile.account_field_versions == {"email": 3}
    assert profile.account_field_times == {"email": early}


def test_without_a_version_on_either_side_the_time_decides() -> None:
    profile = make_profile(email="a@example.edu")
    t1, t2 = LATER, LATER + timedelta(seconds=1)
    profile.apply_account({"email": "unversioned@example.edu"}, AccountStamp(t2), LATER)
    # The field's last event had no version: an older-timed versioned event loses on time.
    assert profile.apply_account({"email": "v9@example.edu"}, AccountStamp(t1, 9), LATER) == []
    # A versioned field against an unversioned replay: time again.
    profile.apply_account({"display_name": "V5"}, AccountStamp(t2, 5), LATER)
    assert profile.apply_account({"display_name": "Old"}, AccountStamp(t1), LATER) == []
    assert (profile.email, profile.display_name) == ("unversioned@example.edu", "V5")


def test_an_account_event_of_the_same_time_applies_in_arrival_order() -> None:
    profile = make_profile()
    profile.apply_account({"status": ProfileStatus.DEACTIVATED}, AccountStamp(LATER), LATER)
    assert profile.apply_account({"status": ProfileStatus.ACTIVE}, AccountStamp(LATER), LATER) == [
        "status"
    ]
    assert profile.status is ProfileStatus.ACTIVE


def test_a_cleared_account_name_becomes_the_email_local_part() -> None:
    profile = make_profile(email="ada@example.edu")
    changed = profile.apply_account(
        {"display_name": None, "email": "k@x.edu"}, AccountStamp(LATER), LATER
    )
    assert sorted(changed) == ["display_name", "email"]
    assert profile.display_name == "k"


def test_a_deleted_profile_takes_no_account_changes() -> None:
    profile = make_profile()
    profile.delete(LATER)
    assert profile.apply_account({"email": "x@example.edu"}, AccountStamp(LATER), LATER) == []
    assert profile.email == "ada@example.edu"


def test_only_account_fields_come_from_account_events() -> None:
    with pytest.raises(InvalidInput):
        make_profile().apply_account({"bio": "hi"}, AccountStamp(LATER), LATER)
    with pytest.raises(InvalidInput):
        make_profile().apply_account({"status": ProfileStatus.DELETED}, AccountStamp(LATER), LATER)


# -- creation defaults


def test_new_profile_starts_active_at_version_one_with_defaults() -> None:
    profile = make_profile(id=UUID(int=7))
    assert profile.id == UUID(int=7)
    assert profile.status is ProfileStatus.ACTIVE
    assert not profile.is_deleted
    assert profile.version == 1
    assert profile.created_at == profile.updated_at == T0
    assert profile.deleted_at is None
    assert (profile.timezone, profile.locale, profile.avatar_url, profile.bio) == (
        "UTC",
        "en",
        None,
        None,
    )
    assert profile.preferences == Preferences()


# -- apply_changes


def test_editable_fields_are_exactly_the_profile_details() -> None:
    assert set(EDITABLE_FIELDS) == {"display_name", "avatar_url", "bio", "timezone", "locale"}


def test_apply_changes_returns_only_fields_that_really_changed_and_bumps_version_once() -> None:
    profile = make_profile(display_name="Ada", timezone="UTC")
    changed = profile.apply_changes(
        {"display_name": "  Ada ", "timezone": "Europe/London", "bio": "Analyst", "locale": "en"},
        LATER,
    )
    assert sorted(changed) == ["bio", "timezone"]
    assert (profile.display_name, profile.timezone, profile.bio) == (
        "Ada",
        "Europe/London",
        "Analyst",
    )
    assert profile.version == 2
    assert profile.updated_at == LATER
    assert profile.created_at == T0


def test_apply_changes_without_a_real_change_is_a_no_op() -> None:
    profile = make_profile(display_name="Ada", avatar_url=None)
    assert profile.apply_changes({"display_name": "Ada", "avatar_url": ""}, LATER) == []
    assert profile.apply_changes({}, LATER) == []
    assert (profile.version, profile.updated_at) == (1, T0)


def test_apply_changes_can_clear_optional_fields() -> None:
    profile = make_profile(avatar_url="https://cdn.example.edu/a.png", bio="hi")
    assert sorted(profile.apply_changes({"avatar_url": "", "bio": None}, LATER)) == [
        "avatar_url",
        "bio",
    ]
    assert (profile.avatar_url, profile.bio) == (None, None)


@pytest.mark.parametrize("field", ["email", "roles", "status", "version", "id", "tenant_id"])
def test_apply_changes_refuses_non_editable_fields(field: str) -> None:
    profile = make_profile()
    before = (profile.email, profile.roles, profile.status, profile.version, profile.id)
    with pytest.raises(InvalidInput, match=field):
        profile.apply_changes({"display_name": "New", field: "x"}, LATER)
    assert profile.display_name == "Ada Lovelace"
    assert (profile.email, profile.roles, profile.status, profile.version, profile.id) == before


def test_apply_changes_is_all_or_nothing_when_one_value_is_invalid() -> None:
    profile = make_profile(display_name="Ada")
    with pytest.raises(InvalidInput) as excinfo:
        profile.apply_changes({"display_name": "Countess", "timezone": "Nowhere/Land"}, LATER)
    assert excinfo.value.field == "timezone"
    assert (profile.display_name, profile.timezone, profile.version) == ("Ada", "UTC", 1)


@pytest.mark.parametrize("field", ["display_name", "locale"])
def test_apply_changes_refuses_null_for_a_required_field_as_invalid_input(field: str) -> None:
    profile = make_profile()
    with pytest.raises(InvalidInput) as excinfo:
        profile.apply_changes({field: None}, LATER)
    assert excinfo.value.field == field


def test_null_timezone_is_refused_as_invalid_input() -> None:
    profile = make_profile()
    with pytest.raises(InvalidInput) as excinfo:
        profile.apply_changes({"timezone": None}, LATER)
    assert excinfo.value.field == "timezone"


# -- preferences


def test_change_preferences_reports_whether_anything_changed() -> None:
    profile = make_profile()
    assert profile.change_preferences(Preferences(), LATER) is False
    assert profile.version == 1
    dark = preferences_with(profile.preferences, theme=Theme.DARK)
    assert profile.change_preferences(dark, LATER) is True
    assert profile.preferences.theme is Theme.DARK
    assert (profile.version, profile.updated_at) == (2, LATER)


def test_preferences_with_copies_and_keeps_the_rest() -> None:
    current = Preferences(high_contrast=True)
    changed = preferences_with(current, digest_frequency=DigestFrequency.WEEKLY)
    assert changed.digest_frequency is DigestFrequency.WEEKLY
    assert changed.high_contrast is True
    assert current.digest_frequency is DigestFrequency.DAILY


def test_preferences_defaults() -> None:
    assert Preferences() == Preferences(
        email_notifications=True,
        push_notifications=True,
        digest_frequency=DigestFrequency.DAILY,
        theme=Theme.SYSTEM,
        high_contrast=False,
        reduced_motion=False,
        show_profile_to_classmates=True,
    )


# -- soft delete


def test_delete_marks_deleted_keeps_data_and_bumps_version() -> None:
    profile = make_profile()
    profile.delete(LATER)
    assert profile.is_deleted
    assert profile.status is ProfileStatus.DELETED
    assert profile.deleted_at == LATER
    assert (profile.version, profile.updated_at) == (2, LATER)
    assert (profile.email, profile.display_name) == ("ada@example.edu", "Ada Lovelace")


def test_deleting_twice_changes_nothing_the_second_time() -> None:
    profile = make_profile()
    profile.delete(LATER)
    profile.delete(LATER + timedelta(days=1))
    assert (profile.deleted_at, profile.version) == (LATER, 2)


@pytest.mark.parametrize(
    "changes",
    [{"bio": 5}, {"avatar_url": "http://"}, {"avatar_url": 7}, {"timezone": None}],
)
def test_apply_changes_refuses_wrong_types_and_empty_urls_as_invalid_input(
    changes: dict[str, object],
) -> None:
    profile = make_profile()
    with pytest.raises(InvalidInput):
        profile.apply_changes(changes, T0)
    assert profile.version == 1


@pytest.mark.parametrize("email", ["a@b..co", "a@.b.co", "a@b.c", "a b@c.co"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(InvalidInput):
        normalize_email(email)
