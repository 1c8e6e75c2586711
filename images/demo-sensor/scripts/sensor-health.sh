#!/bin/sh
# Healthy when the module is loaded and reports status "ok".
p=/sys/module/compatlab_sensor/parameters
[ -d "$p" ] || { echo "sensor module not loaded"; exit 1; }
s=$(cat "$p/status")
echo "status=$s fields=$(cat "$p/fields_loaded") matched=$(cat "$p/fields_matched")"
[ "$s" = ok ]
