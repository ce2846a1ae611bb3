#!/usr/bin/env bash
# Find a PostgreSQL server for the test suite, starting (or installing) a local one if it can.
#
# The PostgreSQL tests read TEST_POSTGRES_URL (a SQLAlchemy URL). This script decides it:
#   1. TEST_POSTGRES_URL from the environment, if set; otherwise the first of
#      postgresql+psycopg://postgres@127.0.0.1:5432/test, then the current user's name instead of
#      postgres, that accepts a connection;
#   2. if none does and the server is local: start it (pg_ctlcluster), or install it first
#      (apt-get install postgresql, only as root or with sudo), create the database "test" and,
#      on a fresh install, a role for the current user (then also try the Unix socket);
#   3. write the working URL, or an empty line when there is none, to the URL file
#      (default .venv/.postgres-url; `make test` exports it to pytest).
#
# It prints "PostgreSQL tests: ENABLED (<url>)" or a loud "PostgreSQL tests: NOT RUNNING" warning.
# Exit status: 0, except when no server is usable and CI is set (the PostgreSQL tests must run
# in CI), then 1.
#
# Usage: bash scripts/check-postgres.sh [--url-file PATH]
# Environment: TEST_POSTGRES_URL, CI, PY (Python with psycopg, default .venv/bin/python),
#              POSTGRES_AUTO_START=0 (never start or install a server).
set -uo pipefail

