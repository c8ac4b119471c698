"""The S3 fixtures (SeaweedFS) for the submission tests."""

from lms_platform.testing.s3 import s3_bucket, s3_server  # noqa: F401
