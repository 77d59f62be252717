#!/bin/bash
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d):
# the replication role for the standby, and the two Sanctuary roles of OPERATIONS.md §1
# (the owner runs migrations; the app role owns nothing and may only append to the audit log).
set -euo pipefail
repl="$(cat /run/secrets/pg_replication)"
owner="$(cat /run/secrets/pg_owner)"
app="$(cat /run/secrets/pg_app)"
psql -v ON_ERROR_STOP=1 --username postgres \
  -v repl="$repl" -v owner="$owner" -v app="$app" <<'SQL'
create role replicator with replication login password :'repl';
create role sanctuary_owner login password :'owner';
create role sanctuary_app login password :'app';
create database sanctuary owner sanctuary_owner;
\c sanctuary
alter schema public owner to sanctuary_owner;
revoke create on schema public from public;
grant usage on schema public to sanctuary_app;
SQL
# The standby connects over the internal network with a password; nobody else may replicate.
echo "host replication replicator samenet scram-sha-256" >> "$PGDATA/pg_hba.conf"
