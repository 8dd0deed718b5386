#!/bin/sh
# Prints the page's Content-Security-Policy for the CONFIG_API_BASE, CONFIG_WS_URL and CONFIG_SSE_URL it is run with:
# the page's own scripts, and connections to its own origin plus the origin of each endpoint given as an absolute URL.
# The same policy as scripts/page-headers.ts builds for `npm start`; tests/edge compares the two.
set -eu

connect="'self'"
for url in "${CONFIG_API_BASE:-}" "${CONFIG_WS_URL:-}" "${CONFIG_SSE_URL:-}"; do
  case "$url" in
    [a-zA-Z]*://*) ;;
    *) continue ;; # a path on this origin: 'self' covers it
  esac
  scheme=$(printf '%s' "${url%%://*}" | tr 'A-Z' 'a-z')
  rest=${url#*://}
  host=$(printf '%s' "${rest%%[/?#]*}" | tr 'A-Z' 'a-z')
  # An origin names no default port, as browsers (and URL.origin) write it.
  case "$scheme:$host" in
    http:*:80 | ws:*:80) host=${host%:80} ;;
    https:*:443 | wss:*:443) host=${host%:443} ;;
  esac
  case " $connect " in
    *" $scheme://$host "*) ;;
    *) connect="$connect $scheme://$host" ;;
  esac
done

printf '%s' "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src $connect; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
