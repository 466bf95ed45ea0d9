# scripts/lib/instance.sh: helpers shared by the server-instance scripts (scripts/dovecot-,
# cyrus-, courier-, radicale- and xandikos-instance). Sourced; expects $prog to be set, and
# usage_error to be defined by the script.
#
#   abspath P           absolute path, P need not exist
#   valid_port P        true for 1..65535
#   pid_alive PID       exists and is not a zombie
#   pid_listens PID P   PID has a listening TCP socket on 127.0.0.1:P
#   descendants PID     all descendants, from /proc (no procps)
#   any_alive PID...    true if one of them is alive
#   stop_tree PID WHAT  SIGTERM to PID and its descendants, SIGKILL after 10 s
#   stop_pidfile F WHAT MATCH   stop_tree for the pid in F if its command line holds MATCH
#   imap_greeting_ok P  one try at reading "* OK" from 127.0.0.1:P
#   log_tail FILE...    the last lines of each non-empty file, on stderr
#   urlencode S         S percent-encoded as one URL path segment
#   mkcalendar URL USER PW NAME BODY [CURL_OPTION...]   MKCALENDAR; prints the HTTP status
#   put_calendar URL DIR USER PW [CURL_OPTION...]       PUTs DIR/*.ics into the calendar at URL
#   stop_and_die DIR MESSAGE   stops the half-started server (the script's cmd_stop), fails
#   instance_main ARGS  the command line of every instance script: start DIR ... | stop DIR
#   servers_root        where scripts/install-deps unpacked the private servers
#   check_users [mail] [CHARS]  checks the NAME:PASSWORD list in the array "users" and fills
#                       the associative array "passwords"

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

