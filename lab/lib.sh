# shellcheck shell=bash
# Shared settings and helpers for lab/up, lab/down, lab/ctl, lab/env, lab/demo.
# Every daemon runs in the foreground under setsid; its pid goes to $LAB/pids/NAME.pid
# (written by us), so we stop exactly what we started and nothing else.

set -euo pipefail

LAB_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB="$(realpath -m "${HPCTUI_LAB_DIR:-/tmp/hpctui-lab}")"
# Daemons inherit the working directory: never one that may vanish (a CI clone, a temp dir),
# or every job step logs "Unable to get current working directory".
cd /
LAB_USER=hpcuser
# Logins with other shells, same key: every remote command must run under sh whatever the shell.
LAB_USERS=(hpcuser hpctcsh hpcfish)
login_shell() { case "$1" in hpctcsh) echo /usr/bin/tcsh ;; hpcfish) echo /usr/bin/fish ;; *) echo /bin/bash ;; esac; }
TORCH_VERSION=2.13.0
TORCH_VENV=/opt/hpctui-lab/torch  # shared by every lab on the machine: root's, readable by all
torch_site_packages() { local d; for d in "$TORCH_VENV"/lib/python3*/site-packages; do echo "$d"; done; }
CLUSTERS=(alpha beta)

# wanted_ports: the ports asked for by the environment.
wanted_ports() {
    BASE="${HPCTUI_LAB_PORT_BASE:-26800}"
    if [[ -n "${HPCTUI_LAB_PORT_BASE:-}" ]]; then
        SSH_PORT_ALPHA="${HPCTUI_LAB_SSH_PORT_ALPHA:-$((BASE + 31))}"
        SSH_PORT_BETA="${HPCTUI_LAB_SSH_PORT_BETA:-$((BASE + 32))}"
    else
        SSH_PORT_ALPHA="${HPCTUI_LAB_SSH_PORT_ALPHA:-2221}"
        SSH_PORT_BETA="${HPCTUI_LAB_SSH_PORT_BETA:-2222}"
    fi
}

# The ports a lab was created with (lab.env) win over the environment, so lab/down, lab/ctl and
# a plain lab/up work on it without re-exporting anything (lab/up may change them, see there).
if [[ -f "$LAB/lab.env" ]]; then
    # shellcheck disable=SC1091
    source "$LAB/lab.env"
else
    wanted_ports
fi
derive_ports() { DBD_PORT=$((BASE + 0)); DB_PORT=$((BASE + 1)); }
derive_ports
MUNGE_SOCKET="$LAB/munge/munge.socket"

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# --- per-cluster facts -------------------------------------------------------------------------
cluster_offset() { case "$1" in alpha) echo 10 ;; beta) echo 20 ;; *) die "unknown cluster $1" ;; esac; }
ctld_port() { echo $((BASE + $(cluster_offset "$1"))); }
ssh_port() { case "$1" in alpha) echo "$SSH_PORT_ALPHA" ;; beta) echo "$SSH_PORT_BETA" ;; esac; }
cluster_nodes() { case "$1" in alpha) echo a1 a2 a3 ;; beta) echo b1 b2 b3 ;; esac; }
slurm_conf() { echo "$LAB/$1/slurm.conf"; }

# --- process bookkeeping -----------------------------------------------------------------------
pidfile() { echo "$LAB/pids/$1.pid"; }

# is_running NAME: the pid in our pid file is alive (and not a zombie).
is_running() {
    local f pid state
    f="$(pidfile "$1")"
    [[ -f "$f" ]] || return 1
    pid="$(cat "$f")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != Z ]]
}

# conf_files NAME: the config files daemon NAME reads at start.
conf_files() {
    case "$1" in
    slurmdbd) echo "$LAB/dbd/slurmdbd.conf" ;;
    slurmctld-*) echo "$LAB/${1#slurmctld-}/slurm.conf" "$LAB/${1#slurmctld-}/gres.conf" ;;
    slurmd-a*) echo "$LAB/alpha/slurm.conf" "$LAB/alpha/gres.conf" ;;
    slurmd-b*) echo "$LAB/beta/slurm.conf" "$LAB/beta/gres.conf" ;;
    sshd-*) echo "$LAB/ssh/sshd_${1#sshd-}.conf" ;;
    esac
}

conf_sum() { local files; files="$(conf_files "$1")"; [[ -z "$files" ]] || cat $files | sha256sum | cut -c1-16; }

# stop_if_stale NAME: stop a running daemon whose config changed since it started (lab/up
# then starts it again), so re-running a newer lab/up on a running lab applies the change.
stop_if_stale() {
    local name="$1" sumfile="$LAB/pids/$1.sum"
    is_running "$name" || return 0
    # Started by a lab/up that kept no checksum: take it as current.
    [[ -f "$sumfile" ]] || { conf_sum "$name" >"$sumfile"; return 0; }
    [[ "$(cat "$sumfile")" != "$(conf_sum "$name")" ]] || return 0
    log "$name: config changed, restarting it"
    stop_daemon "$name"
}

# launch NAME CMD...: start CMD in its own session, stdio to $LAB/log/NAME.out, record its pid.
launch() {
    local name="$1"; shift
    if is_running "$name"; then return 0; fi
    conf_sum "$name" >"$LAB/pids/$name.sum"
    setsid "$@" </dev/null >>"$LAB/log/$name.out" 2>&1 &
    echo $! >"$(pidfile "$name")"
}

