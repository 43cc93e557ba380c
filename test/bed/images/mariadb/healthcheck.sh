#!/usr/bin/env bash
# healthcheck.sh of the local mariadb stand-in, compatible with the official image's usage:
#   healthcheck.sh [--su-mysql] [--defaults-extra-file=F] --connect --innodb_initialized
# Each test must pass. It needs no root password: it uses the local `healthcheck` account whose
# credentials the entrypoint wrote into the data directory, as the official image does.
set -uo pipefail

datadir=/var/lib/mysql
extra_file=''
tests=()

for arg in "$@"; do
  case "$arg" in
    --connect | --innodb_initialized | --innodb_buffer_pool_loaded) tests+=("${arg#--}") ;;
    --su-mysql | --su=*) ;; # we run the client only; it needs no privileges of the mysql user
    --datadir=*) datadir=${arg#--datadir=} ;;
    --defaults-extra-file=*) extra_file=${arg#--defaults-extra-file=} ;;
    --no-defaults | --defaults-group-suffix=* | --defaults-file=*) ;;
    *)
      echo "healthcheck.sh (notesctl test bed stand-in): unsupported option $arg" >&2
      exit 2
      ;;
  esac
done
if [ ${#tests[@]} -eq 0 ]; then
  echo 'healthcheck.sh: name at least one test (--connect, --innodb_initialized)' >&2
  exit 2
fi
if [ -z "$extra_file" ] && [ -r "$datadir/.my-healthcheck.cnf" ]; then
  extra_file=$datadir/.my-healthcheck.cnf
fi

# Over TCP to 127.0.0.1 only: the entrypoint's temporary server runs with --skip-networking, so
# nothing reports healthy before initialisation has finished and the real server listens.
client() {
  mariadb ${extra_file:+--defaults-extra-file="$extra_file"} --protocol=tcp -h 127.0.0.1 \
    -P 3306 --connect-timeout=2 --batch --skip-column-names "$@"
}

# The server accepts TCP connections; as in the official image, a refused login still counts.
connect() {
  local out
  out=$(client -e 'SELECT 1' 2>&1) && return 0
  case "$out" in *"Can't connect"*) echo "$out" >&2 && return 1 ;; esac
  return 0
}

innodb_initialized() {
  local out
  out=$(client -e "SELECT 1 FROM information_schema.ENGINES WHERE engine='innodb' AND support IN ('YES', 'DEFAULT', 'ENABLED')") ||
    return 1
  [ "$out" = 1 ]
}

innodb_buffer_pool_loaded() {
  local out
  out=$(client -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME='INNODB_BUFFER_POOL_LOAD_STATUS'") ||
    return 1
  # Completed, or nothing to load (a fresh data directory has no ib_buffer_pool dump).
  case "$out" in *'load completed'* | *'not found'* | '') return 0 ;; esac
  return 1
}

for t in "${tests[@]}"; do
  if ! "$t"; then
    echo "healthcheck.sh: $t failed" >&2
    exit 1
  fi
done
exit 0
