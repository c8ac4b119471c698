#!/bin/bash
# One login role and one database per service, so no service can read another's tables.
# Runs on the first start of an empty volume (postgres image's initdb hook). It is idempotent, so
# after adding a service run it again by hand:
#   docker compose exec postgres bash /docker-entrypoint-initdb.d/10-service-databases.sh
# The password of service S comes from LMS_<S>_DB_PASSWORD (set in .env, passed by compose).
set -euo pipefail

SERVICES=(user auth course assignment submission search notification chat)

# Every password first: a missing one must not leave some services created and others not.
for service in "${SERVICES[@]}"; do
  password_var="LMS_${service^^}_DB_PASSWORD"
  if [[ -z "${!password_var:-}" ]]; then
    echo "10-service-databases: $password_var is not set" >&2
    exit 1
  fi
done

for service in "${SERVICES[@]}"; do
  password_var="LMS_${service^^}_DB_PASSWORD"
  password="${!password_var}"
  role="lms_${service}"
  # psql variables (:'x', :"x") quote the values, so passwords need no escaping.
  psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
    --set=role="$role" --set=password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
REVOKE CONNECT ON DATABASE :"role" FROM PUBLIC;
SQL
  echo "10-service-databases: $role ready"
done
