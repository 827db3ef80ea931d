// Pure: what `serve` appends to the ISO's initrd for network boots. live-boot's `fetch=` takes one
// URL: `fetch=.../filesystem.squashfs` mounts that layer alone (no installer layer), and only
// `fetch=.../openve.iso` brought everything, by loading the whole ISO (payload included) into RAM
// (FLEET.md). Instead the served initrd is the ISO's own followed by a small cpio holding one more
// live-boot component, /usr/lib/live/boot/9999-openve-netboot.sh: live-boot sources its components
// in name order, so its functions replace live-boot's:
//   - do_httpmount: fetches every live layer of the ISO (named here, from the ISO's /live) from the
//     directory of `fetch=` into RAM, where live-boot stacks them as it does on the medium, and
//     checks each against the sha256 the server computed from the ISO (plain HTTP: a truncated or
//     altered layer, or one of another ISO from a stale cache, is refused; live-boot then stops with
//     "Unable to find a live file system on the network" instead of booting it);
//   - Select_eth_device: the NIC named by BOOTIF (the one iPXE booted from), up, its carrier waited
//     for in 0.1 s steps; live-boot's own search sleeps ~8 s even when BOOTIF names the NIC (it
//     probes each NIC with a 1 s ipconfig and a sleep, then checks carriers five times a second
//     apart). Without BOOTIF, live-boot's own function runs.
// The payload is not fetched here: the installer streams it from the server (openve.payload=).
// The kernel unpacks concatenated cpio archives, compressed or not; an uncompressed one must start
// at a 4-byte boundary, so the ISO's initrd is followed by zero bytes up to one (initrdPadding).

export const NETBOOT_COMPONENT = 'usr/lib/live/boot/9999-openve-netboot.sh';

/** A live layer: the squashfs file name in the ISO's /live and the sha256 (hex) of its bytes. */
export interface LiveLayer {
  name: string;
  sha256: string;
}

/** The live-boot component; `layers` are the squashfs files of the ISO's /live, in order. */
export function netbootScript(layers: readonly LiveLayer[]): string {
  for (const l of layers) {
    if (!/^[\w.-]+\.squashfs$/.test(l.name))
      throw new Error(`live layer ${l.name}: not a squashfs name`);
    if (!/^[0-9a-f]{64}$/.test(l.sha256))
      throw new Error(`live layer ${l.name}: sha256 ${l.sha256}: not 64 hex digits`);
  }
  return `#!/bin/sh
# openve-install serve: network boot. Appended to the ISO's initrd by the server (provision/fleet/netboot.ts).
# Each live layer as NAME:SHA256 (its bytes in the ISO the server serves).
OPENVE_LAYERS="${layers.map((l) => `${l.name}:${l.sha256}`).join(' ')}"

Select_eth_device ()
{
	if [ -z "\${BOOTIF}" ] || { [ -z "\${FETCH}" ] && [ -z "\${NETBOOT}" ]; }
	then
		. /lib/live/boot/9990-select-eth-device.sh
		Select_eth_device
		return
	fi
	modprobe -q af_packet
	udevadm trigger
	udevadm settle
	Device_from_bootif
	if [ -z "\${DEVICE}" ]
	then
		echo "openve: no NIC with BOOTIF's address \${BOOTIF}: live-boot's own search"
		. /lib/live/boot/9990-select-eth-device.sh
		Select_eth_device
		return
	fi
	echo "DEVICE=\${DEVICE}" >> /conf/param.conf
	ip link set "\${DEVICE}" up
	i=0
	while [ "$(cat "/sys/class/net/\${DEVICE}/carrier" 2>/dev/null)" != 1 ] && [ \${i} -lt 150 ]
	do
		sleep 0.1
		i=$((i + 1))
	done
	echo "openve: \${DEVICE} (BOOTIF), carrier after \${i} x 0.1 s"
}

do_httpmount ()
{
	case "\${FETCH}" in
		http://*/*) ;;
		*) echo "openve: fetch=\${FETCH}: expected http://SERVER/live/LAYER"; return 1 ;;
	esac
	base="\${FETCH%/*}"
	dest="\${mountpoint}/\${LIVE_MEDIA_PATH}"
	mount -t ramfs ram "\${mountpoint}" || return 1
	mkdir -p "\${dest}"
	for entry in \${OPENVE_LAYERS}
	do
		layer="\${entry%%:*}"
		want="\${entry#*:}"
		log_begin_msg "openve: fetching \${base}/\${layer}"
		if ! wget -q "\${base}/\${layer}" -O "\${dest}/\${layer}"
		then
			log_end_msg
			echo "openve: \${base}/\${layer} could not be fetched"
			umount "\${mountpoint}"
			return 1
		fi
		log_end_msg
		read -r t0 rest < /proc/uptime
		got="$(sha256sum "\${dest}/\${layer}")"
		got="\${got%% *}"
		read -r t1 rest < /proc/uptime
		if [ "\${got}" != "\${want}" ]
		then
			echo "openve: \${base}/\${layer}: sha256 \${got}, expected \${want}: not used"
			umount "\${mountpoint}"
			return 1
		fi
		echo "openve: \${layer}: sha256 checked (\${t0} -> \${t1} s after boot)"
	done
	return 0
}
`;
}

/** One regular file in a newc ("070701") cpio archive, then the trailer. */
export function newcArchive(
  files: readonly { name: string; mode: number; data: Buffer }[],
): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  const entry = (name: string, mode: number, data: Buffer, nlink: number) => {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    const nameBytes = Buffer.from(`${name}\0`, 'utf8');
    const header = Buffer.from(
      '070701' +
        [ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0]
          .map(hex)
          .join(''),
      'ascii',
    );
    parts.push(header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length));
  };
  for (const f of files) entry(f.name, 0o100000 | f.mode, f.data, 1);
  entry('TRAILER!!!', 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts);
}

/** The cpio appended to the ISO's initrd. */
export function netbootCpio(layers: readonly LiveLayer[]): Buffer {
  return newcArchive([
    { name: NETBOOT_COMPONENT, mode: 0o755, data: Buffer.from(netbootScript(layers), 'utf8') },
  ]);
}

/** Zero bytes after an initrd of `size` bytes so that the next archive starts 4-byte aligned. */
export function initrdPadding(size: number): Buffer {
  return Buffer.alloc((4 - (size % 4)) % 4);
}
