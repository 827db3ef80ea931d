// Create a container: template, resources, network, root password or SSH key; defaults filled,
// checked as you type with the API's own rules (contracts/manager/guest.ts).
import {
  Checkbox,
  NativeSelect,
  NumberInput,
  PasswordInput,
  TextInput,
  Textarea,
} from '@mantine/core';
import { parseCtConfig } from '../../contracts/manager/guest.ts';
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
  hostname: string;
  template: string;
  password: string;
  sshKeys: string;
  unprivileged: boolean;
  cores: string;
  memory: string;
  swap: string;
  rootStorage: string;
  rootSize: string;
  bridge: string;
  ip: string;
  gateway: string;
  start: boolean;
}

export function ctBody(f: Form): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: num(f.id),
    hostname: f.hostname,
    template: f.template,
    unprivileged: f.unprivileged,
    memory: num(f.memory),
    swap: num(f.swap),
    rootfs: { storage: f.rootStorage, size: num(f.rootSize) },
    nics: f.bridge
      ? [
          {
            name: 'eth0',
            bridge: f.bridge,
            ip: f.ip.trim() || 'dhcp',
            ...(f.gateway.trim() ? { gateway: f.gateway.trim() } : {}),
          },
        ]
      : [],
    sshKeys: f.sshKeys
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  };
  if (f.cores.trim()) body.cores = num(f.cores);
  return body;
}

/** the root password rule (the API hashes it; it is never stored or shown) */
export function passwordIssue(p: string): string | undefined {
  if (p === '') return undefined;
  if (p.length < 5) return 'must be at least 5 characters';
  if (p.length > 256) return 'must be at most 256 characters';
  return undefined;
}

export function CtWizard({ node }: { node: string }) {
  return <WizardLoader node={node} form={(o) => <CtForm {...o} />} />;
}

function CtForm({ node, options, facts, firstId }: FormProps) {
  const w = useWizard<Form>(
    () => ({
      id: String(firstId),
      hostname: `ct${firstId}`,
      template: options.templates.find((t) => t !== 'busybox') ?? options.templates[0] ?? '',
      password: '',
      sshKeys: '',
      // unprivileged where the node can (root's subordinate ids): the safe default
      unprivileged: options.unprivileged !== false,
      cores: '1',
      memory: '512',
      swap: '0',
      rootStorage:
        options.storages.find((s) => s.type === 'dir')?.id ?? options.storages[0]?.id ?? '',
      rootSize: '8',
      bridge: options.bridges[0] ?? '',
      ip: 'dhcp',
      gateway: '',
      start: true,
    }),
    (f) => {
      const parsed = parseCtConfig(ctBody(f), facts);
      const pw = passwordIssue(f.password);
      return { ...(parsed.ok ? {} : byPath(parsed.issues)), ...(pw ? { password: pw } : {}) };
    },
  );
  const { f, set, err, issues, numberField, textField } = w;

  const steps: StepDef[] = [
    {
      label: 'General',
      fields: ['id', 'hostname', 'template', 'password', 'sshKeys'],
      body: (
        <>
          <TextInput
            label="CT ID"
            description="100 or more, unique on the cluster"
            {...textField('id', 'id', 0)}
            inputMode="numeric"
          />
          <TextInput label="Host name" required {...textField('hostname', 'hostname', 0)} />
          <NativeSelect
            label="Template"
            value={f.template}
            onChange={(e) => set('template', 'template')(e.currentTarget.value)}
            data={
              options.templates.length
                ? options.templates
                : [{ value: '', label: 'no template on this node' }]
            }
            error={err('template', 0)}
          />
          <PasswordInput
            label="Root password"
            autoComplete="new-password"
            {...textField('password', 'password', 0)}
          />
          <Textarea
            label="SSH public keys"
            description="One per line (authorized_keys)"
            autosize
            minRows={2}
            value={f.sshKeys}
            onChange={(e) => set('sshKeys', 'sshKeys')(e.currentTarget.value)}
            error={Object.keys(issues)
              .filter((p) => p.startsWith('sshKeys'))
              .map((p) => err(p, 0))
              .find(Boolean)}
          />
          <Checkbox
            label="Unprivileged container (root in the container is not root on the node)"
            description={
              options.unprivileged === false
                ? 'Not on this node: root has no subordinate ids (/etc/subuid, /etc/subgid root:100000:65536)'
                : undefined
            }
            disabled={options.unprivileged === false && !f.unprivileged}
            checked={f.unprivileged}
            onChange={(e) => set('unprivileged', 'unprivileged')(e.currentTarget.checked)}
          />
        </>
      ),
    },
    {
      label: 'Resources',
      fields: ['cores', 'memory', 'swap', 'rootfs'],
      body: (
        <>
          <NumberInput label="CPU cores" {...numberField('cores', 'cores', 1)} min={1} />
          <NumberInput
            label="Memory (MiB)"
            {...numberField('memory', 'memory', 1)}
            min={16}
            step={128}
          />
          <NumberInput label="Swap (MiB)" {...numberField('swap', 'swap', 1)} min={0} step={128} />
          <DiskFields
            what="Root disk"
            options={options}
            w={w}
            storage="rootStorage"
            size="rootSize"
            path="rootfs"
            step={1}
          />
        </>
      ),
    },
    {
      label: 'Network',
      fields: ['nics'],
      body: (
        <>
          <BridgeSelect guest="container" options={options} w={w} step={2} />
          {f.bridge && (
            <>
              <TextInput
                label="IPv4 address"
                description="dhcp, or an address with prefix like 192.0.2.10/24"
                {...textField('ip', 'nics[0].ip', 2)}
              />
              <TextInput label="Gateway" {...textField('gateway', 'nics[0].gateway', 2)} />
            </>
          )}
        </>
      ),
    },
    confirmStep(w, node, [
      ['CT ID', f.id],
      ['Host name', f.hostname],
      ['Template', f.template],
      ['Privileges', f.unprivileged ? 'unprivileged' : 'privileged'],
      [
        'Root login',
        [f.password ? 'password set' : '', f.sshKeys.trim() ? 'SSH key(s)' : '']
          .filter(Boolean)
          .join(', ') || 'none',
      ],
      ['CPU', `${f.cores || 'all'} core(s)`],
      ['Memory', `${f.memory} MiB, swap ${f.swap} MiB`],
      ['Root disk', `${f.rootSize} GiB on ${f.rootStorage}`],
      ['Network', f.bridge ? `eth0 on ${f.bridge}, ${f.ip}` : 'none'],
    ]),
  ];

  const body = ctBody(f);
  return (
    <Wizard
      w={w}
      title={`Create a container on ${node}`}
      steps={steps}
      node={node}
      kind="ct"
      name={f.hostname}
      onCreate={() =>
        void w.create(
          steps,
          `/nodes/${encodeURIComponent(node)}/cts`,
          f.password ? { ...body, password: f.password } : body,
          Number(f.id),
        )
      }
    />
  );
}
