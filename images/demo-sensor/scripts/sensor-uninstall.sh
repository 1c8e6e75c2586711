#!/bin/sh
# Removes the demo sensor and its content.
rmmod compatlab_sensor 2>/dev/null
rm -rf /var/lib/compatlab-sensor /var/lib/compatlab/boot.d/50-compatlab-sensor
sync