# pid_listens PID PORT: PID has a listening TCP socket on 127.0.0.1:PORT (from /proc/net/tcp).
pid_listens() {
    local pid=$1 port=$2 hexport inode
    hexport=$(printf '%04X' "$port")
    local -A listening=()
    while read -r inode; do
        listening["socket:[$inode]"]=1
    done < <(awk -v p="0100007F:$hexport" '$2 == p && $4 == "0A" {print $10}' /proc/net/tcp)
    ((${#listening[@]} > 0)) || return 1
    local fd target
    for fd in "/proc/$pid/fd/"*; do
        target=$(readlink "$fd" 2>/dev/null) || continue
        [[ -n ${listening[$target]:-} ]] && return 0
    done
    return 1
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

# stop_pidfile PIDFILE WHAT MATCH: stop_tree for the pid PIDFILE holds, if that process is
# alive and its command line holds MATCH (a recycled pid is left alone); PIDFILE is removed.
# Not running is not an error.
stop_pidfile() {
    local pidfile=$1 what=$2 match=$3 pid
    if [[ ! -f $pidfile ]]; then
        echo "$prog: stop: no $pidfile; $what is not running" >&2
        return 0
    fi
    pid=$(<"$pidfile")
    if ! [[ $pid =~ ^[0-9]+$ ]] || ! pid_alive "$pid"; then
        echo "$prog: stop: $what (pid ${pid:-?}) is not running" >&2
    elif ! grep -qaF -- "$match" "/proc/$pid/cmdline" 2>/dev/null; then
        echo "$prog: stop: pid $pid from $pidfile is not $what; not killing it" >&2
    else
        stop_tree "$pid" "$what"
    fi
    rm -f "$pidfile"
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

# urlencode S: S percent-encoded as one URL path segment (RFC 3986 unreserved bytes kept).
urlencode() {
    local LC_ALL=C s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
            [A-Za-z0-9._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s' "$out"
}

# servers_root: the directory scripts/install-deps unpacked Cyrus and Courier into.
servers_root() { echo "${ACTIVITY_SERVERS_DIR:-/opt/activity-servers}"; }

# check_users [plain|mail] [CHARS]: validates the NAME:PASSWORD entries of the array "users"
# and fills the associative array "passwords" (NAME -> PASSWORD). Names: plain (the default)
# allows a-z 0-9 _ -; mail allows letters, digits and . _ @ + - (not first '.'). A password is
# non-empty, without whitespace or any of CHARS (default ":|": the servers' user-file formats).
check_users() {
    local names=${1:-plain} forbidden=${2-:|} u name pw c i shown=""
    declare -gA passwords=()
    for ((i = 0; i < ${#forbidden}; i++)); do shown+="'${forbidden:i:1}', "; done
    shown=${shown:+${shown%, } or }
    [[ ${#users[@]} -gt 0 ]] || usage_error "start: at least one --user NAME:PASSWORD is required"
    for u in "${users[@]}"; do
        [[ $u == *:* ]] || usage_error "start: --user must be NAME:PASSWORD, got: $u"
        name=${u%%:*}; pw=${u#*:}
        if [[ $names == mail ]]; then
            [[ $name =~ ^[A-Za-z0-9._@+-]+$ && $name != .* ]] ||
                usage_error "start: bad user name '$name' (allowed: letters, digits, . _ @ + -)"
        else
            [[ $name =~ ^[a-z0-9_-]+$ ]] ||
                usage_error "start: bad user name '$name' (allowed: a-z 0-9 _ -)"
        fi
        [[ -n $pw && $pw != *[[:space:]]* ]] || usage_error "start: bad password for $name (non-empty, without ${shown}whitespace)"
        for ((i = 0; i < ${#forbidden}; i++)); do
            c=${forbidden:i:1}
            [[ $pw != *"$c"* ]] || usage_error "start: bad password for $name (non-empty, without ${shown}whitespace)"
        done
        [[ -z ${passwords[$name]:-} ]] || usage_error "start: user $name given twice"
        passwords[$name]=$pw
    done
}

# mkcalendar URL USER PW NAME BODY [CURL_OPTION...]: MKCALENDAR of URL with NAME as its display
# name; prints the HTTP status and leaves the answer in the file BODY. Fails on a curl error.
mkcalendar() {
    local url=$1 user=$2 pw=$3 name=$4 body=$5
    shift 5
    name=${name//&/&amp;}; name=${name//</&lt;}; name=${name//>/&gt;}
    curl -sS "$@" -o "$body" -w '%{http_code}' -u "$user:$pw" -X MKCALENDAR \
        -H 'Content-Type: application/xml; charset=utf-8' --data-binary @- "$url" <<XML ||
<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:set><D:prop><D:displayname>$name</D:displayname></D:prop></D:set>
</C:mkcalendar>
XML
        die "start: MKCALENDAR $url failed (curl error)"
}

# put_calendar URL DIR USER PW [CURL_OPTION...]: PUTs every DIR/*.ics into the calendar at URL,
# all in one curl process (one connection). A refused one is sent again alone, to show the
# server's reason, and the script fails.
put_calendar() {
    local cal_url=$1 cdir=$2 user=$3 pw=$4 f out code i=0
    shift 4
    local -a args=() files=()
    for f in "$cdir"/*.ics; do
        [[ -f $f ]] || continue
        files+=("$f")
        ((${#args[@]} == 0)) || args+=(--next)
        args+=(-sS "$@" -o /dev/null -w '%{http_code}\n' -u "$user:$pw" -X PUT
               -H 'Content-Type: text/calendar; charset=utf-8'
               --data-binary "@$f" "$cal_url$(urlencode "${f##*/}")")
    done
    ((${#files[@]} > 0)) || return 0
    out=$(curl "${args[@]}") || die "start: uploading $cdir failed (curl error)"
    while IFS= read -r code; do
        if [[ $code != 201 && $code != 204 ]]; then
            f=${files[i]}
            curl -sS "$@" -u "$user:$pw" -X PUT -H 'Content-Type: text/calendar; charset=utf-8' \
                --data-binary "@$f" "$cal_url$(urlencode "${f##*/}")" >&2 || true
            echo >&2
            die "start: PUT of $f to $cal_url answered HTTP $code"
        fi
        i=$((i + 1))
    done <<<"$out"
    ((i == ${#files[@]})) || die "start: uploading $cdir: expected ${#files[@]} answers, got $i"
}

# stop_and_die DIR MESSAGE: stops what was started in DIR (the script's cmd_stop), then fails.
stop_and_die() {
    cmd_stop "$1" 2>/dev/null || true
    die "$2"
}

# instance_main ARGS...: the command line of every instance script.
instance_main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case "$cmd" in
        start) cmd_start "$@" ;;
        stop)  cmd_stop "$@" ;;
        -h|--help|help) usage ;;
        *) usage_error "unknown command: $cmd" ;;
    esac
}
