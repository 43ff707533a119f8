# Sourced by tests/reliability/load and faults: the test cluster
# (run/pg-test), the demo database rt_browser (tests/browser/run leaves it;
# made with scripts/demo-db when missing) with an executive of our own, a
# daemon of BUILD on a free port with a configuration of our own, and
# PostgreSQL killed as a crash would (SIGKILL to the postmaster).
# Needs ROOT, BIN and WORK set.

export RETENTIOND_PG_DIR=$ROOT/run/pg-test RETENTIOND_PG_FAST=1
PG=$ROOT/scripts/pg
DBNAME=rt_browser
DB="" PASS="" DAEMON_PID="" URL=""
die() { echo "$(basename "$0"): $*" >&2; exit 1; }

# The database and the user rel.exec (executive) with a new password.
rel_db() {
    "$PG" start
    PASS=$(head -c 15 /dev/urandom | base64 | tr '+/' 'xy')
    if [[ $("$PG" psql postgres -tA -c \
        "SELECT count(*) FROM pg_database WHERE datname = '$DBNAME'") != 1 ]]; then
        echo "rel.exec:executive::$PASS" >"$WORK/logins"
        "$ROOT/scripts/demo-db" --db "$DBNAME" --scale 20000 --bin "$BIN" --logins "$WORK/logins"
    fi
    DB=$("$PG" url "$DBNAME")
    printf '%s\n' "$PASS" | "$BIN" user add rel.exec --role executive --password-stdin \
        --db "$DB" >/dev/null 2>&1 ||
        printf '%s\n' "$PASS" | "$BIN" user passwd rel.exec --password-stdin --db "$DB" >/dev/null
}

# A daemon with data_dir DIR/data and the lines of stdin added to its
# configuration; sets DAEMON_PID and URL once /readyz answers.
rel_daemon_start() { # DIR
    local dir=$1 port="" i
    mkdir -p "$dir/data"
    {
        printf '[http]\nlisten = 127.0.0.1\nport = 0\n[database]\nconninfo = %s\n' "$DB"
        printf '[daemon]\ndata_dir = %s/data\nauto_compute = 0\n' "$dir"
        cat
    } >"$dir/retentiond.conf"
    "$BIN" serve --config "$dir/retentiond.conf" 2>>"$dir/daemon.log" &
    DAEMON_PID=$!
    for ((i = 0; i < 300; i++)); do
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        port=$(sed -n 's|.*msg=listening url=http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$dir/daemon.log" |
            tail -1)
        if [[ -n $port ]] && curl -sf "http://127.0.0.1:$port/readyz" -o /dev/null; then
            URL=http://127.0.0.1:$port
            return 0
        fi
        sleep 0.1
    done
    tail -20 "$dir/daemon.log" >&2
    die "the daemon is not ready"
}

rel_daemon_stop() {
    [[ -n $DAEMON_PID ]] || return 0
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=""
}

# Signs rel.exec in; prints the cookie ("rt_session=...").
rel_sign_in() {
    local id
    id=$(curl -s -o /dev/null -D - --data-urlencode "user=rel.exec" --data-urlencode "password=$PASS" \
        "$URL/login" | awk -F'[=;]' 'tolower($1) == "set-cookie: rt_session" {print $2}')
    [[ -n $id ]] || die "rel.exec cannot sign in"
    echo "rt_session=$id"
}

# PostgreSQL dies (SIGKILL to the postmaster; its backends follow), as in
# a crash; scripts/pg start brings it back through crash recovery.
pg_kill() {
    local pid
    pid=$(head -1 "$RETENTIOND_PG_DIR/data/postmaster.pid")
    pkill -KILL -P "$pid" || true
    kill -KILL "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

rss() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$DAEMON_PID/status"; }
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
