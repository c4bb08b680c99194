#!/bin/sh
# camgate set-up for a fresh Debian 12 machine (run as root):
#   ./setup.sh run    install what is missing, build, start camgate (demo stream)
#   ./setup.sh test   install what is missing, build with -Werror, run all tests
#   ./setup.sh package  install what is missing, build the Debian package
#                       (../camgate_<version>_<arch>.deb)
set -eu
cd "$(dirname "$0")"

PACKAGES="meson ninja-build pkg-config g++ libglib2.0-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  libgstreamer-plugins-bad1.0-dev libgstrtspserver-1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-rtsp gstreamer1.0-nice gstreamer1.0-x fonts-dejavu-core
  libsoup-3.0-dev libxml2-dev libjson-glib-dev libyaml-cpp-dev libgtest-dev ffmpeg procps
  valgrind
  prometheus chromium openssl libssl-dev glib-networking libsrt-gnutls-dev
  libsystemd-dev"
# What only the tests need: a real etcd for the cluster tests (a gateway in
# a cluster talks to an etcd of the operator's, not to one of this machine),
# and systemd-analyze for the installed unit; and what builds and checks
# the Debian package.
PACKAGE_PACKAGES="debhelper lintian"
TEST_PACKAGES="etcd-server systemd $PACKAGE_PACKAGES"

# install_missing [more packages]
install_missing() {
  missing=""
  for p in $PACKAGES "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
      || missing="$missing $p"
  done
  # Node.js for hls.js and the browser tests: the machine's own if it has one.
  command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
  if [ -n "$missing" ]; then
    echo "camgate: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
  fi
}

web_modules() {
  # hls.js for the player page (compiled into the binary), playwright-core
  # and dash.js for the browser tests, at the versions package-lock.json
  # pins (installed again when the lock file changed since).
  [ gateway/web/node_modules/.package-lock.json -nt gateway/web/package-lock.json ] \
    && return 0
  npm ci --prefix gateway/web --no-audit --no-fund
}

build() {
  web_modules
  dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
  meson compile -C "$dir"
}

case "${1:-}" in
  run)
    install_missing
    build build
    shift
    # By default the streams folder is ./streams (empty at first: the demo
    # stream plays until the panel or the API adds a stream there).
    if [ $# -eq 0 ]; then
      mkdir -p streams
      set -- --pipelines streams
    fi
    exec ./build/gateway/camgate "$@"
    ;;
  test)
    # shellcheck disable=SC2086
    install_missing $TEST_PACKAGES
    build build-ci -Dwerror=true -Dtests=enabled
    meson test -C build-ci --print-errorlogs
    ;;
  package)
    # shellcheck disable=SC2086
    install_missing $PACKAGE_PACKAGES
    web_modules
    dpkg-buildpackage -us -uc -b
    ;;
  *)
    echo "usage: $0 run [camgate options] | test | package" >&2
    exit 2
    ;;
esac
