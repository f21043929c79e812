#!/usr/bin/env bash
# The container image as a Docker or Podman user builds it: `podman build`
# of the Dockerfile offline, over local stand-ins for its public base images
# (Debian made with debootstrap: bookworm for the Emscripten build stage,
# trixie, whose nodejs is 20, for Node). Running containers fails in this
# sandbox (crun: setrlimit), so the built image's filesystem is run as the
# container would run it: its CMD, its ENV, as its USER, in fresh PID and
# mount namespaces with a scratch /data. It must answer the seed's /score
# cases, pass its own HEALTHCHECK, keep its data on the volume, and stop
# cleanly on SIGTERM. Installs podman, buildah and debootstrap if missing.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
pm=(podman --storage-driver vfs)
sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
need=()
for tool in podman buildah debootstrap; do command -v $tool >/dev/null || need+=($tool); done
if [ ${#need[@]} -gt 0 ]; then
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" uidmap >/dev/null
fi
work=$(mktemp -d)
mounted=
server=
cleanup() {
  [ -z "$server" ] || kill -KILL "$(pgrep -P "$server")" "$server" 2>/dev/null || true
  [ -z "$mounted" ] || "${pm[@]}" image unmount localhost/callrisk-backend:test >/dev/null 2>&1 || true
  "${pm[@]}" rmi -f localhost/callrisk-backend:test >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

# A base image from debootstrap, kept in podman's store between runs. The
# machine's CA bundle goes in too: npm reaches its registry through this
# sandbox's TLS proxy (public images have their own CAs and need nothing).
base() { # NAME SUITE [PACKAGES]
  "${pm[@]}" image exists "$1" && return
  local root=$work/root-$2
  debootstrap --variant=minbase ${3:+--include=$3} "$2" "$root" "$mirror" >"$work/debootstrap-$2.log" 2>&1 ||
    { tail -5 "$work/debootstrap-$2.log" >&2; exit 1; }
  if [ -n "${3:-}" ]; then   # npm: its dependencies need apt, not debootstrap, to configure
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mount -t proc proc "$root/proc"
    chroot "$root" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null &&
      useradd -m -u 1000 -s /bin/sh node && rm -rf /var/lib/apt/lists/*' || { umount "$root/proc"; exit 1; }
    umount "$root/proc"
    rm -f "$root/etc/resolv.conf"
  fi
  # An image has an empty /dev (the runtime provides one). debootstrap may
  # bind-mount the host's /dev in some environments: never delete through it.
  for mnt in dev/pts dev proc; do ! mountpoint -q "$root/$mnt" || umount "$root/$mnt"; done
  mountpoint -q "$root/dev" || rm -rf "${root:?}"/dev/*
  rm -f "$root"/var/cache/apt/archives/*.deb
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
  tar -C "$root" -c . | "${pm[@]}" import --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - "$1" >/dev/null
  rm -rf "$root"
}
base localhost/callrisk-base-bookworm bookworm
base localhost/callrisk-base-node20 trixie nodejs

start=$(date +%s)
"${pm[@]}" build --isolation=chroot --layers=false --format docker \
  --build-arg WASM_BUILD_IMAGE=localhost/callrisk-base-bookworm \
  --build-arg NODE_IMAGE=localhost/callrisk-base-node20 --build-arg RUNTIME_IMAGE=localhost/callrisk-base-node20 \
  -t localhost/callrisk-backend:test "$src" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; exit 1; }
echo "test_container: image built in $(($(date +%s) - start)) s"

inspect() { "${pm[@]}" image inspect localhost/callrisk-backend:test --format "$1"; }
[ "$(inspect '{{.Config.User}}')" = node ] || { echo "test_container: the image does not run as the node user" >&2; exit 1; }
inspect '{{json .Config.Volumes}}' | grep -q '"/data"' || { echo "test_container: no /data volume" >&2; exit 1; }
inspect '{{json .Config.Healthcheck}}' | grep -q '/healthz' || { echo "test_container: no HEALTHCHECK" >&2; exit 1; }
mapfile -t env < <(inspect '{{range .Config.Env}}{{println .}}{{end}}' | grep .)
mapfile -t cmd < <(inspect '{{range .Config.Cmd}}{{println .}}{{end}}' | grep .)
mapfile -t health < <(inspect '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' | grep .)
workdir=$(inspect '{{.Config.WorkingDir}}')

m=$("${pm[@]}" image mount localhost/callrisk-backend:test)
mounted=1
mkdir "$work/data"
chown 1000:1000 "$work/data"
port=$((20000 + RANDOM % 20000))
# The image's ENV, then what `docker run -p` and the test change: loopback
# (the sandbox's network is the host's) and a free port.
run_env=(env -i "${env[@]}" HOME=/home/node HOST=127.0.0.1 PORT=$port)
unshare --mount --pid --fork sh -c 'mount --bind "$1" "$2/data" && mount -t proc proc "$2/proc" && shift 2 && exec "$@"' \
  sh "$work/data" "$m" chroot --userspec=1000:1000 "$m" "${run_env[@]}" sh -c "cd $workdir && exec \"\$@\"" sh "${cmd[@]}" \
  >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
post() { curl -fs -X POST "http://127.0.0.1:$port/score" -H 'content-type: application/json' -d "$1"; }
high=$(post '{"spam_reports":5,"has_consent":false,"call_attempts_24h":10}')
low=$(post '{"spam_reports":0,"has_consent":true,"call_attempts_24h":1}')
[ "$high" = '{"score":99,"risk_level":"HIGH"}' ] && [ "$low" = '{"score":11,"risk_level":"LOW"}' ] ||
  { echo "test_container: /score answered '$high' and '$low'" >&2; cat "$work/server.log" >&2; exit 1; }
# The image's own HEALTHCHECK, run inside it.
chroot --userspec=1000:1000 "$m" "${run_env[@]}" "${health[@]:1}" ||
  { echo "test_container: the HEALTHCHECK failed" >&2; exit 1; }
# Data on the volume, owned by the unprivileged user; the admin token 0600.
[ "$(stat -c '%u %a' "$work/data/admin-token")" = "1000 600" ] && [ -s "$work/data/callrisk.db" ] ||
  { echo "test_container: data volume: $(ls -la "$work/data")" >&2; exit 1; }
# SIGTERM to the server itself (unshare's child: sh, chroot and env exec
# into it), as `docker stop` sends it; unshare exits with its status.
kill -TERM "$(pgrep -P "$server")"
wait "$server" || { echo "test_container: the server did not exit 0 on SIGTERM" >&2; cat "$work/server.log" >&2; exit 1; }
server=
echo "test_container: ok (the image answers 99 HIGH / 11 LOW, runs as node, passes its health check)"
