// Create a VM: name, ISO (or a kernel), firmware, CPU, memory, disk, network; defaults filled,
// every field checked as you type with the API's own rules (contracts/manager/guest.ts).
import { Checkbox, NativeSelect, NumberInput, Text, TextInput, Fieldset } from '@mantine/core';
import { parseVmConfig } from '../../contracts/manager/guest.ts';
import { byPath } from './api.ts';
import {
  BridgeSelect,
  confirmStep,
  DiskFields,
  num,
  useWizard,
  Wizard,
  WizardLoader,
  type FormProps,
  type StepDef,
} from './wizard.tsx';

interface Form {
  id: string;
  name: string;
  iso: string;
  kernel: string;
  initrd: string;
  cmdline: string;
  firmware: 'bios' | 'uefi';
  vcpus: string;
  memory: string;
  disk: boolean;
  diskSize: string;
  diskStorage: string;
  bridge: string;
  model: 'virtio' | 'e1000';
  start: boolean;
}

export function vmBody(f: Form): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: num(f.id),
    name: f.name,
    vcpus: num(f.vcpus),
    memory: num(f.memory),
    firmware: f.firmware,
    disks: f.disk ? [{ size: num(f.diskSize), storage: f.diskStorage }] : [],
    nics: f.bridge ? [{ bridge: f.bridge, model: f.model }] : [],
  };
  if (f.iso) body.iso = f.iso;
  if (f.kernel.trim())
    body.kernel = {
      path: f.kernel.trim(),
      ...(f.initrd.trim() ? { initrd: f.initrd.trim() } : {}),
      ...(f.cmdline.trim() ? { cmdline: f.cmdline.trim() } : {}),
    };
  return body;
}

export function VmWizard({ node }: { node: string }) {
  return <WizardLoader node={node} form={(o) => <VmForm {...o} />} />;
}

function VmForm({ node, options, facts, firstId }: FormProps) {
  const w = useWizard<Form>(
    () => ({
      id: String(firstId),
      name: `vm${firstId}`,
      iso: options.isos[0] ?? '',
      kernel: '',
      initrd: '',
      cmdline: '',
      firmware: 'bios',
      vcpus: '1',
      memory: '1024',
      disk: true,
      diskSize: '8',
      diskStorage:
        options.storages.find((s) => s.type === 'lvmthin')?.id ?? options.storages[0]?.id ?? '',
      bridge: options.bridges[0] ?? '',
      model: 'virtio',
      start: false,
    }),
    (f) => {
      const parsed = parseVmConfig(vmBody(f), facts);
      return parsed.ok ? {} : byPath(parsed.issues);
    },
  );
  const { f, set, err, numberField, textField } = w;

  const steps: StepDef[] = [
    {
      label: 'General',
      fields: ['id', 'name'],
      body: (
        <>
          <TextInput label="Node" value={node} disabled />
          <TextInput
            label="VM ID"
            description="100 or more, unique on the cluster"
            {...textField('id', 'id', 0)}
            inputMode="numeric"
          />
          <TextInput label="Name" required {...textField('name', 'name', 0)} data-autofocus />
        </>
      ),
    },
    {
      label: 'OS',
      fields: ['iso', 'kernel', 'firmware', 'boot', 'accel'],
      body: (
        <>
          <NativeSelect
            label="ISO image"
            description={
              options.isos.length
                ? undefined
                : "No ISO on this node yet: upload one on the node's Storage tab"
            }
            value={f.iso}
            onChange={(e) => set('iso', 'iso')(e.currentTarget.value)}
            data={[
              { value: '', label: 'none' },
              ...options.isos.map((i) => ({ value: i, label: i })),
            ]}
            error={err('iso', 1)}
          />
          <NativeSelect
            label="Firmware"
            value={f.firmware}
            onChange={(e) => set('firmware', 'firmware')(e.currentTarget.value as Form['firmware'])}
            data={[
              { value: 'bios', label: 'BIOS (SeaBIOS)' },
              { value: 'uefi', label: 'UEFI (OVMF)' },
            ]}
            error={err('firmware', 1)}
          />
          <Fieldset legend="Direct kernel boot (optional: appliances, tests)">
            <TextInput
              label="Kernel"
              placeholder="/var/lib/openve/kernels/vmlinuz"
              {...textField('kernel', 'kernel.path', 1)}
            />
            <TextInput label="Initrd" {...textField('initrd', 'kernel.initrd', 1)} />
            <TextInput
              label="Kernel command line"
              placeholder="console=ttyS0"
              {...textField('cmdline', 'kernel.cmdline', 1)}
            />
          </Fieldset>
          {options.accel === 'qemu' && (
            <Text size="sm" c="yellow.8">
              This node has no KVM: the VM runs emulated (TCG), much slower.
            </Text>
          )}
        </>
      ),
    },
    {
      label: 'Hardware',
      fields: ['vcpus', 'memory', 'disks'],
      body: (
        <>
          <NumberInput label="CPU cores" {...numberField('vcpus', 'vcpus', 2)} min={1} max={128} />
          <NumberInput
            label="Memory (MiB)"
            {...numberField('memory', 'memory', 2)}
            min={32}
            step={256}
          />
          <Checkbox
            label="Hard disk"
            checked={f.disk}
            onChange={(e) => set('disk', 'disks')(e.currentTarget.checked)}
          />
          {f.disk && (
            <DiskFields
              what="Disk"
              options={options}
              w={w}
              storage="diskStorage"
              size="diskSize"
              path="disks[0]"
              step={2}
            />
          )}
        </>
      ),
    },
    {
      label: 'Network',
      fields: ['nics'],
      body: (
        <>
          <BridgeSelect guest="VM" options={options} w={w} step={3} />
          {f.bridge && (
            <NativeSelect
              label="Model"
              value={f.model}
              onChange={(e) =>
                set('model', 'nics[0].model')(e.currentTarget.value as Form['model'])
              }
              data={[
                { value: 'virtio', label: 'VirtIO (paravirtualized)' },
                { value: 'e1000', label: 'Intel E1000' },
              ]}
            />
          )}
        </>
      ),
    },
    confirmStep(w, node, [
      ['VM ID', f.id],
      ['Name', f.name],
      ['Boot', f.kernel ? `kernel ${f.kernel}` : f.iso ? `ISO ${f.iso}` : 'disk / network'],
      ['Firmware', f.firmware.toUpperCase()],
      ['CPU', `${f.vcpus} core(s)${options.accel === 'qemu' ? ', TCG (no KVM)' : ', KVM'}`],
      ['Memory', `${f.memory} MiB`],
      ['Disk', f.disk ? `${f.diskSize} GiB on ${f.diskStorage}` : 'none'],
      ['Network', f.bridge ? `${f.model} on ${f.bridge}` : 'none'],
    ]),
  ];

  return (
    <Wizard
      w={w}
      title={`Create a VM on ${node}`}
      steps={steps}
      node={node}
      kind="vm"
      name={f.name}
      onCreate={() =>
        void w.create(steps, `/nodes/${encodeURIComponent(node)}/vms`, vmBody(f), Number(f.id))
      }
    />
  );
}
