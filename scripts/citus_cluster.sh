# Sourced by scripts/citus_test.sh and bench/citus.sh (with PG_CONFIG set
# and Citus installed): starts a Citus coordinator and two workers on
# loopback in a temporary directory, with Citus and bg preloaded on every
# node, the coordinator also holding a database "plain" without Citus; stops
# them and removes the directory when the calling script exits.  Gives
# q PORT DB [psql args] and ports (coordinator, worker 1, worker 2).
# CITUS_SHARD_COUNT (default 4) and CITUS_EXTRA_CONF (postgresql.conf
# lines) tune the nodes.
bindir=$("$PG_CONFIG" --bindir)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
dir=$(mktemp -d /tmp/bg-citus.XXXXXX)
chmod 755 "$dir"
[ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
ports=(55741 55742 55743)    # coordinator, worker 1, worker 2
cleanup() {
    for i in 0 1 2; do
        [ -f "$dir/n$i/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/n$i" -m immediate -w stop >/dev/null 2>&1
    done
    rm -rf "$dir"
}
trap cleanup EXIT
for i in 0 1 2; do
    as_pg "$bindir/initdb" -D "$dir/n$i" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$dir/n$i/postgresql.conf" <<CONF
port = ${ports[$i]}
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus,bg'
max_prepared_transactions = 20
fsync = off
citus.shard_count = ${CITUS_SHARD_COUNT:-4}
${CITUS_EXTRA_CONF:-}
CONF
    as_pg "$bindir/pg_ctl" -D "$dir/n$i" -l "$dir/n$i.log" -w start >/dev/null
done
q() { local port=$1 db=$2; shift 2; psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d "$db" -v ON_ERROR_STOP=1 "$@"; }
for i in 0 1 2; do q "${ports[$i]}" postgres -c 'CREATE EXTENSION citus' >/dev/null; done
PGOPTIONS="-c client_min_messages=warning" q "${ports[0]}" postgres >/dev/null <<SQL
SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]});
SELECT citus_add_node('127.0.0.1', ${ports[1]});
SELECT citus_add_node('127.0.0.1', ${ports[2]});
CREATE DATABASE plain;
SQL
