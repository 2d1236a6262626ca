#!/usr/bin/env bash
# Register the guest built by scripts/make-guest-image.sh in the image service, in Nova's AMI style:
# the kernel (aki) and ramdisk (ari) as images of their own, and the machine image — the qcow2 root
# disk, or no data where qemu-img was missing — naming them in its kernel_id / ramdisk_id properties.
# Uses the openstack CLI with whatever cloud is configured (OS_CLOUD / clouds.yaml).
#
# Usage: scripts/register-guest-image.sh [NAME] [CACHE_DIR]     (NAME default novacell-guest)
# Prints the machine image's id.
set -euo pipefail
NAME=${1:-novacell-guest}
CACHE=$("$(dirname "$0")/make-guest-image.sh" ${2:+"$2"} | tail -1)
OPENSTACK=${OPENSTACK:-openstack}

kernel=$($OPENSTACK image create --public --disk-format aki --container-format aki --file "$CACHE/vmlinuz" -f value -c id "$NAME-kernel")
ramdisk=$($OPENSTACK image create --public --disk-format ari --container-format ari --file "$CACHE/initrd.img" -f value -c id "$NAME-ramdisk")
if [ -f "$CACHE/disk.qcow2" ]; then
  $OPENSTACK image create --public --disk-format qcow2 --container-format bare --file "$CACHE/disk.qcow2" \
    --property kernel_id="$kernel" --property ramdisk_id="$ramdisk" --property os_distro=novacell-guest \
    --min-ram 128 -f value -c id "$NAME"
else
  $OPENSTACK image create --public --disk-format ami --container-format ami \
    --property kernel_id="$kernel" --property ramdisk_id="$ramdisk" --property os_distro=novacell-guest \
    --min-ram 128 -f value -c id "$NAME"
fi