# stop_daemon NAME: TERM, wait up to 15 s, then KILL. Only the pid we recorded.
stop_daemon() {
    local name="$1" pid i
    if ! is_running "$name"; then rm -f "$(pidfile "$name")" "$LAB/pids/$name.sum"; return 0; fi
    pid="$(cat "$(pidfile "$name")")"
    # sshd: also end its per-connection children, so stopping it drops live sessions.
    local children=""
    [[ "$name" == sshd-* ]] && children="$(pgrep -P "$pid" || true)"
    kill -TERM "$pid" $children 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
        is_running "$name" || break
        sleep 0.1
    done
    if is_running "$name"; then log "$name did not stop, killing"; kill -KILL "$pid" 2>/dev/null || true; sleep 0.2; fi
    rm -f "$(pidfile "$name")" "$LAB/pids/$name.sum"
}

# wait_for SECONDS WHAT CMD...: retry CMD every 0.3 s.
wait_for() {
    local secs="$1" what="$2"; shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || die "timed out after ${secs}s waiting for $what"
        sleep 0.3
    done
}

# wait_daemon NAME SECONDS CMD...: like wait_for, but give up at once if NAME died.
wait_daemon() {
    local name="$1" secs="$2"; shift 2
    local deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        if ! is_running "$name"; then
            tail -n 5 "$LAB/log/$name.out" >&2 || true
            die "$name exited (see $LAB/log/$name.out)"
        fi
        ((SECONDS < deadline)) || die "timed out after ${secs}s waiting for $name"
        sleep 0.3
    done
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- daemons -----------------------------------------------------------------------------------
start_munged() {
    launch munged setpriv --reuid=munge --regid=munge --init-groups \
        /usr/sbin/munged -F --socket="$MUNGE_SOCKET" --key-file="$LAB/munge/munge.key" \
        --pid-file="$LAB/munge/munged.pid" --log-file="$LAB/munge/munged.log" \
        --seed-file="$LAB/munge/munged.seed" --num-threads=10
    wait_daemon munged 15 test -S "$MUNGE_SOCKET"
}

start_mariadb() {
    launch mariadb /usr/sbin/mariadbd --no-defaults --datadir="$LAB/db" --user=mysql \
        --bind-address=127.0.0.1 --port="$DB_PORT" --socket="$LAB/db/mariadb.sock" \
        --pid-file="$LAB/db/mariadbd.pid" --skip-name-resolve \
        --innodb-buffer-pool-size=32M --skip-log-bin --max-connections=50
    wait_daemon mariadb 30 mariadb --no-defaults -S "$LAB/db/mariadb.sock" -u root -e 'select 1'
}

start_slurmdbd() {
    # slurmdbd reads slurmdbd.conf from the directory of $SLURM_CONF (it has no -f option).
    launch slurmdbd env SLURM_CONF="$LAB/dbd/slurm.conf" /usr/sbin/slurmdbd -D
    wait_daemon slurmdbd 60 port_open "$DBD_PORT"
}

start_slurmctld() {
    launch "slurmctld-$1" env SLURM_CONF="$(slurm_conf "$1")" /usr/sbin/slurmctld -D -f "$(slurm_conf "$1")"
    wait_daemon "slurmctld-$1" 30 env SLURM_CONF="$(slurm_conf "$1")" scontrol ping
}

start_slurmd() {
    local cluster="$1" node="$2"
    launch "slurmd-$node" env SLURM_CONF="$(slurm_conf "$cluster")" /usr/sbin/slurmd -D -N "$node" -f "$(slurm_conf "$cluster")"
}

start_sshd() {
    mkdir -p /run/sshd && chmod 755 /run/sshd
    launch "sshd-$1" /usr/sbin/sshd -D -f "$LAB/ssh/sshd_$1.conf" -E "$LAB/log/sshd-$1.log"
    wait_daemon "sshd-$1" 15 port_open "$(ssh_port "$1")"
}

# Resume nodes that Slurm itself drained/downed (reason set by SlurmUser), never an admin's.
resume_slurm_drained() {
    local c="$1" node user
    while IFS='|' read -r node user; do
        [[ -n "$node" && "$user" == slurm* ]] || continue
        log "$c: resuming $node (reason set by Slurm)"
        as_root_on "$c" scontrol update nodename="$node" state=resume || true
    done < <(as_root_on "$c" sinfo -h -R -N -o '%N|%U')
}

nodes_idle() {
    local c="$1" bad
    bad="$(as_root_on "$c" sinfo -h -N -o '%N %t' | awk '$2 !~ /^(idle|mix|alloc)$/' | sort -u)"
    [[ -z "$bad" ]]
}

wait_cluster_ready() {
    local c="$1" deadline=$((SECONDS + 60))
    until nodes_idle "$c"; do
        resume_slurm_drained "$c"
        ((SECONDS < deadline)) || { as_root_on "$c" sinfo -N >&2; die "$c: nodes not idle"; }
        sleep 0.5
    done
}

as_root_on() { local c="$1"; shift; env SLURM_CONF="$(slurm_conf "$c")" "$@"; }
