#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a command with a throwaway PostgreSQL server, for the store's tests
# against PostgreSQL (make check). The server lives in a temporary directory,
# listens on a free port of 127.0.0.1 only (its unix socket in that directory),
# trusts local connections, and is stopped and removed when the command ends.
#
#   tests/pg-server.sh COMMAND [ARG]...
#
# The command runs with TT_TEST_PG_URL set to a database on that server. When
# no server can be started (PostgreSQL not installed, or root without a user
# to run it as), it runs with TT_TEST_PG_SKIP saying why instead, and the
# PostgreSQL tests report themselves skipped with that reason.
# Exits with the command's status.
set -u

[ $# -gt 0 ] || { echo "usage: $0 COMMAND [ARG]..." >&2; exit 2; }

run_without() {
	echo "pg-server.sh: no PostgreSQL server for the tests: $1" >&2
	TT_TEST_PG_SKIP="$1"
	export TT_TEST_PG_SKIP
	unset TT_TEST_PG_URL
	shift
	"$@"
	exit $?
}

# Debian installs the server programs per major version; take the newest.
bindir=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] || continue
	if [ -z "$bindir" ] || [ "${d#/usr/lib/postgresql/}" != "$(printf '%s\n%s\n' \
		"${d#/usr/lib/postgresql/}" "${bindir#/usr/lib/postgresql/}" | sort -V | head -n 1)" ]; then
		bindir=$d
	fi
done
if [ -z "$bindir" ]; then
	run_without "PostgreSQL is not installed (Debian: apt-get install postgresql)" "$@"
fi

# The server refuses to run as root: as root, run it as the postgres user.
as_user() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 ||
		run_without "running as root and there is no postgres user to run the server as" "$@"
	as_user() { runuser -u postgres -- "$@"; }
fi

dir=$(mktemp -d /tmp/tt-pg-XXXXXX) || run_without "cannot create a temporary directory" "$@"
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
chmod 700 "$dir"

# shellcheck disable=SC2317 # called by the EXIT trap
stop() {
	as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$dir"
}

# A free port: ask the kernel for one, then hand it to the server.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null)
[ -n "$port" ] || { rm -rf "$dir"; run_without "cannot find a free TCP port" "$@"; }

# C locale: text sorts in byte order, as in SQLite; fsync off: the data is thrown away.
if ! as_user "$bindir/initdb" -D "$dir/data" -U tuxtape -A trust --locale=C -E UTF8 \
	--no-sync >"$dir/initdb.log" 2>&1; then
	cat "$dir/initdb.log" >&2
	rm -rf "$dir"
	run_without "initdb failed (log above)" "$@"
fi
trap stop EXIT
trap 'exit 130' INT TERM
if ! as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
	-o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
	start >/dev/null 2>&1; then
	cat "$dir/server.log" >&2
	run_without "the server did not start (log above)" "$@"
fi
# The database sorts text by a natural-language collation (ICU) where the server has
# one, unlike byte order: the tests then show the store's keys keep SQLite's order.
if ! as_user "$bindir/createdb" -h 127.0.0.1 -p "$port" -U tuxtape -T template0 \
	--locale-provider=icu --icu-locale=en-US tuxtape_test >/dev/null 2>&1 &&
	! as_user "$bindir/createdb" -h 127.0.0.1 -p "$port" -U tuxtape tuxtape_test; then
	run_without "cannot create the test database" "$@"
fi

TT_TEST_PG_URL="postgresql://tuxtape@127.0.0.1:$port/tuxtape_test"
export TT_TEST_PG_URL
unset TT_TEST_PG_SKIP
echo "pg-server.sh: PostgreSQL $("$bindir/postgres" --version | sed 's/^[^0-9]*\([0-9.]*\).*/\1/') at $TT_TEST_PG_URL" >&2
"$@"
rc=$?
exit $rc
