#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the VM (see run.sh): load rvnet, run the command, unload,
# scan for leaks, save dmesg and the status into the shared result dir.
res=$1
export PATH=$(cat "$res/path"):$PATH
[ -s "$res/cache" ] && export RVNET_CACHE=$(cat "$res/cache")
mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
kmemleak=/sys/kernel/debug/kmemleak
# Leaks from before this point are the boot's, not ours.
[ -w $kmemleak ] && echo clear > $kmemleak
echo "rvnet-vm: start" > /dev/kmsg

if [ "$(cat "$res/noload")" != 1 ]; then
	for m in $(cat "$res/modules"); do
		if ! insmod "$m"; then
			echo "make vm: insmod $m failed" >> "$res/output"
			dmesg > "$res/dmesg"
			echo 1 > "$res/status"
			exit 0
		fi
	done
fi

if [ "${2:-}" = --shell ]; then
	exec bash -i
fi

bash "$res/cmd" >> "$res/output" 2>&1 < /dev/null
status=$?

# Unload whatever is still loaded: a module that cannot go is a bug.
for m in $(cat "$res/modules" | tr ' ' '\n' | tac); do
	name=$(basename "$m" .ko)
	if grep -q "^$name " /proc/modules && ! rmmod "$name"; then
		echo "make vm: rmmod $name failed" >> "$res/output"
		[ $status = 0 ] && status=1
	fi
done
if [ -w $kmemleak ]; then
	echo scan > $kmemleak; sleep 1; echo scan > $kmemleak
	cat $kmemleak > "$res/kmemleak"
fi
dmesg > "$res/dmesg"
echo $status > "$res/status"
