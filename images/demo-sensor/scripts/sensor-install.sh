#!/bin/sh
# Installs the demo sensor: the module, and a boot-start entry that loads it at every boot. On a
# systemd guest the entry is a unit that runs early in boot, before sysinit.target, as a boot-start
# driver would; on the test guest (busybox) a script in /var/lib/compatlab/boot.d, which its rcS
# runs before the network and the agent.
set -e
d=/var/lib/compatlab-sensor
mkdir -p "$d"
cp compatlab_sensor.ko "$d/compatlab_sensor.ko"
if [ -d /run/systemd/system ]; then
	cp boot.sh "$d/boot.sh"
	chmod 0755 "$d/boot.sh"
	unit=/etc/systemd/system/compatlab-sensor.service
	cat > "$unit.new" <<'UNIT'
[Unit]
Description=compatlab demo sensor (boot-start driver)
DefaultDependencies=no
After=local-fs.target
Before=sysinit.target
ConditionPathExists=/var/lib/compatlab-sensor/compatlab_sensor.ko

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh /var/lib/compatlab-sensor/boot.sh
# a driver whose init never returns stalls the boot, as it would on a real machine
TimeoutStartSec=infinity
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=sysinit.target
UNIT
	mv "$unit.new" "$unit"
	# enabled by hand, as 'systemctl enable' would: the same link, without needing a running manager
	mkdir -p /etc/systemd/system/sysinit.target.wants
	ln -sf "$unit" /etc/systemd/system/sysinit.target.wants/compatlab-sensor.service
	systemctl daemon-reload 2>/dev/null || :
	boot=$d/boot.sh
else
	mkdir -p /var/lib/compatlab/boot.d
	cp boot.sh /var/lib/compatlab/boot.d/50-compatlab-sensor
	chmod 0755 /var/lib/compatlab/boot.d/50-compatlab-sensor
	boot=/var/lib/compatlab/boot.d/50-compatlab-sensor
fi
sync
# load it now, as an installer would; an upgrade stops the running version first
if [ -d /sys/module/compatlab_sensor ]; then
	rmmod compatlab_sensor
fi
"$boot"
