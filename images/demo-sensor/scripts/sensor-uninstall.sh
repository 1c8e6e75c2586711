#!/bin/sh
# Removes the demo sensor and its content, and its boot-start entry (a systemd unit or a boot.d script).
rmmod compatlab_sensor 2>/dev/null
rm -rf /var/lib/compatlab-sensor /var/lib/compatlab/boot.d/50-compatlab-sensor
rm -f /etc/systemd/system/sysinit.target.wants/compatlab-sensor.service /etc/systemd/system/compatlab-sensor.service
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload 2>/dev/null
fi
sync
