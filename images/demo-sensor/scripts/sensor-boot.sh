#!/bin/sh
# Boot-start entry of the demo sensor: loads the module with the installed content, if any.
d=/var/lib/compatlab-sensor
if [ -f "$d/content.cfg" ]; then
	insmod "$d/compatlab_sensor.ko" content="$d/content.cfg"
else
	insmod "$d/compatlab_sensor.ko"
fi
