#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to date.
# Idempotent. Run by `npm run cluster -- up` and by docker-compose.yml's temporal-schema
# service, with the same environment names as deploy/temporal/server.yaml.
set -eu
SQL_TOOL="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
SCHEMA_DIR="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"
export SQL_PLUGIN=postgres12
export SQL_HOST="${POSTGRES_HOST:-postgresql}"
export SQL_PORT="${POSTGRES_PORT:-5432}"
export SQL_USER="${POSTGRES_USER:-temporal}"
export SQL_PASSWORD="${POSTGRES_PWD:-temporal}"
for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  kind=${pair##*:}
  # Both steps fail harmlessly when already done (--quiet); the update below does not.
  "$SQL_TOOL" --quiet --db "$db" create-database
  "$SQL_TOOL" --quiet --db "$db" setup-schema -v 0.0
  "$SQL_TOOL" --db "$db" update-schema -d "$SCHEMA_DIR/$kind/versioned"
  echo "schema: $db ($kind) up to date"
done
