#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for mcbadge's postgres-marked tests.
#
#   source scripts/ci-postgres.sh     # exports MCBADGE_TEST_PG_URL; stop with mcbadge_pg_stop
#   scripts/ci-postgres.sh            # starts it and prints the export line (and the stop command)
#
# Installs Debian's `postgresql` package only when no initdb/pg_ctl is found (root needed for
# that). The cluster lives in a fresh temp directory owned by an unprivileged user (initdb refuses
# root): `postgres` when it exists, else a created system user `mcbadge-pg`. The server listens
# on 127.0.0.1 only, on a free port, with trust auth for the local test role `mcbadge`.
# Durability settings are relaxed (fsync=off): the data is thrown away after the run.

_mcbadge_pg_find_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    # Other layouts (e.g. a source build): initdb and pg_ctl side by side on PATH.
    local initdb_path
    initdb_path=$(command -v initdb 2>/dev/null) || return 1
    initdb_path=$(readlink -f "$initdb_path")
    dir=$(dirname "$initdb_path")
    [ -x "$dir/pg_ctl" ] && echo "$dir"
}

_mcbadge_pg_as() {  # run a command as the cluster owner
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$MCBADGE_PG_USER" -- "$@"
    else
        "$@"
    fi
}

mcbadge_pg_start() {
    local bindir
    if ! bindir=$(_mcbadge_pg_find_bindir); then
        if [ "$(id -u)" -ne 0 ]; then
            echo "ci-postgres: PostgreSQL is not installed and installing needs root" >&2
            return 1
        fi
        echo "ci-postgres: installing Debian's postgresql package" >&2
        # The package would otherwise create (and try to start) a default "main" cluster
        # listening on localhost:5432; the tests only need the throwaway one below.
        mkdir -p /etc/postgresql-common/createcluster.d
        echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/mcbadge-ci.conf
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 || return 1
        bindir=$(_mcbadge_pg_find_bindir) || { echo "ci-postgres: no initdb after install" >&2; return 1; }
    fi
    export MCBADGE_PG_BIN="$bindir"

    if [ "$(id -u)" -eq 0 ]; then
        if id postgres >/dev/null 2>&1; then
            MCBADGE_PG_USER=postgres
        else
            MCBADGE_PG_USER=mcbadge-pg
            id "$MCBADGE_PG_USER" >/dev/null 2>&1 \
                || useradd --system --no-create-home --shell /usr/sbin/nologin "$MCBADGE_PG_USER"
        fi
    else
        MCBADGE_PG_USER=$(id -un)
    fi
    export MCBADGE_PG_USER

    MCBADGE_PG_DATA=$(mktemp -d /tmp/mcbadge-pg.XXXXXX)
    export MCBADGE_PG_DATA
    chown "$MCBADGE_PG_USER" "$MCBADGE_PG_DATA" 2>/dev/null || true
    chmod 700 "$MCBADGE_PG_DATA"

    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

    _mcbadge_pg_as "$bindir/initdb" -D "$MCBADGE_PG_DATA/data" -U mcbadge -A trust -E UTF8 \
        --no-sync >"$MCBADGE_PG_DATA/initdb.log" 2>&1 \
        || { cat "$MCBADGE_PG_DATA/initdb.log" >&2; return 1; }
    _mcbadge_pg_as "$bindir/pg_ctl" -D "$MCBADGE_PG_DATA/data" -w -t 60 \
        -l "$MCBADGE_PG_DATA/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $MCBADGE_PG_DATA -c fsync=off -c max_connections=100" \
        start >/dev/null \
        || { cat "$MCBADGE_PG_DATA/server.log" >&2; return 1; }
    _mcbadge_pg_as "$bindir/createdb" -h 127.0.0.1 -p "$port" -U mcbadge mcbadge_test \
        || return 1
    export MCBADGE_TEST_PG_URL="postgresql+psycopg://mcbadge@127.0.0.1:$port/mcbadge_test"
    echo "export MCBADGE_TEST_PG_URL=$MCBADGE_TEST_PG_URL"
}

mcbadge_pg_stop() {
    if [ -n "${MCBADGE_PG_DATA:-}" ] && [ -d "$MCBADGE_PG_DATA" ]; then
        _mcbadge_pg_as "$MCBADGE_PG_BIN/pg_ctl" -D "$MCBADGE_PG_DATA/data" -m immediate stop \
            >/dev/null 2>&1 || true
        rm -rf "$MCBADGE_PG_DATA"
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then  # executed, not sourced
    set -euo pipefail
    mcbadge_pg_start
    echo "# stop with: runuser -u $MCBADGE_PG_USER -- $MCBADGE_PG_BIN/pg_ctl -D $MCBADGE_PG_DATA/data stop && rm -rf $MCBADGE_PG_DATA"
else
    mcbadge_pg_start
fi
