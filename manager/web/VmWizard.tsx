// Create a VM: name, ISO (or a kernel), firmware, CPU, memory, disk, network; defaults filled,
// every field checked as you type with the API's own rules (contracts/manager/guest.ts).
import {
  Alert,
  Checkbox,
  NativeSelect,
  NumberInput,
  Text,
  TextInput,
  Fieldset,
  Group,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { parseVmConfig } from '../../contracts/manager/guest.ts';
import { TaskStartedSchema } from '../../contracts/manager/views.ts';
import { ApiError, byPath, request } from './api.ts';
import { useCluster } from './store.tsx';
import {
  CreatedGuest,
  factsOf,
  nextId,
  num,
  stepOf,
  Summary,
  useNodeOptions,
  WizardFrame,
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
  const c = useCluster();
  const { options, error } = useNodeOptions(node);
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!options || !c.loaded) return <Text>Loading...</Text>;
  const used = Object.values(c.guests).flatMap((l) => l.map((g) => g.id));
  return <VmForm node={node} options={options} firstId={nextId(used)} />;
}

function VmForm({
  node,
  options,
  firstId,
}: {
  node: string;
  options: NonNullable<ReturnType<typeof useNodeOptions>['options']>;
  firstId: number;
}) {
  const c = useCluster();
  const storage =
    options.storages.find((s) => s.type === 'lvmthin')?.id ?? options.storages[0]?.id ?? '';
  const [f, setF] = useState<Form>({
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
    diskStorage: storage,
    bridge: options.bridges[0] ?? '',
    model: 'virtio',
    start: false,
  });
  const [active, setActive] = useState(0);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [server, setServer] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [task, setTask] = useState<{ id: string; vmid: number } | null>(null);

  const body = vmBody(f);
  const facts = useMemo(() => factsOf(node, options), [node, options]);
  const parsed = parseVmConfig(body, facts);
  const issues: Record<string, string> = { ...(parsed.ok ? {} : byPath(parsed.issues)), ...server };
  const set =
    <K extends keyof Form>(k: K, path: string) =>
    (v: Form[K]) => {
      setF((o) => ({ ...o, [k]: v }));
      setTouched((t) => new Set(t).add(path));
      setServer((s) => {
        const { [path]: _drop, ...rest } = s;
        return rest;
      });
    };
  // errors show once a field was changed, or once its step was left with Next
  const [visited, setVisited] = useState(0);
  const err = (path: string, step: number) =>
    touched.has(path) || visited > step || server[path] ? issues[path] : undefined;
  const go = (n: number) => {
    setVisited((v) => (n >= active ? Math.max(v, active + 1) : v));
    setActive(n);
  };

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
            value={f.id}
            onChange={(e) => set('id', 'id')(e.currentTarget.value)}
            error={err('id', 0)}
            inputMode="numeric"
          />
          <TextInput
            label="Name"
            required
            value={f.name}
            onChange={(e) => set('name', 'name')(e.currentTarget.value)}
            error={err('name', 0)}
            data-autofocus
          />
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
              value={f.kernel}
              onChange={(e) => set('kernel', 'kernel.path')(e.currentTarget.value)}
              error={err('kernel.path', 1)}
            />
            <TextInput
              label="Initrd"
              value={f.initrd}
              onChange={(e) => set('initrd', 'kernel.initrd')(e.currentTarget.value)}
              error={err('kernel.initrd', 1)}
            />
            <TextInput
              label="Kernel command line"
              placeholder="console=ttyS0"
              value={f.cmdline}
              onChange={(e) => set('cmdline', 'kernel.cmdline')(e.currentTarget.value)}
              error={err('kernel.cmdline', 1)}
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
          <NumberInput
            label="CPU cores"
            value={f.vcpus}
            onChange={(v) => set('vcpus', 'vcpus')(String(v))}
            error={err('vcpus', 2)}
            min={1}
            max={128}
            allowDecimal={false}
          />
          <NumberInput
            label="Memory (MiB)"
            value={f.memory}
            onChange={(v) => set('memory', 'memory')(String(v))}
            error={err('memory', 2)}
            min={32}
            step={256}
            allowDecimal={false}
          />
          <Checkbox
            label="Hard disk"
            checked={f.disk}
            onChange={(e) => set('disk', 'disks')(e.currentTarget.checked)}
          />
          {f.disk && (
            <Group grow align="flex-start">
              <NativeSelect
                label="Disk storage"
                value={f.diskStorage}
                onChange={(e) => set('diskStorage', 'disks[0].storage')(e.currentTarget.value)}
                data={options.storages.map((s) => ({ value: s.id, label: `${s.id} (${s.type})` }))}
                error={err('disks[0].storage', 2)}
              />
              <NumberInput
                label="Disk size (GiB)"
                value={f.diskSize}
                onChange={(v) => set('diskSize', 'disks[0].size')(String(v))}
                error={err('disks[0].size', 2)}
                min={1}
                allowDecimal={false}
              />
            </Group>
          )}
        </>
      ),
    },
    {
      label: 'Network',
      fields: ['nics'],
      body: (
        <>
          <NativeSelect
            label="Bridge"
            description={
              options.bridges.length ? undefined : 'This node has no bridge: the VM gets no network'
            }
            value={f.bridge}
            onChange={(e) => set('bridge', 'nics[0].bridge')(e.currentTarget.value)}
            data={[
              { value: '', label: 'no network' },
              ...options.bridges.map((b) => ({ value: b, label: b })),
            ]}
            error={err('nics[0].bridge', 3)}
          />
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
    {
      label: 'Confirm',
      fields: [],
      body: (
        <>
          <Summary
            rows={[
              ['Node', node],
              ['VM ID', f.id],
              ['Name', f.name],
              ['Boot', f.kernel ? `kernel ${f.kernel}` : f.iso ? `ISO ${f.iso}` : 'disk / network'],
              ['Firmware', f.firmware.toUpperCase()],
              ['CPU', `${f.vcpus} core(s)${options.accel === 'qemu' ? ', TCG (no KVM)' : ', KVM'}`],
              ['Memory', `${f.memory} MiB`],
              ['Disk', f.disk ? `${f.diskSize} GiB on ${f.diskStorage}` : 'none'],
              ['Network', f.bridge ? `${f.model} on ${f.bridge}` : 'none'],
            ]}
          />
          <Checkbox
            label="Start after creation"
            checked={f.start}
            onChange={(e) => set('start', 'start')(e.currentTarget.checked)}
          />
          {Object.keys(issues).length > 0 && (
            <Alert color="red" role="alert">
              Fix first:{' '}
              {Object.entries(issues)
                .map(([p, m]) => `${p}: ${m}`)
                .join('; ')}
            </Alert>
          )}
        </>
      ),
    },
  ];

  const create = async () => {
    setBusy(true);
    setFormError(null);
    try {
      const r = await request('POST', `/nodes/${encodeURIComponent(node)}/vms`, TaskStartedSchema, {
        body,
      });
      c.track(r.task);
      setTask({ id: r.task, vmid: r.id ?? Number(f.id) });
    } catch (e) {
      const issuesNow = e instanceof ApiError ? e.issues : [];
      const fieldIssues = issuesNow.filter((i) => stepOf(steps, i.path) >= 0);
      setServer(byPath(fieldIssues));
      if (fieldIssues[0]) setActive(stepOf(steps, fieldIssues[0].path));
      const rest = issuesNow.filter((i) => stepOf(steps, i.path) < 0);
      if (rest.length || !issuesNow.length) setFormError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (task)
    return (
      <CreatedGuest
        node={node}
        kind="vm"
        id={task.vmid}
        task={task.id}
        name={f.name}
        start={f.start}
      />
    );
  return (
    <WizardFrame
      title={`Create a VM on ${node}`}
      steps={steps}
      active={active}
      setActive={go}
      issues={issues}
      onCreate={create}
      busy={busy}
      formError={formError}
    />
  );
}
