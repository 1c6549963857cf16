#!/bin/sh
# One database and one role per tgpl service: each role owns its own database and nothing else,
# and no other role may connect to it. The postgres image runs this once, on an empty data
# directory (/docker-entrypoint-initdb.d); it is idempotent, so run it again by hand to add a
# service or to set changed passwords:
#   docker compose exec postgres /docker-entrypoint-initdb.d/10-tgpl-databases.sh
# Names and passwords come from the environment: postgres.env, written by `tgpl deploy-secrets`.
set -eu
: "${TGPL_DB_SERVICES:?missing: run tgpl deploy-secrets and give the container secrets/postgres.env}"
superuser=${POSTGRES_USER:-postgres}
for service in $(printf '%s' "$TGPL_DB_SERVICES" | tr ',' ' '); do
  upper=$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')
  eval "name=\${TGPL_DB_NAME_$upper:?missing TGPL_DB_NAME_$upper}"
  eval "password=\${TGPL_DB_PASSWORD_$upper:?missing TGPL_DB_PASSWORD_$upper}"
  psql -v ON_ERROR_STOP=1 -q --username "$superuser" --dbname "${POSTGRES_DB:-$superuser}" \
       -v name="$name" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
ALTER ROLE :"name" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'name', :'name')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name') \gexec
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"name" TO :"name";
SQL
  echo "tgpl: database and role $name ready"
done