URL_FILE=${POSTGRES_URL_FILE:-.venv/.postgres-url}
while (($#)); do
    case $1 in
        --url-file) URL_FILE=${2:?--url-file needs a path}; shift 2 ;;
        --url-file=*) URL_FILE=${1#*=}; shift ;;
        -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "check-postgres: unknown argument: $1" >&2; exit 2 ;;
    esac
done

PY=${PY:-.venv/bin/python}
AUTO_START=${POSTGRES_AUTO_START:-1}
ME=$(id -un)
SOCKET_DIR=/var/run/postgresql

say() { printf 'check-postgres: %s\n' "$*"; }

is_ci() { [[ -n ${CI:-} ]]; } # the same rule as tests/conftest.py: any non-empty CI

write_url() {
    mkdir -p "$(dirname "$URL_FILE")"
    printf '%s\n' "$1" >"$URL_FILE.tmp" && mv -f "$URL_FILE.tmp" "$URL_FILE"
}

# --- the URL to check ------------------------------------------------------------------------

EXPLICIT=${TEST_POSTGRES_URL:-}
PG_HOST=127.0.0.1
PG_PORT=5432
PG_DB="test"
if [[ -n $EXPLICIT ]]; then
    # postgresql[+driver]://[user[:password]@][host][:port]/dbname[?query]
    re='^postgres(ql)?(\+[A-Za-z0-9_]+)?://([^@/]*@)?(\[[^]]*\]|[^:/?]*)(:([0-9]+))?/([^?]*)'
    if [[ $EXPLICIT =~ $re ]]; then
        PG_HOST=${BASH_REMATCH[4]:-localhost}
        PG_PORT=${BASH_REMATCH[6]:-5432}
        PG_DB=${BASH_REMATCH[7]:-test}
    else
        PG_HOST=unknown
    fi
    CANDIDATES=("$EXPLICIT")
else
    CANDIDATES=("postgresql+psycopg://postgres@$PG_HOST:$PG_PORT/$PG_DB")
    [[ $ME != postgres ]] && CANDIDATES+=("postgresql+psycopg://$ME@$PG_HOST:$PG_PORT/$PG_DB")
fi
SOCKET_URL="postgresql+psycopg://$ME@/$PG_DB?host=$SOCKET_DIR"
[[ $PG_PORT != 5432 ]] && SOCKET_URL+="&port=$PG_PORT"
# A fresh Debian install asks for passwords over TCP but trusts its own OS users on the Unix
# socket ("peer" authentication): try that last.
[[ -z $EXPLICIT && -S $SOCKET_DIR/.s.PGSQL.$PG_PORT ]] && CANDIDATES+=("$SOCKET_URL")

is_local() { [[ $PG_HOST == 127.0.0.1 || $PG_HOST == localhost || $PG_HOST == "[::1]" ]]; }

# --- probing ---------------------------------------------------------------------------------

LAST_ERROR=""

# A SQLAlchemy URL as libpq understands it: drop the "+driver" part.
libpq_url() { sed -E 's#^postgres(ql)?\+[A-Za-z0-9_]+://#postgresql://#' <<<"$1"; }

# Try one URL: 0 when `select 1` works, otherwise 1 with the reason in LAST_ERROR.
probe() {
    local url out
    url=$(libpq_url "$1")
    if [[ -x $PY ]] && "$PY" -c 'import psycopg' >/dev/null 2>&1; then
        out=$("$PY" - "$url" 2>&1 <<'EOF'
import sys
import psycopg
try:
    with psycopg.connect(sys.argv[1], connect_timeout=3) as conn:
        conn.execute("select 1")
except Exception as exc:  # one line: the reason, without a traceback
    sys.exit(" ".join(str(exc).split()) or type(exc).__name__)
EOF
        ) && return 0
    elif command -v psql >/dev/null 2>&1; then
        out=$(PGCONNECT_TIMEOUT=3 psql "$url" -X -Atqc 'select 1' 2>&1 >/dev/null) && return 0
    else
        LAST_ERROR="neither psycopg (in $PY) nor psql is available to test a connection"
        return 1
    fi
    LAST_ERROR=$(grep -v '^\s*$' <<<"$out" | tail -n 2)
    return 1
}

FOUND=""
try_candidates() {
    local url
    for url in "${CANDIDATES[@]}"; do
        if probe "$url"; then
            FOUND=$url
            return 0
        fi
        say "cannot use $url: ${LAST_ERROR:-unknown error}"
    done
    return 1
}

# Is anything accepting connections on the host and port?
server_up() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3
        return
    fi
    (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
}

# --- privileges ------------------------------------------------------------------------------

# Run a command as root: directly, or through sudo (without a prompt when there is no terminal).
as_root() {
    if ((EUID == 0)); then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then sudo "$@"; else sudo -n "$@"; fi
    else
        return 1
    fi
}

can_be_root() {
    ((EUID == 0)) && return 0
    command -v sudo >/dev/null 2>&1 || return 1
    [[ -t 0 ]] && return 0
    sudo -n true 2>/dev/null
}

# Run a command as the postgres OS user, who administers a Debian cluster through its socket.
as_postgres() {
    if [[ $ME == postgres ]]; then
        "$@"
    elif ((EUID == 0)) && command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    elif command -v sudo >/dev/null 2>&1; then
        if [[ -t 0 ]]; then sudo -u postgres "$@"; else sudo -n -u postgres "$@"; fi
    else
        return 1
    fi
}

# --- starting, installing, setting up --------------------------------------------------------

postgres_installed() {
    command -v pg_ctlcluster >/dev/null 2>&1 && compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null
}

install_postgres() {
    command -v apt-get >/dev/null 2>&1 || { say "apt-get not found: cannot install PostgreSQL"; return 1; }
    can_be_root || { say "not root and no usable sudo: cannot install PostgreSQL"; return 1; }
    say "PostgreSQL is not installed; running: apt-get update && apt-get install -y postgresql"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update || return 1
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql || return 1
    INSTALLED_NOW=1
}

start_clusters() {
    command -v pg_ctlcluster >/dev/null 2>&1 || { say "pg_ctlcluster not found: cannot start PostgreSQL"; return 1; }
    local dir version name started=1
    for dir in /etc/postgresql/*/*/; do
        [[ -f $dir/postgresql.conf ]] || continue
        dir=${dir%/}
        name=${dir##*/}
        version=${dir%/*}
        version=${version##*/}
        say "running: pg_ctlcluster --skip-systemctl-redirect $version $name start"
        if can_be_root; then
            as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start && started=0
        else
            as_postgres pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start && started=0
        fi
    done
    if ((started != 0)); then
        # A cluster that is already running makes "start" fail: that is fine if it answers.
        server_up && return 0
        say "no PostgreSQL cluster could be started (see /etc/postgresql, pg_lsclusters)"
        return 1
    fi
    local i
    for ((i = 0; i < 30; i++)); do
        server_up && return 0
        sleep 0.5
    done
    say "PostgreSQL was started but does not answer on $PG_HOST:$PG_PORT yet"
    return 1
}

sql_quote_ident() { printf '"%s"' "${1//\"/\"\"}"; }

# Create the test database (and on a fresh install, a role for this user) through the socket.
setup_database() {
    as_postgres psql -p "$PG_PORT" -X -Atqc 'select 1' -d postgres >/dev/null 2>&1 || {
        say "cannot act as the postgres OS user: not creating database $PG_DB"
        return 1
    }
    if [[ -z $(as_postgres psql -p "$PG_PORT" -X -Atqc "select 1 from pg_database where datname = '${PG_DB//\'/\'\'}'" -d postgres) ]]; then
        say "creating database $PG_DB"
        as_postgres createdb -p "$PG_PORT" "$PG_DB" || return 1
    fi
    if [[ $ME != postgres && ${INSTALLED_NOW:-0} == 1 ]] &&
        [[ -z $(as_postgres psql -p "$PG_PORT" -X -Atqc "select 1 from pg_roles where rolname = '${ME//\'/\'\'}'" -d postgres) ]]; then
        say "creating PostgreSQL role $ME (superuser, for the tests' schemas)"
        as_postgres psql -p "$PG_PORT" -X -qc "create role $(sql_quote_ident "$ME") login superuser" -d postgres || return 1
    fi
}

# --- main ------------------------------------------------------------------------------------

INSTALLED_NOW=0
if ! try_candidates && is_local && [[ $AUTO_START != 0 ]]; then
    if ! server_up; then
        say "no PostgreSQL server answers on $PG_HOST:$PG_PORT"
        if ! postgres_installed; then
            install_postgres || say "could not install PostgreSQL"
        fi
        postgres_installed && start_clusters
    fi
    if server_up; then
        setup_database
        if [[ -z $EXPLICIT && ${CANDIDATES[-1]} != "$SOCKET_URL" ]]; then
            CANDIDATES+=("$SOCKET_URL") # the server has just started: its socket exists now
        fi
        try_candidates
    fi
fi

if [[ -n $FOUND ]]; then
    write_url "$FOUND"
    echo "PostgreSQL tests: ENABLED ($FOUND)"
    exit 0
fi

write_url ""
bar='!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!'
{
    echo
    echo "$bar"
    echo "!!  PostgreSQL tests: NOT RUNNING"
    echo "!!"
    echo "!!  No PostgreSQL server accepted a connection; tried:"
    for url in "${CANDIDATES[@]}"; do echo "!!    $url"; done
    [[ -n $LAST_ERROR ]] && while IFS= read -r line; do echo "!!  last error: $line"; done <<<"$LAST_ERROR"
    echo "!!"
    echo "!!  The PostgreSQL half of the database tests will be SKIPPED. To run them:"
    echo "!!    - Debian:  apt-get install -y postgresql && pg_ctlcluster 15 main start"
    echo "!!               runuser -u postgres -- createdb test"
    echo "!!               runuser -u postgres -- createuser --superuser $ME   (if TCP needs a password:"
    echo "!!               then use TEST_POSTGRES_URL=postgresql+psycopg://$ME@/test?host=$SOCKET_DIR)"
    echo "!!    - or point at a server you have:"
    echo "!!               make test TEST_POSTGRES_URL=postgresql+psycopg://USER@HOST:5432/DB"
    echo "!!      (the user needs CREATE on that database; each test makes and drops a schema)"
    if is_ci; then
        echo "!!"
        echo "!!  CI is set: in CI the PostgreSQL tests must run, so this is an ERROR."
    fi
    echo "$bar"
    echo
} >&2
echo "PostgreSQL tests: NOT RUNNING (no usable server; see the warning above)"
is_ci && exit 1
exit 0
