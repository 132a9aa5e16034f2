#!/bin/sh
# The certificate of the demo's HTTPS listener (etc/hearth.json, :8443),
# made on this machine when missing or no longer valid; `make run` calls
# this first. Nothing it writes is committed (etc/tls/ is gitignored).
#
#   etc/demo_certificates.sh [DIR]      DIR defaults to etc/tls beside this script
#
# DIR/ca.pem, ca.key        a private CA, ECDSA P-256, 10 years. Its name
#                           constraints let it vouch for localhost,
#                           127.0.0.0/8 and ::1 only, so trusting it in a
#                           browser cannot be used against any other site.
# DIR/localhost.pem, .key   the server's certificate, ECDSA P-256, 397 days,
#                           for localhost, 127.0.0.1 and ::1, signed by the CA.
#
# Idempotent: files that exist, match their key, verify and stay valid for
# another day are kept. An expired or broken server certificate is made
# again with the same CA (a browser that trusts it keeps trusting); only a
# missing or broken CA makes a new CA, and then a new server certificate.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$here/tls}
command -v openssl >/dev/null 2>&1 || {
  echo "demo_certificates.sh: openssl is missing (apt-get install openssl)" >&2
  exit 1
}
umask 077
mkdir -p "$dir"
cd "$dir"

# matches CERT KEY: the key is the certificate's.
matches() {
  [ -s "$1" ] && [ -s "$2" ] || return 1
  a=$(openssl x509 -in "$1" -noout -pubkey 2>/dev/null) || return 1
  b=$(openssl pkey -in "$2" -pubout 2>/dev/null) || return 1
  [ -n "$a" ] && [ "$a" = "$b" ]
}
ca_ok() {
  matches ca.pem ca.key && openssl x509 -in ca.pem -noout -checkend 86400 >/dev/null 2>&1
}
server_ok() {
  matches localhost.pem localhost.key &&
    openssl x509 -in localhost.pem -noout -checkend 86400 >/dev/null 2>&1 &&
    openssl verify -CAfile ca.pem -verify_hostname localhost localhost.pem >/dev/null 2>&1 &&
    openssl verify -CAfile ca.pem -verify_ip 127.0.0.1 localhost.pem >/dev/null 2>&1
}

if ca_ok && server_ok; then
  exit 0
fi

work=$(mktemp -d "$dir/.new.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Our own openssl config: the system's [req] section would add extensions twice.
cat >"$work/openssl.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;DNS:localhost, permitted;IP:127.0.0.0/255.0.0.0, permitted;IP:::1/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF
quiet() { out=$("$@" 2>&1) || { echo "$out" >&2; echo "demo_certificates.sh: failed: $*" >&2; exit 1; }; }

if ! ca_ok; then
  echo "demo_certificates.sh: making a new CA in $dir/ca.pem (trust it once in your browser, see README.md)"
  quiet openssl req -config "$work/openssl.cnf" -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/ca.key" -out "$work/ca.pem" -days 3650 -sha256 \
    -subj "/O=hearth demo/CN=hearth demo CA (localhost only)" -extensions ca \
    -set_serial "0x$(openssl rand -hex 16)"
  mv "$work/ca.key" ca.key
  mv "$work/ca.pem" ca.pem
  rm -f localhost.pem  # signed by the CA just replaced
fi

echo "demo_certificates.sh: making $dir/localhost.pem for localhost, 127.0.0.1 and ::1"
quiet openssl req -config "$work/openssl.cnf" -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -keyout "$work/localhost.key" -out "$work/localhost.csr" -subj "/O=hearth demo/CN=localhost"
quiet openssl x509 -req -in "$work/localhost.csr" -CA ca.pem -CAkey ca.key -days 397 -sha256 \
  -extfile "$work/openssl.cnf" -extensions server -set_serial "0x$(openssl rand -hex 16)" -out "$work/localhost.pem"
mv "$work/localhost.key" localhost.key
mv "$work/localhost.pem" localhost.pem
chmod 644 ca.pem localhost.pem  # public; the keys stay private
server_ok || { echo "demo_certificates.sh: the new certificate does not verify" >&2; exit 1; }
