#!/bin/bash
# The submission service's bucket on MinIO: created (idempotent), incomplete multipart uploads
# swept after a day (MinIO's form of S3's AbortIncompleteMultipartUpload), and a key that may use
# this bucket only. Objects themselves never expire: retention is the college's records policy;
# unconfirmed uploads are deleted by the service's upload expiry worker.
set -euo pipefail

mc alias set lms http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null
mc mb --ignore-existing lms/lms-submissions
mc admin config set lms api stale_uploads_expiry=24h stale_uploads_cleanup_interval=6h
policy=$(mktemp)
cat >"$policy" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:*"],
  "Resource": ["arn:aws:s3:::lms-submissions", "arn:aws:s3:::lms-submissions/*"]}]}
JSON
mc admin policy create lms lms-submission "$policy"
mc admin user add lms "$LMS_SUBMISSION_S3_ACCESS_KEY" "$LMS_SUBMISSION_S3_SECRET_KEY"
mc admin policy attach lms lms-submission --user "$LMS_SUBMISSION_S3_ACCESS_KEY" \
  || echo "minio-init: the policy was already attached"
echo "minio-init: lms-submissions ready"
