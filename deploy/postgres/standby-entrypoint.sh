#!/bin/bash
# The synchronous standby (compose service db-standby). On first start, clones the primary with
# pg_basebackup and names itself "standby", the name synchronous_standby_names waits for; then
# runs PostgreSQL as a hot standby. Promote it with `pg_ctl promote` (OPERATIONS.md).
set -euo pipefail
: "${PGDATA:=/var/lib/postgresql/data}"
pass="$HOME/.pgpass"
umask 077
printf '%s:5432:replication:replicator:%s\n' "$PRIMARY_HOST" "$(cat /run/secrets/pg_replication)" > "$pass"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -q; do sleep 2; done
  pg_basebackup -h "$PRIMARY_HOST" -U replicator -D "$PGDATA" -X stream -R -C -S standby --no-password
  echo "primary_conninfo = 'host=$PRIMARY_HOST port=5432 user=replicator passfile=$pass application_name=standby'" \
    >> "$PGDATA/postgresql.auto.conf"
fi
chmod 0700 "$PGDATA"
exec postgres -c hot_standby=on
