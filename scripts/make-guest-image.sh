#!/usr/bin/env bash
# Build novacell's tiny test guest from Debian packages only (no internet download beyond the Debian
# mirror apt already uses): a cloud kernel (apt-get download + dpkg-deb -x), a busybox-static initramfs
# whose /init loads the virtio modules, takes its address by DHCP, runs acpid (ACPI power button →
# poweroff), a shell on the serial console and one on the screen (tty1, what a VNC/SPICE user types into), and prints a banner with the instance uuid and hostname
# the driver passes on the kernel command line (novacell.uuid=… novacell.hostname=…), plus a qcow2
# root disk the guest stamps on first boot (so a snapshot of it is recognisable). Every 10 s the guest
# prints its uptime and disk stamp ("=== novacell uptime: N s, disk: … ===") so a live-migrated guest
# is seen to keep running, on its own disk.
# After the banner the guest configures itself as cloud-init would, printing each step on the serial
# console ("=== novacell metadata: …" / "=== novacell config drive: …" lines): it mounts the config
# drive (ISO 9660 labelled config-2) when one is attached, fetches http://169.254.169.254/ (the
# OpenStack meta_data.json and the EC2 tree) when the metadata service answers, sets its hostname,
# installs the public key in /root/.ssh/authorized_keys and runs a user-data script (#!) once.
#
# Usage: scripts/make-guest-image.sh [CACHE_DIR]     (default $NOVACELL_IMAGE_CACHE or ~/.cache/novacell/guest-v<version>)
# Prints the cache dir; it holds vmlinuz, initrd.img, disk.qcow2 (if qemu-img exists) and manifest.json.
# A second run with the same inputs does nothing (the cache is reused across tests and worktrees).
# Needs: apt-get, dpkg-deb, busybox-static, cpio, gzip; qemu-utils for the disk.
set -euo pipefail

GUEST_VERSION=8 # bump when /init or the module list changes
# One cache directory per version, so worktrees on different versions never rebuild each other's.
CACHE=${1:-${NOVACELL_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/novacell/guest-v$GUEST_VERSION}}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci failover net_failover virtio_net virtio_blk cdrom isofs evdev button"

# One builder at a time per cache (parallel test files call this too).
exec 9>"$CACHE/.lock"
flock 9

if [ -f "$CACHE/manifest.json" ] && grep -q "\"guest_version\": $GUEST_VERSION," "$CACHE/manifest.json" \
  && [ -f "$CACHE/vmlinuz" ] && [ -f "$CACHE/initrd.img" ]; then
  echo "$CACHE"
  exit 0
fi

for tool in apt-get dpkg-deb cpio gzip; do
  command -v "$tool" >/dev/null || { echo "make-guest-image: $tool is missing" >&2; exit 1; }
done
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -qx udhcpc || { echo "make-guest-image: install busybox-static (/bin/busybox with udhcpc)" >&2; exit 1; }
command -v file >/dev/null && file -L "$BUSYBOX" 2>/dev/null | grep -q "dynamically linked" && { echo "make-guest-image: /bin/busybox is dynamic; install busybox-static" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- the kernel: whatever ABI the cloud meta-package points at today -----------------------------
abi_pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -1)
if [ -z "$abi_pkg" ]; then
  apt-get update -qq
  abi_pkg=$(apt-cache depends linux-image-cloud-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-cloud-amd64\)$/\1/p' | head -1)
fi
[ -n "$abi_pkg" ] || { echo "make-guest-image: apt knows no linux-image-cloud-amd64" >&2; exit 1; }
deb=$(ls /var/cache/apt/archives/"${abi_pkg}"_*.deb 2>/dev/null | head -1 || true)
if [ -z "$deb" ]; then
  (cd "$work" && apt-get download "$abi_pkg" >/dev/null 2>&1) || { apt-get update -qq && (cd "$work" && apt-get download "$abi_pkg" >/dev/null); }
  deb=$(ls "$work"/"${abi_pkg}"_*.deb)
