#!/bin/sh
# rcS of the compatlab test guest: modules, the persistent data disk, boot-start drivers, then SSH.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
echo "compatlab-guest: init $(cut -d' ' -f1 /proc/uptime)s" > /dev/console

for m in $(cat /etc/modules-boot); do
	modprobe "$m" 2>/dev/null
done

# the data disk (virtio or SATA) keeps /var across reboots
disk=
i=0
while [ $i -lt 50 ]; do
	for d in /dev/vda /dev/sda; do
		[ -b "$d" ] && disk=$d && break 2
	done
	sleep 0.1
	i=$((i + 1))
done
if [ -n "$disk" ] && mount -t ext4 "$disk" /data; then
	mkdir -p /data/var
	mount --bind /data/var /var
else
	echo "compatlab-guest: no data disk; /var is not persistent" > /dev/console
fi
mkdir -p /var/lib/compatlab/boot.d

# boot-start drivers run before the network and the agent, as a security sensor's driver would
echo "compatlab-guest: boot-start drivers $(cut -d' ' -f1 /proc/uptime)s" > /dev/console
for s in /var/lib/compatlab/boot.d/*; do
	[ -x "$s" ] && "$s" > /dev/console 2>&1
done

# QEMU's user-mode network: the host reaches port 22 through a loopback port forward only
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
hostname compatlab-guest
dropbear -r /etc/dropbear/dropbear_ed25519_host_key -s -p 22
echo "compatlab-guest: ready $(cut -d' ' -f1 /proc/uptime)s" > /dev/console
