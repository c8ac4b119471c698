"""Object storage for services that keep files: an S3 adapter on aioboto3 (AWS S3, MinIO,
SeaweedFS), with presigned requests, streamed reads and writes, and multipart uploads."""

from lms_platform.storage.s3 import S3Config, S3ObjectStore, open_s3_store

__all__ = ["S3Config", "S3ObjectStore", "open_s3_store"]