fi
dpkg-deb -x "$deb" "$work/kernel"
vmlinuz=$(ls "$work"/kernel/boot/vmlinuz-* | head -1)
kver=${vmlinuz##*/vmlinuz-}
moddir="$work/kernel/lib/modules/$kver"

# --- the initramfs ---------------------------------------------------------------------------------
root="$work/root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,lib/modules,usr/share/udhcpc,etc/acpi/PWRF,mnt/config}
cp "$BUSYBOX" "$root/bin/busybox"
for m in $MODULES; do
  ko=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -1)
  [ -n "$ko" ] || { echo "make-guest-image: kernel $kver has no module $m" >&2; exit 1; }
  case "$ko" in *.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;; *.zst) zstd -qdc "$ko" >"$root/lib/modules/$m.ko" ;; *) cp "$ko" "$root/lib/modules/$m.ko" ;; esac
done
echo "$MODULES" >"$root/lib/modules/load-order"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
# PID 1 stage one: install busybox, mount the pseudo filesystems, then hand over to busybox init
# (so `poweroff` inside the guest and acpid's power-button handler shut the machine down cleanly).
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null || mdev -s
exec /sbin/init
EOF

cat >"$root/etc/inittab" <<'EOF'
::sysinit:/etc/rc
ttyS0::respawn:-/bin/sh
tty1::respawn:-/bin/sh
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/rc.shutdown
EOF

cat >"$root/etc/rc" <<'EOF'
#!/bin/sh
# Boot: modules, identity from the kernel command line, network by DHCP, ACPI, the root disk stamp.
for m in $(cat /lib/modules/load-order); do insmod /lib/modules/$m.ko 2>/dev/null; done
uuid=unknown; host=novacell-guest; rescue=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    novacell.uuid=*) uuid=${arg#novacell.uuid=} ;;
    novacell.hostname=*) host=${arg#novacell.hostname=} ;;
    novacell.rescue=1) rescue=" RESCUE" ;;
  esac
done
hostname "$host"
echo "$uuid" >/etc/instance-uuid
ip link set lo up
for nic in eth0 eth1; do
  ip link set $nic up 2>/dev/null && udhcpc -i $nic -q -n -t 5 -T 1 -s /usr/share/udhcpc/default.script >/dev/null 2>&1
done
mkdir -p /var/run /var/log
acpid -c /etc/acpi -l /var/log/acpid.log -p /var/run/acpid.pid
disk=none
if [ -b /dev/vda ]; then
  stamp=$(dd if=/dev/vda bs=128 count=1 2>/dev/null | tr -d '\000' | head -1)
  case "$stamp" in
    NOVACELL-DISK*) disk="$stamp" ;;
    *) printf 'NOVACELL-DISK first booted by %s\n' "$uuid" | dd of=/dev/vda conv=notrunc 2>/dev/null; sync; disk="new, stamped by $uuid" ;;
  esac
