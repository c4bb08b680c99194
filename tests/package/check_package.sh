#!/bin/sh
# The Debian package, as an operator meets it: built from a copy of this
# tree with `dpkg-buildpackage -us -uc -b`, checked by lintian, then
# installed, upgraded, removed and purged in a throw-away root (an overlay
# of this machine's own root, in a private mount namespace). The overlay's
# upper layer is exactly what those steps changed, so what the package
# leaves behind is listed, not guessed.
#   check_package.sh SOURCE_DIR
set -eu
src=$(cd "$1" && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (mount namespace, overlay, chroot)"
for tool in dpkg-buildpackage dh lintian unshare setpriv git; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (./setup.sh test installs it)"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

# The tree as git sees it (no build folders), with the one npm module the
# binary embeds.
mkdir "$work/camgate"
(cd "$src" && git ls-files -z -co --exclude-standard) \
  | tar -C "$src" --null --ignore-failed-read -T - -cf - \
  | tar -C "$work/camgate" -xf -
mkdir -p "$work/camgate/gateway/web/node_modules"
cp -r "$src/gateway/web/node_modules/hls.js" "$work/camgate/gateway/web/node_modules/"

version=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
project_version=$(sed -n "s/^  version : '\(.*\)',\$/\1/p" "$src/meson.build")
[ "$version" = "$project_version" ] \
  || fail "debian/changelog says $version, meson.build says $project_version"

# Optimised and hardened as an operator's build (lintian checks both), but
# without the tests (./setup.sh test runs them) or a debug-symbols package.
started=$(date +%s)
(cd "$work/camgate" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
   dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1) \
  || { tail -60 "$work/build.log"; fail "dpkg-buildpackage failed"; }
deb=$(ls "$work"/camgate_"$version"_*.deb)
echo "built $(basename "$deb") in $(( $(date +%s) - started )) s"

dpkg-deb -c "$deb" > "$work/contents.txt"
for path in ./usr/bin/camgate ./etc/camgate/camgate.yaml ./etc/camgate/pipelines/ \
    ./lib/systemd/system/camgate.service ./usr/lib/sysusers.d/camgate.conf \
    ./usr/lib/tmpfiles.d/camgate.conf; do
  grep -q " $path\$" "$work/contents.txt" || { cat "$work/contents.txt"; fail "$path is not in the package"; }
done
grep -q "/gstreamer-1.0/libgstcamgate.so\$" "$work/contents.txt" || fail "the plugin is not in the package"
dpkg-deb -I "$deb" conffiles | grep -qx /etc/camgate/camgate.yaml \
  || fail "/etc/camgate/camgate.yaml is not a conffile"

# lintian, pedantic and informational tags included, as an unprivileged
# user (as it asks): no tag but those debian/camgate.lintian-overrides
# explains.
chmod 755 "$work"
chmod 644 "$deb"
setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/nonexistent \
  lintian --display-info --pedantic --fail-on error,warning,info,pedantic \
    "$deb" > "$work/lintian.txt" 2>&1 \
  || { cat "$work/lintian.txt"; fail "lintian"; }
echo "lintian: clean but for the tags overridden:"
grep -v '^#' "$src/debian/camgate.lintian-overrides" | sed 's/^/  /'

# The same package one version later, for the upgrade.
dpkg-deb -R "$deb" "$work/next"
sed -i "s/^Version: .*/Version: $version+next/" "$work/next/DEBIAN/control"
dpkg-deb -b "$work/next" "$work/next.deb" >/dev/null

# The throw-away root. Its /run is empty, so the maintainer scripts find no
# running systemd and start nothing on this machine.
layer="$work/layer"
mkdir "$layer"
if ! unshare -m sh -ec 'mount -t tmpfs tmpfs "$1"; mkdir "$1/u" "$1/w" "$1/r"
    mount -t overlay overlay -o "lowerdir=/,upperdir=$1/u,workdir=$1/w" "$1/r"' \
    probe "$layer" 2>"$work/probe.txt"; then
  skip "the package built and passed lintian, but this machine allows no" \
    "overlay in a mount namespace ($(cat "$work/probe.txt")): install," \
    "upgrade and removal not checked"
fi
unshare -m sh -eu -s "$layer" "$deb" "$work/next.deb" "$version" <<'ROOT'
layer=$1; deb=$2; next=$3; version=$4
fail() { echo "FAIL: $*"; exit 1; }
mount -t tmpfs tmpfs "$layer"
mkdir "$layer/upper" "$layer/work" "$layer/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$layer/upper,workdir=$layer/work" "$layer/root"
root=$layer/root
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount -t tmpfs tmpfs "$root/run"
mount -t tmpfs tmpfs "$root/tmp"
cp "$deb" "$root/tmp/camgate.deb"
cp "$next" "$root/tmp/camgate-next.deb"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root sh -euc "$1" </dev/null; }

# Install: its user, its folders owned by that user, the plugin found by
# GStreamer with no GST_PLUGIN_PATH, the binary starting on the installed
# config as the service user.
in_root "dpkg -i /tmp/camgate.deb" > "$layer/install.log" 2>&1 \
  || { cat "$layer/install.log"; fail "dpkg -i"; }
