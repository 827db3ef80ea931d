// Network screen: management NIC, host name, and a static address (prefilled from the DHCP lease)
// or DHCP on the installed node.
import type { HardwareProfile } from '../../../../contracts/hardware/types.ts';
import type { FieldSpec } from '../../components/form/form-state.ts';
import type { NetworkValues, WizardValues } from '../../wizard/values.ts';

export function networkFields(hw: HardwareProfile) {
  const nics = hw.nics.map((n) => ({
    value: n.name,
    label: `${n.name}  ${n.mac}  ${n.link ? `link up${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ''}` : 'NO LINK'}`,
  }));
  return (values: Record<string, string>): FieldSpec[] => {
    const fields: FieldSpec[] = [
      {
        id: 'nic',
        label: 'Interface',
        kind: 'choice',
        options: nics,
        hint: 'Left/Right: the NIC for the management bridge vmbr0',
      },
      {
        id: 'mode',
        label: 'Address',
        kind: 'choice',
        options: [
          { value: 'static', label: 'static (below)' },
          { value: 'dhcp', label: 'DHCP on every boot' },
        ],
        hint: 'Left/Right: a static address is recommended for a server',
      },
      {
        id: 'fqdn',
        label: 'Hostname (FQDN)',
        kind: 'text',
        hint: 'host name with domain, e.g. pve1.example.com',
        maxLength: 253,
      },
    ];
    if (values.mode === 'static')
      fields.push(
        {
          id: 'cidr',
          label: 'IP address/CIDR',
          kind: 'text',
          placeholder: 'e.g. 192.168.1.10/24',
          maxLength: 64,
        },
        {
          id: 'gateway',
          label: 'Gateway',
          kind: 'text',
          placeholder: 'e.g. 192.168.1.1',
          maxLength: 64,
        },
        {
          id: 'dns',
          label: 'DNS server',
          kind: 'text',
          placeholder: 'e.g. 192.168.1.1',
          maxLength: 64,
        },
      );
    return fields;
  };
}

export const networkForm = (v: NetworkValues): Record<string, string> => ({ ...v });

export const networkValues = (f: Record<string, string>): Partial<WizardValues> => ({
  network: {
    nic: f.nic ?? '',
    mode: f.mode === 'static' ? 'static' : 'dhcp',
    fqdn: (f.fqdn ?? '').trim(),
    cidr: (f.cidr ?? '').trim(),
    gateway: (f.gateway ?? '').trim(),
    dns: (f.dns ?? '').trim(),
  },
});
