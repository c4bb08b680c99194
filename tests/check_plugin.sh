#!/bin/sh
# The plugin loads from the build folder and gst-inspect-1.0 describes every
# element without a warning or critical.
set -eu
inspect=$1
output=$("$inspect" camgate 2>&1)
echo "$output"
for element in streamhealth cmafchunkmux cmafsink recordsink latencystamp latencyprobe \
    onvifsrc onvifdeviceprovider; do
  echo "$output" | grep -q "$element" || { echo "$element missing"; exit 1; }
done
details=$("$inspect" streamhealth 2>&1; "$inspect" cmafchunkmux 2>&1;
  "$inspect" onvifsrc 2>&1)
echo "$details" | grep -q "stall-timeout" || { echo "no stall-timeout"; exit 1; }
echo "$details" | grep -q "rewrite-host" || { echo "no rewrite-host"; exit 1; }
echo "$details" | grep -q "onvif" || { echo "onvifsrc handles no onvif URIs"; exit 1; }
if echo "$output$details" | grep -E "WARNING|CRITICAL"; then
  exit 1
fi
