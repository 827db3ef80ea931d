// Pure: dnsmasq's configuration for the network boot (measured recipes: docs FLEET.md).
// Proxy-DHCP (default): next to the site's DHCP server, dnsmasq only adds the boot information.
// Full DHCP (--dhcp-range): dnsmasq is the DHCP server of an isolated install network.
// Firmware PXE gets iPXE by TFTP (undionly.kpxe for BIOS, ipxe.efi for UEFI); iPXE (option 175 /
// user class iPXE) gets the boot script over HTTP.
// IPv6 (full DHCP only): router advertisements and stateless DHCPv6 for the prefix of the
// interface's own IPv6 address (`constructor:`; serve gives the interface a ULA when it has none).
// iPXE waits ~13 s for a router advertisement after its DHCP ACK when none comes (FLEET.md).

export interface DnsmasqOptions {
  interface: string;
  /** the server's IPv4 address on that interface (written in full into every URL) */
  address: string;
  httpPort: number;
  /** full DHCP: [first, last]; absent: proxy-DHCP */
  dhcpRange?: [string, string];
  tftpRoot: string;
  pidFile: string;
  logFile: string;
  leaseFile: string;
}

export function bootScriptUrl(address: string, httpPort: number): string {
  return `http://${address}${httpPort === 80 ? '' : `:${httpPort}`}/boot.ipxe`;
}

export function dnsmasqConfig(o: DnsmasqOptions): string {
  const script = bootScriptUrl(o.address, o.httpPort);
  const lines = [
    '# written by openve-install serve; regenerated at every start',
    'port=0',
    `interface=${o.interface}`,
    'bind-interfaces',
    'except-interface=lo',
    `pid-file=${o.pidFile}`,
    `log-facility=${o.logFile}`,
    'log-dhcp',
    `dhcp-leasefile=${o.leaseFile}`,
    'enable-tftp',
    `tftp-root=${o.tftpRoot}`,
    'dhcp-match=set:ipxe,175',
    'dhcp-userclass=set:ipxe,iPXE',
    'dhcp-match=set:efi64,option:client-arch,7',
    'dhcp-match=set:efi64,option:client-arch,9',
  ];
  if (o.dhcpRange) {
    lines.push(
      // each machine takes up to three leases (iPXE, initramfs, live system): short leases
      `dhcp-range=${o.dhcpRange[0]},${o.dhcpRange[1]},10m`,
      'dhcp-authoritative',
      'dhcp-option=3',
      'dhcp-option=6',
      `dhcp-boot=tag:ipxe,${script}`,
      `dhcp-boot=tag:!ipxe,tag:efi64,ipxe.efi,,${o.address}`,
      `dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe,,${o.address}`,
      'enable-ra',
      `dhcp-range=::,constructor:${o.interface},ra-stateless,64,10m`,
    );
  } else {
    lines.push(
      `dhcp-range=${o.address},proxy`,
      'pxe-prompt="openve network install",0',
      // write the extension: a bare name gets ".0" appended
      'pxe-service=tag:!ipxe,x86PC,"openve (BIOS)",undionly.kpxe',
      `pxe-service=tag:ipxe,x86PC,"openve (BIOS)",${script}`,
      'pxe-service=tag:!ipxe,X86-64_EFI,"openve (UEFI)",ipxe.efi',
      `pxe-service=tag:ipxe,X86-64_EFI,"openve (UEFI)",${script}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The IPv6 address serve gives an install network's interface that has none (full DHCP): a ULA
 * /64 named by the interface's IPv4 address (fd6f:7665 is "ove"), so router advertisements and
 * stateless DHCPv6 have a prefix to announce. */
export function installNetworkUla(ipv4: string): string {
  const o = ipv4.split('.').map(Number);
  if (o.length !== 4 || o.some((n) => !Number.isInteger(n) || n < 0 || n > 255))
    throw new Error(`not an IPv4 address: ${JSON.stringify(ipv4)}`);
  const hex = (a: number, b: number) => ((a << 8) | b).toString(16);
  return `fd6f:7665:${hex(o[0]!, o[1]!)}:${hex(o[2]!, o[3]!)}::1/64`;
}
