#!/bin/sh
# Roots that trip the lint rules the main corpus cannot (OpenSSL 3): an Ed25519 root (a key kind and
# signature algorithm Windows does not commonly use for roots) and a version 1 root with a 512-bit
# RSA key signed with MD5. Run in this directory; the keys are thrown away.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm ed25519 -out "$tmp/ed.key"
openssl req -x509 -new -key "$tmp/ed.key" -subj "/CN=osdgate test Ed25519 root" -days 7300 \
  -set_serial 0x0e25519 -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" -outform DER -out ed25519-root.der
openssl genrsa -out "$tmp/r512.key" 512
openssl req -new -key "$tmp/r512.key" -subj "/CN=osdgate test RSA-512 v1 root" -out "$tmp/r.csr"
openssl x509 -req -in "$tmp/r.csr" -signkey "$tmp/r512.key" -md5 -days 7300 -set_serial 512 \
  -outform DER -out rsa512-md5-v1.der
