#!/bin/sh
# Entrypoint of the web image: checks the runtime-config variables, adds the TLS listener only when a certificate
# is mounted, then hands over to the nginx image's own entrypoint (which renders /etc/nginx/templates).
set -eu

fail() {
  echo "dish-live-entrypoint: $*" >&2
  exit 1
}

case "${CONFIG_WRITE_TOKEN_REQUIRED:-}" in
  true | false) ;;
  *) fail "CONFIG_WRITE_TOKEN_REQUIRED must be true or false, got '${CONFIG_WRITE_TOKEN_REQUIRED:-}'" ;;
esac
case "${CONFIG_CURRENCY:-}" in
  [A-Z][A-Z][A-Z]) ;;
  *) fail "CONFIG_CURRENCY must be an ISO 4217 code such as EUR, got '${CONFIG_CURRENCY:-}'" ;;
esac
case "${CONFIG_POLL_INTERVAL_MS:-}" in
  '' | *[!0-9]*) fail "CONFIG_POLL_INTERVAL_MS must be a whole number of milliseconds, got '${CONFIG_POLL_INTERVAL_MS:-}'" ;;
esac
# These end up inside a JSON string inside a single-quoted nginx string.
for name in CONFIG_API_BASE CONFIG_WS_URL CONFIG_SSE_URL; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || fail "$name must not be empty"
  case "$value" in
    *\"* | *\'* | *\\* | *' '*) fail "$name must not contain quotes, backslashes or spaces, got '$value'" ;;
  esac
done

# The page's Content-Security-Policy allows connections to exactly these endpoints; templates/dish-live.headers.template
# reads it from the environment.
CONTENT_SECURITY_POLICY=$(/usr/local/bin/content-security-policy.sh)
export CONTENT_SECURITY_POLICY

tls_conf=/etc/nginx/conf.d/tls.conf
if [ -n "${TLS_CERT_FILE:-}" ] && [ -e "$TLS_CERT_FILE" ]; then
  [ -r "$TLS_CERT_FILE" ] || fail "TLS_CERT_FILE $TLS_CERT_FILE is not readable by uid $(id -u)"
  [ -r "${TLS_KEY_FILE:-}" ] || fail "TLS_KEY_FILE '${TLS_KEY_FILE:-}' is missing or not readable by uid $(id -u)"
  cat >"$tls_conf" <<CONF
server {
    listen 8443 ssl http2;
    ssl_certificate "$TLS_CERT_FILE";
    ssl_certificate_key "$TLS_KEY_FILE";
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:dish_live_tls:10m;
    ssl_session_timeout 1h;
    include /etc/nginx/conf.d/dish-live.locations;
}
CONF
  echo "dish-live-entrypoint: TLS listener on 8443 with $TLS_CERT_FILE"
else
  rm -f "$tls_conf"
  echo "dish-live-entrypoint: no certificate at '${TLS_CERT_FILE:-}', TLS listener off"
fi

exec /docker-entrypoint.sh "$@"
