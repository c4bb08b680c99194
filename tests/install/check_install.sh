#!/bin/sh
# `meson install` into a throw-away root: the expected files are there, the
# installed plugin loads from there with no GST_PLUGIN_PATH, the installed
# binary starts on the installed config, and the systemd unit verifies.
#   check_install.sh BUILD_DIR
set -eu
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT INT TERM
meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null

fail=0
expect() {  # expect WHAT PATTERN: one installed file or folder matches
  found=$(find "$root" -path "$root$2" | head -1)
  if [ -z "$found" ]; then
    echo "missing: $1 ($2)"
    fail=1
  else
    echo "installed: $1: ${found#"$root"}"
  fi
}
expect "the gateway" "*/bin/camgate"
expect "the plugin" "*/gstreamer-1.0/libgstcamgate.so"
expect "the config" "*/etc/camgate/camgate.yaml"
expect "the pipelines folder" "*/etc/camgate/pipelines"
expect "its folders (tmpfiles.d)" "*/lib/tmpfiles.d/camgate.conf"
expect "the systemd unit" "*/lib/systemd/system/camgate.service"
expect "the system user" "*/lib/sysusers.d/camgate.conf"
expect "the manual page" "*/man/man1/camgate.1*"
[ "$fail" = 0 ] || exit 1
if find "$root" -name 'camgate-bench-*' -o -name '*-tests' | grep -q .; then
  echo "tests or benchmarks were installed"
  exit 1
fi

# The plugin, from the installed folder alone.
plugin=$(dirname "$(find "$root" -name libgstcamgate.so | head -1)")
GST_REGISTRY_1_0="$root/registry.bin" GST_PLUGIN_PATH_1_0="" \
  GST_PLUGIN_SYSTEM_PATH_1_0="$plugin:$(pkg-config --variable=pluginsdir gstreamer-1.0)" \
  gst-inspect-1.0 streamhealth > "$root/inspect.txt" 2>&1 \
  || { cat "$root/inspect.txt"; echo "gst-inspect-1.0 cannot load the plugin"; exit 1; }
grep -q "Filename.*$plugin/libgstcamgate.so" "$root/inspect.txt" \
  || { cat "$root/inspect.txt"; echo "streamhealth did not come from the install"; exit 1; }
echo "gst-inspect-1.0 streamhealth: loaded from ${plugin#"$root"}"

# The installed binary on the installed config (its folders and ports
# moved into the throw-away root).
config=$(find "$root" -path '*/etc/camgate/camgate.yaml' | head -1)
binary=$(find "$root" -path '*/bin/camgate' | head -1)
mkdir -p "$root/run/pipelines" "$root/run/recordings"
timeout -s KILL 20 "$binary" --config "$config" --pipelines "$root/run/pipelines" \
  --recordings "$root/run/recordings" --rtsp-port 0 --http-port 0 \
  --rtmp-port 0 --rtmps-port 0 --srt-port 0 > "$root/run.log" 2>&1 &
pid=$!
ready=0
for _ in $(seq 1 100); do
  if grep -q "camgate ready" "$root/run.log"; then ready=1; break; fi
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
[ "$ready" = 1 ] || { cat "$root/run.log"; echo "the installed camgate did not start on its config"; exit 1; }
echo "the installed camgate started on the installed config"

# The manual page names every option the binary lists.
manual=$(find "$root" -path '*/man/man1/camgate.1*' | head -1)
options=$("$binary" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
for option in $options; do
  sed 's/\\-/-/g' "$manual" | grep -q -- "$option" \
    || { echo "the manual page does not name $option"; exit 1; }
done
echo "the manual page names all $(echo "$options" | wc -l) options"

# The unit, every directive checked (its binary where the install put it).
unit=$(find "$root" -path '*/lib/systemd/system/camgate.service' | head -1)
installed_bin=${binary#"$root"}
sed "s|$installed_bin|$binary|" "$unit" > "$root/camgate.service"
systemd-analyze verify "$root/camgate.service"
echo "systemd-analyze verify: ok"