echo "dpkg -i: installed"
in_root "getent passwd camgate" >/dev/null || fail "no camgate user"
for dir in /var/lib/camgate/recordings /etc/camgate/pipelines; do
  [ "$(in_root "stat -c %U $dir")" = camgate ] || fail "$dir is not camgate's"
done
in_root "GST_REGISTRY_1_0=/tmp/registry.bin gst-inspect-1.0 streamhealth" \
  | grep -q "Filename.*/lib/.*gstreamer-1.0/libgstcamgate.so" \
  || fail "gst-inspect-1.0 streamhealth does not find the installed plugin"
echo "gst-inspect-1.0 streamhealth: the installed plugin"
as_camgate="setpriv --reuid=camgate --regid=camgate --init-groups"
in_root "$as_camgate touch /var/lib/camgate/recordings/probe /etc/camgate/pipelines/probe \
  && rm /var/lib/camgate/recordings/probe /etc/camgate/pipelines/probe" \
  || fail "the service user cannot write its folders"
for path in /etc/camgate/camgate.yaml /usr/bin/probe /etc/probe; do
  if in_root "$as_camgate touch $path" 2>/dev/null; then fail "the service user can write $path"; fi
done
echo "the service user writes its folders and nothing else tried"
in_root "timeout -s KILL 10 $as_camgate camgate --config /etc/camgate/camgate.yaml \
    --rtsp-port 0 --http-port 0 --rtmp-port 0 --rtmps-port 0 --srt-port 0 \
    > /tmp/run.log 2>&1 & pid=\$!
  for i in \$(seq 100); do grep -q 'camgate ready' /tmp/run.log && break; sleep 0.1; done
  kill \$pid; wait \$pid || true; cat /tmp/run.log" > "$layer/run.log" 2>&1 || true
grep -q "camgate ready" "$layer/run.log" || { cat "$layer/run.log"; fail "the installed camgate did not start"; }
echo "the installed camgate started as camgate on /etc/camgate/camgate.yaml"

# The operator's work: an edited config, a stream, a recording.
in_root "echo '# edited by the operator' >> /etc/camgate/camgate.yaml
  echo 'source: test' > /etc/camgate/pipelines/front-door.yaml
  mkdir -p /var/lib/camgate/recordings/front-door
  echo recording > /var/lib/camgate/recordings/front-door/2026-12-05T10-00-00.mp4"

# Upgrade: no question asked (stdin is empty), everything kept.
in_root "dpkg -i /tmp/camgate-next.deb" > "$layer/upgrade.log" 2>&1 \
  || { cat "$layer/upgrade.log"; fail "the upgrade"; }
[ "$(in_root "dpkg-query -W -f='\${Version}' camgate")" = "$version+next" ] || fail "not upgraded"
in_root "grep -q 'edited by the operator' /etc/camgate/camgate.yaml" || fail "the upgrade lost the edited config"
in_root "test -f /etc/camgate/pipelines/front-door.yaml" || fail "the upgrade lost a stream"
in_root "test -f /var/lib/camgate/recordings/front-door/2026-12-05T10-00-00.mp4" \
  || fail "the upgrade lost a recording"
echo "dpkg -i (upgrade to $version+next): config, stream and recording kept"

# What is left of the package in the root: the files of the upper layer
# and its folders named camgate, less what dpkg itself keeps (its database,
# its logs), man-db's index, and the system user (kept on purpose: files
# may still be owned by it).
leftovers() {
  (cd "$layer/upper" && find . \( ! -type d -o -path '*camgate*' \) | sed 's|^\.||') | grep -v \
    -e '^/var/lib/dpkg/' -e '^/var/log/' -e '^/var/cache/\(debconf\|man\)/' -e '^/tmp/' \
    -e '^/etc/\(passwd\|group\|shadow\|gshadow\)-\?$' -e '^/etc/.pwd.lock$' || true
}

in_root "dpkg -r camgate" > "$layer/remove.log" 2>&1 || { cat "$layer/remove.log"; fail "dpkg -r"; }
in_root "test ! -e /usr/bin/camgate" || fail "dpkg -r left the binary"
echo "dpkg -r leaves:"
leftovers | sed 's/^/  /'
unexpected=$(leftovers | grep -v \
  -e '^/etc/camgate\(/pipelines\)\?$' -e '^/etc/camgate/camgate.yaml$' \
  -e '^/etc/camgate/pipelines/front-door.yaml$' \
  -e '^/var/lib/camgate\(/recordings\(/front-door\(/.*\)\?\)\?\)\?$' \
  -e '^/etc/systemd/system/multi-user.target.wants/camgate.service$' \
  -e '^/var/lib/systemd/deb-systemd-helper-\(enabled\|masked\)/' || true)
[ -z "$unexpected" ] || fail "dpkg -r left more than conffiles and the operator's files: $unexpected"

in_root "dpkg -P camgate" > "$layer/purge.log" 2>&1 || { cat "$layer/purge.log"; fail "dpkg -P"; }
echo "dpkg -P leaves:"
leftovers | sed 's/^/  /'
unexpected=$(leftovers | grep -v \
  -e '^/etc/camgate\(/pipelines\(/front-door.yaml\)\?\)\?$' \
  -e '^/var/lib/camgate\(/recordings\(/front-door\(/.*\)\?\)\?\)\?$' || true)
[ -z "$unexpected" ] || fail "dpkg -P left more than the operator's files: $unexpected"
echo "the package removes cleanly"
ROOT
