#!/bin/sh
# Live content push: the running sensor parses the installed content now, without a reboot.
echo 1 > /sys/module/compatlab_sensor/parameters/reload
