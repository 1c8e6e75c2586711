#!/bin/sh
# Boot-start entry of the demo sensor: loads the module; it parses the content file if present.
d=/var/lib/compatlab-sensor
insmod "$d/compatlab_sensor.ko" content="$d/content.cfg"
