#!/bin/sh
# A throwaway CA and, signed by it, the certificate Pebble serves its own API with (names
# `pebble`, `localhost`, 127.0.0.1), written to DIR: ca.pem, cert.pem, key.pem. The CA's key is
# deleted: nothing else is ever signed with it.
#
#   make-certs.sh DIR
set -eu
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.key"
openssl req -x509 -new -key "$tmp/ca.key" -sha256 -days 3650 \
  -subj '/CN=notesctl test bed Pebble API CA' \
  -addext 'basicConstraints=critical,CA:TRUE' \
  -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -out "$dir/ca.pem"

openssl ecparam -name prime256v1 -genkey -noout -out "$dir/key.pem"
openssl req -new -key "$dir/key.pem" -subj '/CN=pebble' -out "$tmp/leaf.csr"
cat >"$tmp/leaf.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:pebble, DNS:localhost, IP:127.0.0.1
EXT
openssl x509 -req -in "$tmp/leaf.csr" -CA "$dir/ca.pem" -CAkey "$tmp/ca.key" \
  -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days 3650 \
  -extfile "$tmp/leaf.ext" -out "$dir/cert.pem"

openssl verify -CAfile "$dir/ca.pem" "$dir/cert.pem"
chmod 644 "$dir/ca.pem" "$dir/cert.pem"
chmod 600 "$dir/key.pem"
