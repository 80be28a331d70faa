#!/bin/sh
# Generates the trust test fixtures ONCE; the results are checked in so tests are deterministic.
# Re-running replaces every certificate (new keys, new thumbprints): then regenerate the goldens with
#   OSDGATE_UPDATE_GOLDEN=1 cargo test -p osdgate-model --test trust_golden
# Needs: openssl (3.x), python3.
#
# For each certificate NAME it writes NAME.pem, NAME.der and NAME.expected: the values of the blob
# properties as computed by openssl/python (independently of the Rust code under test), one
# `key=value` per line, hex uppercase.
set -eu
cd "$(dirname "$0")"
rm -f ./*.pem ./*.der ./*.expected ./*.p7b ./*.p7c ./*.pfx ./*.key ./*.blob ./*.reg
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/ext.cnf" <<'CNF'
[root_ski]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[root_noski]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = none
authorityKeyIdentifier = none
[intermediate]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:gateway.contoso.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[nonca]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
CNF

key() { # name algorithm...
  case "$2" in
    rsa) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$3" -out "$work/$1.key" 2>/dev/null ;;
    ec) openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$3" -out "$work/$1.key" ;;
  esac
}

selfsigned() { # name digest section subject days
  openssl req -new -x509 -key "$work/$1.key" "-$2" -days "$5" -subj "$4" -config "$work/ext.cnf" \
    -extensions "$3" -set_serial "0x$(openssl rand -hex 8)" -out "$1.pem"
}

signed() { # name issuer digest section subject
  openssl req -new -key "$work/$1.key" -subj "$5" -out "$work/$1.csr"
  openssl x509 -req -in "$work/$1.csr" -CA "$2.pem" -CAkey "$work/$2.key" "-$3" -days 3650 \
    -extfile "$work/ext.cnf" -extensions "$4" -set_serial "0x$(openssl rand -hex 8)" -out "$1.pem" 2>/dev/null
}

key rsa1024-sha1 rsa 1024;        selfsigned rsa1024-sha1 sha1 root_ski "/C=US/O=Osdgate Test/CN=Osdgate RSA1024 SHA1 Root" 7300
key rsa2048-sha1 rsa 2048;        selfsigned rsa2048-sha1 sha1 root_ski "/C=US/O=Osdgate Test/CN=Osdgate RSA2048 SHA1 Root" 7300
key rsa2048-sha256 rsa 2048;      selfsigned rsa2048-sha256 sha256 root_ski "/C=DE/ST=Berlin/L=Berlin/O=Osdgate Test/OU=PKI/CN=Osdgate RSA2048 SHA256 Root" 7300
key rsa2048-sha256-noski rsa 2048; selfsigned rsa2048-sha256-noski sha256 root_noski "/C=US/O=Contoso, Ltd/CN=Osdgate RSA2048 no SKI Root" 7300
key rsa4096-sha1 rsa 4096;        selfsigned rsa4096-sha1 sha1 root_noski "/C=US/O=Osdgate Test/CN=Osdgate RSA4096 SHA1 no SKI Root" 7300
key rsa4096-sha256 rsa 4096;      selfsigned rsa4096-sha256 sha256 root_ski "/C=NL/O=Osdgate Test/CN=Osdgate RSA4096 SHA256 Root" 7300
key rsa3072-sha384 rsa 3072;      selfsigned rsa3072-sha384 sha384 root_ski "/C=US/O=Osdgate Test/CN=Osdgate RSA3072 SHA384 Root" 7300
key ec256-sha256 ec P-256;        selfsigned ec256-sha256 sha256 root_ski "/C=US/O=Osdgate Test/CN=Osdgate ECC P-256 Root" 7300
key ec256-sha256-noski ec P-256;  selfsigned ec256-sha256-noski sha256 root_noski "/C=US/O=Osdgate Test/CN=Osdgate ECC P-256 no SKI Root" 7300
key ec384-sha384 ec P-384;        selfsigned ec384-sha384 sha384 root_ski "/C=US/O=Osdgate Test/CN=Osdgate ECC P-384 Root" 7300
key ec384-sha384-noski ec P-384;  selfsigned ec384-sha384-noski sha384 root_noski "/C=US/O=Osdgate Test/CN=Osdgate ECC P-384 no SKI Root" 7300

# A chain for the gateway check: root -> intermediate -> gateway leaf.
key chain-root rsa 2048;          selfsigned chain-root sha256 root_ski "/C=US/O=Contoso/CN=Contoso Chain Root" 7300
key chain-intermediate ec P-384;  signed chain-intermediate chain-root sha256 intermediate "/C=US/O=Contoso/CN=Contoso Issuing CA"
key chain-leaf ec P-256;          signed chain-leaf chain-intermediate sha384 leaf "/C=US/O=Contoso/CN=gateway.contoso.test"
cat chain-leaf.pem chain-intermediate.pem > chain-gateway.pem
# A root that did not issue the chain.
key other-root rsa 2048;          selfsigned other-root sha256 root_ski "/C=US/O=Fabrikam/CN=Fabrikam Root" 7300

# Not a CA (self-signed server certificate).
key nonca rsa 2048;               selfsigned nonca sha256 nonca "/C=US/O=Osdgate Test/CN=selfsigned.contoso.test" 3650

# Expired root (valid 2015-01-01 .. 2020-01-01), made with `openssl ca` to set the dates.
key expired rsa 2048
mkdir -p "$work/ca"; : > "$work/ca/index.txt"; echo 01 > "$work/ca/serial"
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $work/ca/index.txt
serial = $work/ca/serial
new_certs_dir = $work/ca
default_md = sha256
policy = p
copy_extensions = none
[p]
commonName = supplied
organizationName = optional
countryName = optional
CNF
openssl req -new -key "$work/expired.key" -subj "/C=US/O=Osdgate Test/CN=Osdgate Expired Root" -out "$work/expired.csr"
openssl ca -batch -config "$work/ca.cnf" -selfsign -keyfile "$work/expired.key" -in "$work/expired.csr" \
  -startdate 20150101000000Z -enddate 20200101000000Z -extfile "$work/ext.cnf" -extensions root_ski \
  -notext -out expired.pem 2>/dev/null

# Bundles, PFX, keys.
openssl crl2pkcs7 -nocrl -certfile chain-root.pem -certfile chain-intermediate.pem -out bundle.p7b
openssl crl2pkcs7 -nocrl -certfile chain-root.pem -certfile chain-intermediate.pem -outform DER -out bundle.p7c
cat rsa2048-sha256.pem ec256-sha256.pem > two-roots.pem
openssl pkcs12 -export -inkey "$work/nonca.key" -in nonca.pem -passout pass:test -out nonca.pfx
cp "$work/nonca.key" private-pkcs8.key
openssl pkey -in "$work/nonca.key" -outform DER -out private-rsa-der.key
openssl pkcs8 -topk8 -nocrypt -in "$work/nonca.key" -outform DER -out private-pkcs8-der.key
openssl pkcs8 -topk8 -in "$work/nonca.key" -passout pass:test -outform DER -out private-pkcs8-encrypted-der.key
openssl rsa -in "$work/nonca.key" -traditional -out private-rsa.key 2>/dev/null
openssl ec -in "$work/ec256-sha256.key" -outform DER -out private-ec-sec1-der.key 2>/dev/null

# DER copies and the independently computed expectations.
for pem in *.pem; do
  name=${pem%.pem}
  [ "$name" = two-roots ] && continue
  [ "$name" = chain-gateway ] && continue
  openssl x509 -in "$pem" -outform DER -out "$name.der"
  openssl x509 -in "$pem" -noout -pubkey | openssl pkey -pubin -outform DER -out "$work/$name.spki"
  sha1=$(openssl x509 -in "$pem" -noout -fingerprint -sha1 | sed 's/.*=//; s/://g')
  sha256=$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')
  md5=$(openssl x509 -in "$pem" -noout -fingerprint -md5 | sed 's/.*=//; s/://g')
  ski=$(openssl x509 -in "$pem" -noout -ext subjectKeyIdentifier 2>/dev/null | sed -n '2p' | tr -d ' :' | tr a-f A-F)
  bits=$(openssl x509 -in "$pem" -noout -text | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p')
  sigalg=$(openssl x509 -in "$pem" -noout -text | sed -n 's/.*Signature Algorithm: \(.*\)/\1/p' | head -1 | tr -d ' ')
  subject=$(openssl x509 -in "$pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
  python3 - "$name.der" "$work/$name.spki" "$sigalg" "$ski" > "$name.expected" <<'PY'
import hashlib, sys
der = open(sys.argv[1], 'rb').read()
spki = open(sys.argv[2], 'rb').read()
sigalg, ski = sys.argv[3], sys.argv[4]
def tlv(buf, pos):
    """Returns (start_of_value, end_of_tlv) of the DER TLV at pos."""
    first = buf[pos + 1]
    if first < 0x80:
        return pos + 2, pos + 2 + first
    n = first & 0x7f
    length = int.from_bytes(buf[pos + 2:pos + 2 + n], 'big')
    return pos + 2 + n, pos + 2 + n + length
outer_value, _ = tlv(der, 0)
_, tbs_end = tlv(der, outer_value)
tbs = der[outer_value:tbs_end]
hashes = {'sha1WithRSAEncryption': 'sha1', 'sha256WithRSAEncryption': 'sha256',
          'sha384WithRSAEncryption': 'sha384', 'ecdsa-with-SHA256': 'sha256',
          'ecdsa-with-SHA384': 'sha384', 'md5WithRSAEncryption': 'md5'}
print('signature_hash=' + hashlib.new(hashes[sigalg], tbs).hexdigest().upper())
spki_value, _ = tlv(spki, 0)
_, alg_end = tlv(spki, spki_value)
bits_value, bits_end = tlv(spki, alg_end)
public_key = spki[bits_value + 1:bits_end]  # skip the unused-bits byte
print('public_key_md5=' + hashlib.md5(public_key).hexdigest().upper())
print('key_identifier=' + (ski if ski else hashlib.sha1(spki).hexdigest().upper()))
print('has_ski=' + ('yes' if ski else 'no'))
PY
  {
    echo "sha1=$sha1"
    echo "sha256=$sha256"
    echo "md5=$md5"
    echo "bits=$bits"
    echo "signature_algorithm=$sigalg"
    echo "subject_rfc2253=$subject"
  } >> "$name.expected"
done
echo "fixtures written to $(pwd)"
