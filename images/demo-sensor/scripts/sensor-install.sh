#!/bin/sh
# Installs the demo sensor: the module, and a boot-start entry that loads it at every boot.
set -e
d=/var/lib/compatlab-sensor
mkdir -p "$d" /var/lib/compatlab/boot.d
cp compatlab_sensor.ko "$d/compatlab_sensor.ko"
cp boot.sh /var/lib/compatlab/boot.d/50-compatlab-sensor
chmod 0755 /var/lib/compatlab/boot.d/50-compatlab-sensor
sync
# load it now, as an installer would; an upgrade stops the running version first
if [ -d /sys/module/compatlab_sensor ]; then
	rmmod compatlab_sensor
fi
/var/lib/compatlab/boot.d/50-compatlab-sensor
