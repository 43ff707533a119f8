# Sourced by tests/reliability/load and faults: the test cluster
# (run/pg-test), the demo database rt_browser (tests/browser/run leaves it;
# made with scripts/demo-db when missing) with an executive of our own, a
# daemon of BUILD on a free port with a configuration of our own, and
# PostgreSQL killed as a crash would (SIGKILL to the postmaster).
# Needs ROOT, BIN and WORK set.

export RETENTIOND_PG_DIR=$ROOT/run/pg-test RETENTIOND_PG_FAST=1
PG=$ROOT/scripts/pg
DBNAME=rt_browser
DB="" PASS="" URL=""
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
    # the test cluster commits asynchronously (scripts/pg: synchronous_commit
    # = off), so a pg_kill within ~0.6 s of that commit could lose the new
    # password (it did once in CI: every sign-in after compute-crash was
    # refused); a checkpoint makes it durable before any scenario kills
    "$PG" psql postgres -qc CHECKPOINT >/dev/null
}

source "$ROOT/tests/browser/daemon.sh"

# A daemon with data_dir DIR/data (tests/browser/daemon.sh), the lines of
# stdin (starting with a [section]) added to its configuration; sets
# DAEMON_PID and URL once /readyz answers.
rel_daemon_start() { # DIR
    daemon_start "$BIN" "$DB" "$1" "$(cat)" || die "the daemon is not ready"
    URL=$DAEMON_URL
}

rel_daemon_stop() { daemon_stop; }

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
