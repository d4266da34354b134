#!/usr/bin/env bash
# Proves --config=remote_cache against a real HTTP cache on loopback: starts nginx (WebDAV PUT,
# the protocol of Bazel's HTTP cache) on 127.0.0.1 on a free port with a temporary root, builds
# //... from two copies of the workspace with their own output bases and the disk cache off, and
# checks that the second build's actions are remote cache hits (at least 95 %; it lists the others).
# Takes a few minutes on an idle machine (the first build compiles everything).
#
#   ./bazelw run //tools:remote_cache_check        or, from the workspace root,
#   tools/remote_cache_check.sh
#
# nginx is not installed as a service: if it is missing, Debian's package is downloaded
# (apt-get download) and unpacked into ~/.cache/lazyv6-nginx, so no daemon is ever started.
set -euo pipefail

cd "${BUILD_WORKSPACE_DIRECTORY:-$(dirname "$0")/..}"
[[ -x ./bazelw ]] || { echo "remote_cache_check: run from the lazyv6 workspace" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lazyv6-remote-cache.XXXXXX")
nginx_pid=""
cleanup() {
  local base
  for base in "$tmp"/build1/base "$tmp"/build2/base; do
    [[ -d $base ]] && ./bazelw --output_base="$base" shutdown >/dev/null 2>&1 || true
  done
  if [[ -n $nginx_pid ]]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  chmod -R u+w "$tmp" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The nginx binary: the system's, or Debian's package unpacked into a cache directory.
nginx=$(command -v nginx || true)
if [[ -z $nginx ]]; then
  unpacked=${XDG_CACHE_HOME:-$HOME/.cache}/lazyv6-nginx
  if [[ ! -x $unpacked/usr/sbin/nginx ]]; then
    echo "remote_cache_check: unpacking Debian's nginx into $unpacked (no service is installed)"
    (cd "$tmp" && apt-get download -q nginx >"$tmp/apt.log" 2>&1) ||
      { cat "$tmp/apt.log" >&2; echo "remote_cache_check: apt-get download nginx failed" >&2; exit 1; }
    mkdir -p "$unpacked"
    dpkg-deb -x "$tmp"/nginx_*.deb "$unpacked"
  fi
  nginx=$unpacked/usr/sbin/nginx
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/nginx/cache" "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
error_log stderr warn;
pid $tmp/nginx/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  log_not_found off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:$port;
    root $tmp/nginx/cache;
    location / {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw;
    }
  }
}
EOF
"$nginx" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e stderr &
nginx_pid=$!
for ((i = 0; i < 100; i++)); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
  kill -0 "$nginx_pid" 2>/dev/null || { echo "remote_cache_check: nginx did not start" >&2; exit 1; }
  sleep 0.1
done
echo "remote_cache_check: nginx cache at http://127.0.0.1:$port/ (root $tmp/nginx/cache)"

# One build of //... through the cache, as from a clean clone: a copy of the workspace's files
# (git's tracked and untracked-but-not-ignored ones) in its own directory, with its own output
# base. Prints Bazel's process summary.
build() {
  mkdir -p "$tmp/$1/ws"
  git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$tmp/$1/ws" -xf -
  (cd "$tmp/$1/ws" && ./bazelw --output_base="$tmp/$1/base" build --config=remote_cache \
    --remote_cache="http://127.0.0.1:$port/lazyv6" --disk_cache= \
    --execution_log_json_file="$tmp/$1.exec.json" //...) >"$tmp/$1.log" 2>&1 ||
    { tail -30 "$tmp/$1.log" >&2; echo "remote_cache_check: build $1 failed" >&2; exit 1; }
  grep -m1 -E '^INFO: [0-9]+ processes' "$tmp/$1.log"
}

echo "first build (fills the cache):"
build build1
echo "second build (another output base, same cache):"
summary=$(build build2)
echo "$summary"
hits=$(sed -nE 's/.* ([0-9]+) remote cache hit.*/\1/p' <<<"$summary")
[[ -n $hits && $hits -gt 0 ]] || { echo "remote_cache_check: FAIL: no remote cache hit" >&2; exit 1; }
# The actions the second build ran itself, from its execution log (a stream of JSON objects).
# Bazel keeps a few local whatever the cache holds (e.g. ones it may not cache); at least 95 % of
# the actions must come from the cache.
python3 - "$tmp/build2.exec.json" <<'EOF'
import json
import sys

text, decoder, pos, hits, missed = open(sys.argv[1]).read(), json.JSONDecoder(), 0, 0, []
while pos < len(text):
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if pos == len(text):
        break
    spawn, pos = decoder.raw_decode(text, pos)
    if spawn.get("remoteCacheHit"):
        hits += 1
    else:
        missed.append("%s [%s%s]" % (spawn.get("progressMessage", "?"), spawn.get("mnemonic", "?"),
                                     "" if spawn.get("remotable", True) else ", not remotable"))
for line in missed:
    print("  ran locally: " + line)
total = hits + len(missed)
if hits == 0 or len(missed) * 20 > total:
    sys.exit("remote_cache_check: FAIL: only %d of %d actions were remote cache hits" % (hits, total))
print("remote_cache_check: PASS: %d of %d actions were remote cache hits" % (hits, total))
EOF
