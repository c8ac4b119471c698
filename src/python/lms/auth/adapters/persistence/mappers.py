"""Rows to aggregates and back, for the repositories of this package."""

from __future__ import annotations

from lms.auth.adapters.persistence.models import (
    AccountRecord,
    CollegeRecord,
    RefreshTokenRecord,
    SigningKeyRecord,
)
from lms.auth.domain.keys import SigningKey
from lms.auth.domain.model import (
    Account,
    AccountStatus,
    CharacterClass,
    College,
    PasswordPolicy,
    RefreshToken,
)


def college_to_domain(record: CollegeRecord) -> College:
    return College(
        id=record.id,
        slug=record.slug,
        name=record.name,
        password_policy=PasswordPolicy(
            min_length=record.min_password_length,
            required_classes=frozenset(
                CharacterClass(c) for c in record.required_character_classes
            ),
            rejected_passwords=frozenset(record.rejected_passwords),
            max_age_days=record.password_max_age_days,
        ),
        created_at=record.created_at,
        allow_self_signup=record.allow_self_signup,
        signup_requires_verification=record.signup_requires_verification,
    )


def copy_college(record: CollegeRecord, college: College) -> None:
    policy = college.password_policy
    record.slug = college.slug
    record.name = college.name
    record.min_password_length = policy.min_length
    record.required_character_classes = sorted(c.value for c in policy.required_classes)
    record.rejected_passwords = sorted(policy.rejected_passwords)
    record.password_max_age_days = policy.max_age_days
    record.allow_self_signup = college.allow_self_signup
    record.signup_requires_verification = college.signup_requires_verification
    record.created_at = college.created_at


def account_to_domain(record: AccountRecord) -> Account:
    return Account(
        id=record.id,
        college_id=record.college_id,
        email=record.email,
        display_name=record.display_name,
        password_hash=record.password_hash,
        roles=tuple(record.roles),
        status=AccountStatus(record.status),
        failed_logins=record.failed_logins,
        locked_until=record.locked_until,
        created_at=record.created_at,
        updated_at=record.updated_at,
        version=record.version,
        password_changed_at=record.password_changed_at,
        email_verified_at=record.email_verified_at,
        awaits_verification=record.awaits_verification,
    )


def copy_account(record: AccountRecord, account: Account) -> None:
    record.college_id = account.college_id
    record.email = account.email
    record.display_name = account.display_name
    record.password_hash = account.password_hash
    record.roles = list(account.roles)
    record.status = account.status.value
    record.failed_logins = account.failed_logins
    record.locked_until = account.locked_until
    record.created_at = account.created_at
    record.updated_at = account.updated_at
    record.version = account.version
    record.password_changed_at = account.password_changed_at
    record.email_verified_at = account.email_verified_at
    record.awaits_verification = account.awaits_verification


def token_to_domain(record: RefreshTokenRecord) -> RefreshToken:
    return RefreshToken(
        id=record.id,
        family_id=record.family_id,
        account_id=record.account_id,
        college_id=record.college_id,
        secret_hash=record.secret_hash,
        issued_at=record.issued_at,
        expires_at=record.expires_at,
        used_at=record.used_at,
        revoked_at=record.revoked_at,
    )


def key_to_domain(record: SigningKeyRecord) -> SigningKey:
    return SigningKey(
        kid=record.kid,
        algorithm=record.algorithm,
        public_jwk=dict(record.public_jwk),
        private_key_pem=record.private_key_pem,
        created_at=record.created_at,
        activates_at=record.activates_at,
        retired_at=record.retired_at,
        revoked_at=record.revoked_at,
    )