fi
addr=$(ip -4 -o addr show eth0 2>/dev/null | awk '{print $4}')
echo "=== novacell guest$rescue: instance $uuid hostname $host ip ${addr:-none} ==="
echo "=== novacell disk: $disk ==="
# In the background, so the consoles' shells never wait for a metadata service that does not answer.
[ -n "$rescue" ] || /etc/rc.metadata &
# Every 10 s the guest's uptime and the stamp its disk holds (read past the page cache): after a live
# migration the same guest goes on counting (no new banner), reading the disk that came along.
(while sleep 10; do
  d=none
  [ -b /dev/vda ] && d=$(dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\000' | head -1)
  echo "=== novacell uptime: $(cut -d' ' -f1 /proc/uptime) s, disk: ${d:-blank} ==="
done) &
EOF

cat >"$root/etc/rc.metadata" <<'EOF'
#!/bin/sh
# Configure the guest from its config drive and the metadata service, as cloud-init does (config
# drive first), and say on the console what each source told: the test reads these lines.
MD=http://169.254.169.254
say() { echo "=== novacell $* ==="; }
json() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" | head -1; }
fetch() { timeout 10 wget -q -O - "$MD/$1" 2>/dev/null; }
# First public key of a meta_data.json ("public_keys": {"name": "ssh-… …"}).
# A JSON-escaped trailing newline of the key (an imported key file's) is dropped.
first_key() { tr -d '\n' | sed -n 's/.*"public_keys": *{ *"\([^"]*\)": *"\([^"]*\)".*/\1 \2/p' | sed 's/\\n$//'; }
applied=
apply() { # source, uuid, hostname, key name + key, user-data file
  src=$1; id=$2; host=$3; key=$4; ud=$5
  say "$src: instance $id hostname ${host:-none}"
  say "$src: public key ${key:-none}"
  if [ -s "$ud" ]; then say "$src: user-data $(wc -c <"$ud") bytes"; else say "$src: user-data none"; fi
  [ -n "$applied" ] && return 0
  applied=$src
  [ -n "$host" ] && hostname "$host" && say "hostname set to $host (from $src)"
  if [ -n "$key" ]; then
    mkdir -p /root/.ssh && chmod 700 /root/.ssh
    echo "${key#* }" >>/root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys
    say "key ${key%% *} installed in /root/.ssh/authorized_keys (from $src)"
  fi
  if [ -s "$ud" ] && [ "$(head -c 2 "$ud")" = '#!' ]; then
    cp "$ud" /tmp/user-data.sh && chmod 700 /tmp/user-data.sh
    say "running user-data script (from $src)"
    /tmp/user-data.sh 2>&1
    say "user-data script exited $?"
  fi
}
dev=$(findfs LABEL=config-2 2>/dev/null)
if [ -n "$dev" ] && mount -t iso9660 -o ro "$dev" /mnt/config 2>/dev/null; then
  m=/mnt/config/openstack/latest/meta_data.json
  apply "config drive $dev" "$(json uuid <$m)" "$(json hostname <$m)" "$(first_key <$m)" /mnt/config/openstack/latest/user_data
else
  say "config drive: none"
fi
if ip route get 169.254.169.254 >/dev/null 2>&1 && fetch openstack/latest/meta_data.json >/tmp/meta_data.json && [ -s /tmp/meta_data.json ]; then
  fetch latest/user-data >/tmp/user-data || : >/tmp/user-data
  ec2key=$(fetch latest/meta-data/public-keys/0/openssh-key)
  say "metadata service: ec2 instance-id $(fetch latest/meta-data/instance-id) key ${ec2key:-none}"
  apply "metadata service" "$(json uuid </tmp/meta_data.json)" "$(json hostname </tmp/meta_data.json)" "$(first_key </tmp/meta_data.json)" /tmp/user-data
else
  say "metadata service: unreachable"
fi
EOF

cat >"$root/etc/rc.shutdown" <<'EOF'
#!/bin/sh
echo "=== novacell guest $(cat /etc/instance-uuid) shutting down ==="
sync
EOF

cat >"$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
poweroff
EOF

cat >"$root/usr/share/udhcpc/default.script" <<'EOF'
#!/bin/sh
# udhcpc hook: apply the lease (address, router, DNS).
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    # Only the first NIC routes and resolves; eth1 is the link-local metadata link (169.254.0.0/16).
    [ "$interface" = eth0 ] || exit 0
    [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
    : >/etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
    ;;
esac
EOF
chmod 755 "$root/init" "$root/etc/rc" "$root/etc/rc.metadata" "$root/etc/rc.shutdown" "$root/etc/acpi/PWRF/00000080" "$root/usr/share/udhcpc/default.script"
mkdir -p "$root/etc/acpi/PWRF"
ln -s /bin/busybox "$root/sbin/init"
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"

(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -9) >"$work/initrd.img"
cp "$vmlinuz" "$work/vmlinuz"

# --- the root disk: 64 MiB, blank; the guest stamps its first sector ----------------------------
disk=false
if command -v qemu-img >/dev/null; then
  qemu-img create -q -f qcow2 "$work/disk.qcow2" 64M
  disk=true
fi

mv -f "$work/vmlinuz" "$CACHE/vmlinuz"
mv -f "$work/initrd.img" "$CACHE/initrd.img"
if $disk; then mv -f "$work/disk.qcow2" "$CACHE/disk.qcow2"; fi
cat >"$CACHE/manifest.json" <<EOF
{
  "guest_version": $GUEST_VERSION,
  "kernel_package": "$abi_pkg",
  "kernel_version": "$kver",
  "vmlinuz": "$CACHE/vmlinuz",
  "initrd": "$CACHE/initrd.img",
  "disk": $($disk && echo "\"$CACHE/disk.qcow2\"" || echo null),
  "cmdline": "console=ttyS0 quiet"
}
EOF
echo "$CACHE"
