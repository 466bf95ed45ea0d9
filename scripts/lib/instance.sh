# scripts/lib/instance.sh: helpers shared by scripts/cyrus-instance and
# scripts/courier-instance (sourced; expects $prog to be set).
#
#   abspath P           absolute path, P need not exist
#   valid_port P        true for 1..65535
#   pid_alive PID       exists and is not a zombie
#   descendants PID     all descendants, from /proc (no procps)
#   any_alive PID...    true if one of them is alive
#   stop_tree PID WHAT  SIGTERM to PID and its descendants, SIGKILL after 10 s
#   imap_greeting_ok P  one try at reading "* OK" from 127.0.0.1:P
#   wait_imap P PID WHAT LOGDIR   waits (15 s) for an IMAP greeting while PID lives
#   servers_root        where scripts/install-deps unpacked the private servers
#   parse_users         checks the NAME:PASSWORD list in the array "users"

die() { echo "$prog: $*" >&2; exit 1; }

abspath() {
    case "$1" in
        /*) realpath -m -- "$1" ;;
        *)  realpath -m -- "$PWD/$1" ;;
    esac
}

valid_port() { [[ $1 =~ ^[0-9]+$ ]] && (( 10#$1 >= 1 && 10#$1 <= 65535 )); }

pid_alive() {
    local state
    [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
    state=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
    [[ -n $state && $state != Z ]]
}

descendants() {
    local root=$1 f line pid ppid changed
    local -A parent=() found=()
    for f in /proc/[0-9]*/stat; do
        { IFS= read -r line <"$f"; } 2>/dev/null || continue
        pid=${line%% *}
        line=${line##*) }
        ppid=${line#* }; ppid=${ppid%% *}
        parent[$pid]=$ppid
    done
    found[$root]=1
    changed=1
    while ((changed)); do
        changed=0
        for pid in "${!parent[@]}"; do
            if [[ -z ${found[$pid]:-} && -n ${found[${parent[$pid]}]:-} ]]; then
                found[$pid]=1; changed=1
            fi
        done
    done
    unset "found[$root]"
    echo "${!found[@]}"
}

any_alive() {
    local p
    for p in "$@"; do
        [[ -n $p ]] && pid_alive "$p" && return 0
    done
    return 1
}

# stop_tree PID WHAT: the process and every descendant get SIGTERM together; SIGKILL after 10 s.
stop_tree() {
    local pid=$1 what=$2 deadline
    local -a kids
    # shellcheck disable=SC2207
    kids=($(descendants "$pid"))
    kill -TERM "$pid" "${kids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while pid_alive "$pid" || any_alive "${kids[@]}"; do
        if ((SECONDS >= deadline)); then
            echo "$prog: stop: $what (pid $pid) did not exit within 10 s; sending SIGKILL" >&2
            # shellcheck disable=SC2207
            kids+=($(descendants "$pid"))
            kill -KILL "$pid" "${kids[@]}" 2>/dev/null || true
            sleep 0.2
            break
        fi
        sleep 0.05
    done
}

imap_greeting_ok() {
    local port=$1 fd line
    { exec {fd}<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
    if IFS= read -r -t 2 -u "$fd" line && [[ $line == "* OK"* ]]; then
        { printf 'z LOGOUT\r\n' >&"$fd"; } 2>/dev/null || true
        exec {fd}>&-
        return 0
    fi
    exec {fd}>&-
    return 1
}

# log_tail FILE...: the last lines of each non-empty file, on stderr.
log_tail() {
    local f
    for f in "$@"; do
        if [[ -s $f ]]; then
            echo "--- tail of $f:" >&2
            tail -n 30 "$f" >&2
        fi
    done
}

# servers_root: the directory scripts/install-deps unpacked Cyrus and Courier into.
servers_root() { echo "${ACTIVITY_SERVERS_DIR:-/opt/activity-servers}"; }

# check_users: validates the NAME:PASSWORD entries of the array "users".
check_users() {
    local u name pw
    local -A seen=()
    [[ ${#users[@]} -gt 0 ]] || usage_error "start: at least one --user NAME:PASSWORD is required"
    for u in "${users[@]}"; do
        [[ $u == *:* ]] || usage_error "start: --user must be NAME:PASSWORD, got: $u"
        name=${u%%:*}; pw=${u#*:}
        [[ $name =~ ^[a-z0-9_-]+$ ]] ||
            usage_error "start: bad user name '$name' (allowed: a-z 0-9 _ -)"
        [[ -n $pw && $pw != *:* && $pw != *[[:space:]]* && $pw != *\|* ]] ||
            usage_error "start: bad password for $name (non-empty, without ':', '|' or whitespace)"
        [[ -z ${seen[$name]:-} ]] || usage_error "start: user $name given twice"
        seen[$name]=1
    done
}
