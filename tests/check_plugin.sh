#!/bin/sh
# The plugin loads from the build folder and gst-inspect-1.0 describes every
# element without a warning or critical.
set -eu
inspect=$1
output=$("$inspect" camgate 2>&1)
echo "$output"
echo "$output" | grep -q "streamhealth" || { echo "streamhealth missing"; exit 1; }
details=$("$inspect" streamhealth 2>&1)
echo "$details" | grep -q "stall-timeout" || { echo "no stall-timeout"; exit 1; }
if echo "$output$details" | grep -E "WARNING|CRITICAL"; then
  exit 1
fi
