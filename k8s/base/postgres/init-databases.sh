#!/bin/sh
# Runs once, when the official postgres image initialises an empty data directory: one role and one database per
# service, so no service can read another's tables. Passwords come from the per-service Secrets (secrets.yaml);
# psql's :'password' quoting keeps them out of the SQL text.
set -eu

create_database() {
  psql --set ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    --set role="$1" --set db="$2" --set password="$3" <<'SQL'
CREATE ROLE :"role" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"role";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
}

create_database user_service users "$USER_SERVICE_DB_PASSWORD"
create_database order_service orders "$ORDER_SERVICE_DB_PASSWORD"
create_database payment_service payments "$PAYMENT_SERVICE_DB_PASSWORD"
