#!/bin/sh
# Run inside node files-b's installed root after its files are written.
set -eu
test -f /usr/share/zoneinfo/Europe/Berlin && ln -sf /usr/share/zoneinfo/Europe/Berlin /etc/localtime
update-initramfs -u -k all
chown root:haclient /etc/drbd.d/global_common.conf
dpkg-statoverride --list /usr/lib/drbd/drbdsetup-84 >/dev/null || dpkg-statoverride --update --add root haclient 4750 /usr/lib/drbd/drbdsetup-84
dpkg-statoverride --list /usr/sbin/drbdmeta >/dev/null || dpkg-statoverride --update --add root haclient 4750 /usr/sbin/drbdmeta
