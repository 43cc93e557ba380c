#!/usr/bin/env bash
# Entrypoint of the local mariadb stand-in, honouring the official image's contract
# (https://hub.docker.com/_/mariadb): on an empty /var/lib/mysql, initialise it, set the root
# password, create the database and user from MARIADB_* (or MYSQL_*) variables or their *_FILE
# forms, run /docker-entrypoint-initdb.d, then exec the server as the mysql user.
set -eo pipefail
shopt -s nullglob

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
HEALTHCHECK_CNF=$DATADIR/.my-healthcheck.cnf

log() { printf '%s [Note] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*"; }
warn() { printf '%s [Warn] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2; }
die() {
  printf '%s [ERROR] [Entrypoint]: %s\n' "$(date --rfc-3339=seconds)" "$*" >&2
  exit 1
}

# Resolve MARIADB_<NAME> from, in order: MARIADB_<NAME>, MARIADB_<NAME>_FILE, MYSQL_<NAME>,
# MYSQL_<NAME>_FILE. A variable and its _FILE form together are an error, as in the official image.
file_env() {
  local name=$1 default=${2:-} value=''
  local prefix var fvar
  for prefix in MARIADB MYSQL; do
    var="${prefix}_${name}"
    fvar="${var}_FILE"
    if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
      die "both $var and $fvar are set (but are exclusive)"
    fi
    if [ -n "${!var:-}" ]; then
      value=${!var}
      break
    fi
    if [ -n "${!fvar:-}" ]; then
      [ -r "${!fvar}" ] || die "$fvar points at ${!fvar}, which cannot be read"
      value=$(<"${!fvar}")
      break
    fi
  done
  export "MARIADB_${name}=${value:-$default}"
  unset "MARIADB_${name}_FILE" "MYSQL_${name}" "MYSQL_${name}_FILE"
}

# A string literal for SQL, as the official image escapes it.
sql_escape() {
  local s=${1//\\/\\\\}
  printf '%s' "${s//\'/\\\'}"
}

# A backtick-quoted SQL identifier.
sql_ident() { printf '`%s`' "${1//\`/\`\`}"; }

# Alphanumeric only: the value also goes into an option file, where # and ; start comments.
random_password() (
  set +o pipefail
  tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32
)

# Run SQL read from stdin on the temporary server (socket only), as root.
process_sql() {
  mariadb --protocol=socket --socket="$SOCKET" -uroot --binary-mode --batch --skip-column-names "$@"
}

start_temp_server() {
  # --skip-networking: nothing (and no healthcheck) can reach the server while it initialises.
  "$@" --skip-networking --default-time-zone=SYSTEM --socket="$SOCKET" --wsrep_on=OFF \
    --expire-logs-days=0 --skip-slave-start --loose-innodb_buffer_pool_load_at_startup=0 \
    --skip-ssl &
  TEMP_PID=$!
  local i
  for i in $(seq 60); do
    if mariadb --protocol=socket --socket="$SOCKET" -uroot -e 'SELECT 1' >/dev/null 2>&1; then
      return
    fi
    kill -0 "$TEMP_PID" 2>/dev/null || die "the temporary server exited during start-up"
    sleep 0.5
  done
  die "the temporary server did not start within 30 seconds"
}

stop_temp_server() {
  kill "$TEMP_PID"
  wait "$TEMP_PID" || die "the temporary server did not shut down cleanly"
}

setup_db() {
  local root_pw root_host user_pw hc_pw
  root_pw=$(sql_escape "$MARIADB_ROOT_PASSWORD")
  root_host=$(sql_escape "$MARIADB_ROOT_HOST")
  hc_pw=$(random_password)
  local root_auth="IDENTIFIED BY '$root_pw'"
  if [ -n "$MARIADB_ROOT_PASSWORD_HASH" ]; then
    root_auth="IDENTIFIED BY PASSWORD '$(sql_escape "$MARIADB_ROOT_PASSWORD_HASH")'"
  fi

  local create_root=''
  if [ "$MARIADB_ROOT_HOST" != localhost ]; then
    create_root="CREATE USER 'root'@'$root_host' $root_auth;
      GRANT ALL ON *.* TO 'root'@'$root_host' WITH GRANT OPTION;
      GRANT PROXY ON ''@'%' TO 'root'@'$root_host' WITH GRANT OPTION;"
  fi

  local create_db='' create_user=''
  if [ -n "$MARIADB_DATABASE" ]; then
    log "Creating database $MARIADB_DATABASE"
    create_db="CREATE DATABASE IF NOT EXISTS $(sql_ident "$MARIADB_DATABASE");"
  fi
  if [ -n "$MARIADB_USER" ]; then
    [ "$MARIADB_USER" != root ] || die "MARIADB_USER=root: use MARIADB_ROOT_PASSWORD for root"
    log "Creating user $MARIADB_USER"
    user_pw="IDENTIFIED BY '$(sql_escape "$MARIADB_PASSWORD")'"
    if [ -n "$MARIADB_PASSWORD_HASH" ]; then
      user_pw="IDENTIFIED BY PASSWORD '$(sql_escape "$MARIADB_PASSWORD_HASH")'"
    elif [ -z "$MARIADB_PASSWORD" ]; then
      warn "MARIADB_USER is set but MARIADB_PASSWORD is empty: the user has no password"
    fi
    local u
    u=$(sql_escape "$MARIADB_USER")
    create_user="CREATE USER '$u'@'%' $user_pw;"
    if [ -n "$MARIADB_DATABASE" ]; then
      create_user+="GRANT ALL ON $(sql_ident "${MARIADB_DATABASE//_/\\_}").* TO '$u'@'%';"
    fi
  fi

  # The official image's healthcheck account: local only, USAGE only, credentials in the datadir
  # so healthcheck.sh never needs the root password.
  process_sql <<-SQL
	SET @@SESSION.SQL_LOG_BIN=0;
	SET @@SESSION.SQL_MODE=REPLACE(@@SESSION.SQL_MODE, 'NO_BACKSLASH_ESCAPES', '');
	DROP USER IF EXISTS root@'127.0.0.1', root@'::1';
	EXECUTE IMMEDIATE CONCAT('DROP USER IF EXISTS root@\'', @@hostname, '\'');
	ALTER USER 'root'@'localhost' $root_auth;
	$create_root
	CREATE USER healthcheck@'127.0.0.1' IDENTIFIED BY '$hc_pw';
	CREATE USER healthcheck@'::1' IDENTIFIED BY '$hc_pw';
	CREATE USER healthcheck@localhost IDENTIFIED BY '$hc_pw';
	GRANT USAGE ON *.* TO healthcheck@'127.0.0.1', healthcheck@'::1', healthcheck@localhost;
	DROP DATABASE IF EXISTS test;
	$create_db
	$create_user
	FLUSH PRIVILEGES;
	SQL
  (
    umask 077
    printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\n' \
      "$SOCKET" "$hc_pw" >"$HEALTHCHECK_CNF"
  )
}

# Run one file of /docker-entrypoint-initdb.d, as the official image does.
process_init_file() {
  local f=$1
  local -a db=()
  [ -z "$MARIADB_DATABASE" ] || db=(--database="$MARIADB_DATABASE")
  case "$f" in
    *.sh)
      if [ -x "$f" ]; then
        log "$0: running $f"
        "$f"
      else
        log "$0: sourcing $f"
        # shellcheck disable=SC1090
        . "$f"
      fi
      ;;
    *.sql) log "$0: running $f" && MYSQL_PWD=$MARIADB_ROOT_PASSWORD process_sql "${db[@]}" <"$f" ;;
    *.sql.gz) log "$0: running $f" && gunzip -c "$f" | MYSQL_PWD=$MARIADB_ROOT_PASSWORD process_sql "${db[@]}" ;;
    *.sql.xz) log "$0: running $f" && xzcat "$f" | MYSQL_PWD=$MARIADB_ROOT_PASSWORD process_sql "${db[@]}" ;;
    *) log "$0: ignoring $f" ;;
  esac
}

