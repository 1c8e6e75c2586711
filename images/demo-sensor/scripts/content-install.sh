#!/bin/sh
# Installs a content file; the sensor parses it at its next load (the next boot).
set -e
d=/var/lib/compatlab-sensor
[ -d "$d" ] || { echo "the demo sensor is not installed" >&2; exit 1; }
cp content.cfg "$d/content.cfg.new"
mv "$d/content.cfg.new" "$d/content.cfg"
sync
