#!/usr/bin/env bash
# Proves the README on another interpreter: Debian 13 (trixie) with its Python 3.13 and Node 20.
# Builds a trixie root once with debootstrap (~600 MB, ~5 min; needs root and Debian's debootstrap), then
# clones this repository afresh inside it and runs the README's commands there (`make demo`, `make test`).
# Figures go to <root>/work/report.txt. Not part of `make test`: it downloads a whole distribution.
#
#   make prove-debian13                       # build the root if needed, then demo + test
#   PROVE_COMMANDS="make demo" make prove-debian13
#   DEBIAN13_ROOT=/var/tmp/trixie make prove-debian13
#   TICKETFLOW_EMULATOR_PORT=14566 make prove-debian13   # TICKETFLOW_* settings are passed into the root
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
# Under the home (TICKETFLOW_HOME, from the environment or .env; relative to the repository), as every tool.
home=${TICKETFLOW_HOME:-$(sed -n 's/^TICKETFLOW_HOME=//p' .env 2>/dev/null | tail -n 1)}
home=${home:-.ticketflow}
[[ $home = /* ]] || home=$repo/$home
root=${DEBIAN13_ROOT:-$home/roots/debian13}
commands=${PROVE_COMMANDS:-make demo && make test}
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

die() { echo "prove-debian13: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot); run it as root or with sudo"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get update && apt-get install -y debootstrap"
[ -f "$ca_bundle" ] || die "no CA bundle at $ca_bundle: set CA_BUNDLE to this machine's system bundle"

# The machine's own Debian mirror (its apt sources), so the root comes from where this machine's packages do.
mirror=${DEBIAN_MIRROR:-$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' \
    /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n 1 || true)}
[ -n "$mirror" ] || die "could not read a Debian mirror from /etc/apt: set DEBIAN_MIRROR"

if [ ! -f "$root/.ticketflow-root-ready" ]; then
    echo "==> building a Debian 13 root in $root from $mirror (once; ~5 min, ~600 MB)"
    rm -rf "$root" && mkdir -p "$root"
    # npm's post-install steps fail inside debootstrap; apt-get -f install finishes them below.
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python3-pip,nodejs,npm,make,git,ca-certificates,procps,passwd \
        trixie "$root" "$mirror" || echo "    debootstrap reported errors; finishing with apt-get -f install"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" apt-get update -qq
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -f install -y -qq
    touch "$root/.ticketflow-root-ready"
fi

mounted=()
cleanup() {
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
for fs in proc dev dev/pts dev/shm; do
    mkdir -p "$root/$fs"
    if [ "$fs" = proc ]; then mount -t proc proc "$root/proc"; else mount --bind "/$fs" "$root/$fs"; fi
    mounted+=("$root/$fs")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$ca_bundle" "$root/etc/ssl/certs/host-ca-bundle.crt"

echo "==> a fresh clone of $(git rev-parse --short HEAD) in $root/work/main"
rm -rf "$root/work" && mkdir -p "$root/work"
git clone --quiet --no-local "$repo" "$root/work/main"
[ -d "$repo/../shared" ] && cp -r "$repo/../shared" "$root/work/shared"

ca=/etc/ssl/certs/host-ca-bundle.crt
echo "==> in Debian 13: $(chroot "$root" python3 --version), node $(chroot "$root" node --version)"
echo "==> running: $commands"
start=$(date +%s)
set +e
# The root shares this machine's network: TICKETFLOW_* (other ports, say) let it run beside a stack here.
mapfile -t settings < <(env | grep '^TICKETFLOW_' || true)
chroot "$root" /usr/bin/env -i "${settings[@]}" HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
    PIP_CERT=$ca SSL_CERT_FILE=$ca REQUESTS_CA_BUNDLE=$ca NODE_EXTRA_CA_CERTS=$ca AWS_CA_BUNDLE=$ca CI=true \
    bash -c "cd /work/main && set -o pipefail && { $commands; } 2>&1 | tee /work/run.log"
status=$?
set -e
elapsed=$(($(date +%s) - start))
{
    echo "python: $(chroot "$root" python3 --version)"
    echo "commands: $commands"
    echo "exit status: $status"
    echo "seconds: $elapsed"
} | tee "$root/work/report.txt"
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin bash -c \
    'cd /work/main && test -x .venv/bin/ticketflow && .venv/bin/ticketflow down >/dev/null 2>&1' || true
exit $status
