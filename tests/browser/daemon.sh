# Sourced by tests/browser/run, tests/bench/dashboard and
# tests/reliability/common.sh: a daemon on a free loopback port (http.port =
# 0: the daemon picks one and logs it) with a data_dir of its own.
#   daemon_start BIN CONNINFO DIR [CONF]   sets DAEMON_PID and DAEMON_URL once /readyz
#                                          answers; CONF: lines added to the
#                                          configuration (starting with a [section])
#   daemon_stop                     SIGTERM, and waits for it

DAEMON_PID="" DAEMON_URL=""

daemon_start() {
    local bin=$1 db=$2 dir=$3 extra=${4:-} port="" i
    mkdir -p "$dir/data"
    (umask 077 && cat >"$dir/retentiond.conf") <<CONF
; written by tests/browser/daemon.sh
[http]
listen = 127.0.0.1
port = 0
[database]
conninfo = $db
[daemon]
data_dir = $dir/data
log_level = info
; the database does not change during the tests: reload only
auto_compute = 0
; the bulletins are not the browser tests' subject
[bulletin]
schedule = 0
$extra
CONF
    # made before the daemon's shell opens it, for the first look below
    : >"$dir/daemon.log"
    "$bin" serve --config "$dir/retentiond.conf" 2>"$dir/daemon.log" &
    DAEMON_PID=$!
    for ((i = 0; i < 300; i++)); do
        kill -0 "$DAEMON_PID" 2>/dev/null || break
        [[ -n $port ]] ||
            port=$(sed -n 's|.*msg=listening url=http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$dir/daemon.log")
        if [[ -n $port ]] && curl -sf "http://127.0.0.1:$port/readyz" -o /dev/null; then
            DAEMON_URL=http://127.0.0.1:$port
            return 0
        fi
        sleep 0.1
    done
    tail -20 "$dir/daemon.log" >&2
    echo "daemon: $bin not ready within 30 s (log: $dir/daemon.log)" >&2
    daemon_stop
    return 1
}

daemon_stop() {
    [[ -n $DAEMON_PID ]] || return 0
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
    DAEMON_PID=""
}