# Read every setting (as root, like the official image, so secrets may be root-only files); the
# resolved values are exported and survive the switch to the mysql user.
setup_env() {
  local name
  for name in ROOT_PASSWORD ROOT_PASSWORD_HASH DATABASE USER PASSWORD PASSWORD_HASH \
    RANDOM_ROOT_PASSWORD ALLOW_EMPTY_ROOT_PASSWORD; do
    file_env "$name"
  done
  file_env ROOT_HOST '%'
}

init_datadir() {
  if [ -z "$MARIADB_ROOT_PASSWORD" ] && [ -z "$MARIADB_ROOT_PASSWORD_HASH" ] &&
    [ -z "$MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" ] && [ -z "$MARIADB_RANDOM_ROOT_PASSWORD" ]; then
    die "Database is uninitialized and password option is not specified
	You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"
  fi
  if [ -n "$MARIADB_RANDOM_ROOT_PASSWORD" ] && [ -z "$MARIADB_ROOT_PASSWORD" ]; then
    MARIADB_ROOT_PASSWORD=$(random_password)
    export MARIADB_ROOT_PASSWORD
    log "GENERATED ROOT PASSWORD: $MARIADB_ROOT_PASSWORD"
  fi

  log "Initializing database files"
  mariadb-install-db --datadir="$DATADIR" --rpm --auth-root-authentication-method=normal \
    --skip-test-db --old-mode='UTF8_IS_UTF8MB3' --default-time-zone=SYSTEM \
    --enforce-storage-engine= --skip-log-bin --expire-logs-days=0 \
    --loose-innodb_buffer_pool_load_at_startup=0 --loose-innodb_buffer_pool_dump_at_shutdown=0 \
    >/dev/null
  log "Database files initialized"

  log "Starting temporary server"
  start_temp_server "$@"
  log "Temporary server started"
  setup_db
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    process_init_file "$f"
  done
  log "Stopping temporary server"
  stop_temp_server
  log "Temporary server stopped"
  log "MariaDB init process done. Ready for start up."
}

# `mariadbd --version` and friends only print; they need no data directory.
want_help() {
  local arg
  for arg; do
    case "$arg" in -'?' | --help | --print-defaults | -V | --version) return 0 ;; esac
  done
  return 1
}

# `docker run IMAGE --some-option` means `mariadbd --some-option`.
if [ "${1:0:1}" = '-' ]; then
  set -- mariadbd "$@"
fi

if { [ "$1" = mariadbd ] || [ "$1" = mysqld ]; } && ! want_help "$@"; then
  setup_env
  if [ "$(id -u)" = 0 ]; then
    # Own what the server writes, then come back as mysql (the official image uses gosu).
    mkdir -p "$DATADIR" /run/mysqld
    find "$DATADIR" /run/mysqld \! -user mysql -exec chown mysql:mysql '{}' +
    exec setpriv --reuid=mysql --regid=mysql --init-groups "$BASH_SOURCE" "$@"
  fi
  if [ ! -d "$DATADIR/mysql" ]; then
    init_datadir "$@"
  fi
  exec "$@"
fi

exec "$@"
