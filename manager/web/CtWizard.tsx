// Create a container: template, resources, network, root password or SSH key; defaults filled,
// checked as you type with the API's own rules (contracts/manager/guest.ts).
import {
  Alert,
  Checkbox,
  Group,
  NativeSelect,
  NumberInput,
  PasswordInput,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import { parseCtConfig } from '../../contracts/manager/guest.ts';
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
  return <CtForm node={node} options={options} firstId={nextId(used)} />;
}

function CtForm({
  node,
  options,
  firstId,
}: {
  node: string;
  options: NonNullable<ReturnType<typeof useNodeOptions>['options']>;
  firstId: number;
}) {
  const c = useCluster();
  const [f, setF] = useState<Form>({
    id: String(firstId),
    hostname: `ct${firstId}`,
    template: options.templates.find((t) => t !== 'busybox') ?? options.templates[0] ?? '',
    password: '',
    sshKeys: '',
    unprivileged: true,
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
  });
  const [active, setActive] = useState(0);
  const [visited, setVisited] = useState(0);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [server, setServer] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [task, setTask] = useState<{ id: string; ctid: number } | null>(null);

  const body = ctBody(f);
  const facts = useMemo(() => factsOf(node, options), [node, options]);
  const parsed = parseCtConfig(body, facts);
  const pw = passwordIssue(f.password);
  const issues: Record<string, string> = {
    ...(parsed.ok ? {} : byPath(parsed.issues)),
    ...(pw ? { password: pw } : {}),
    ...server,
  };
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
  const err = (path: string, step: number) =>
    touched.has(path) || visited > step || server[path] ? issues[path] : undefined;
  const go = (n: number) => {
    setVisited((v) => (n >= active ? Math.max(v, active + 1) : v));
    setActive(n);
  };

  const steps: StepDef[] = [
    {
      label: 'General',
      fields: ['id', 'hostname', 'template', 'password', 'sshKeys'],
      body: (
        <>
          <TextInput
            label="CT ID"
            description="100 or more, unique on the cluster"
            value={f.id}
            onChange={(e) => set('id', 'id')(e.currentTarget.value)}
            error={err('id', 0)}
            inputMode="numeric"
          />
          <TextInput
            label="Host name"
            required
            value={f.hostname}
            onChange={(e) => set('hostname', 'hostname')(e.currentTarget.value)}
            error={err('hostname', 0)}
          />
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
            value={f.password}
            onChange={(e) => set('password', 'password')(e.currentTarget.value)}
            error={err('password', 0)}
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
          <NumberInput
            label="CPU cores"
            value={f.cores}
            onChange={(v) => set('cores', 'cores')(String(v))}
            error={err('cores', 1)}
            min={1}
            allowDecimal={false}
          />
          <NumberInput
            label="Memory (MiB)"
            value={f.memory}
            onChange={(v) => set('memory', 'memory')(String(v))}
            error={err('memory', 1)}
            min={16}
            step={128}
            allowDecimal={false}
          />
          <NumberInput
            label="Swap (MiB)"
            value={f.swap}
            onChange={(v) => set('swap', 'swap')(String(v))}
            error={err('swap', 1)}
            min={0}
            step={128}
            allowDecimal={false}
          />
          <Group grow align="flex-start">
            <NativeSelect
              label="Root disk storage"
              value={f.rootStorage}
              onChange={(e) => set('rootStorage', 'rootfs.storage')(e.currentTarget.value)}
              data={options.storages.map((s) => ({ value: s.id, label: `${s.id} (${s.type})` }))}
              error={err('rootfs.storage', 1)}
            />
            <NumberInput
              label="Root disk size (GiB)"
              value={f.rootSize}
              onChange={(v) => set('rootSize', 'rootfs.size')(String(v))}
              error={err('rootfs.size', 1)}
              min={1}
              allowDecimal={false}
            />
          </Group>
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
              options.bridges.length
                ? undefined
                : 'This node has no bridge: the container gets no network'
            }
            value={f.bridge}
            onChange={(e) => set('bridge', 'nics[0].bridge')(e.currentTarget.value)}
            data={[
              { value: '', label: 'no network' },
              ...options.bridges.map((b) => ({ value: b, label: b })),
            ]}
            error={err('nics[0].bridge', 2)}
          />
          {f.bridge && (
            <>
              <TextInput
                label="IPv4 address"
                description="dhcp, or an address with prefix like 192.0.2.10/24"
                value={f.ip}
                onChange={(e) => set('ip', 'nics[0].ip')(e.currentTarget.value)}
                error={err('nics[0].ip', 2)}
              />
              <TextInput
                label="Gateway"
                value={f.gateway}
                onChange={(e) => set('gateway', 'nics[0].gateway')(e.currentTarget.value)}
                error={err('nics[0].gateway', 2)}
              />
            </>
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
      const r = await request('POST', `/nodes/${encodeURIComponent(node)}/cts`, TaskStartedSchema, {
        body: f.password ? { ...body, password: f.password } : body,
      });
      c.track(r.task);
      setTask({ id: r.task, ctid: r.id ?? Number(f.id) });
    } catch (e) {
      const all = e instanceof ApiError ? e.issues : [];
      const fieldIssues = all.filter((i) => stepOf(steps, i.path) >= 0);
      setServer(byPath(fieldIssues));
      if (fieldIssues[0]) setActive(stepOf(steps, fieldIssues[0].path));
      if (all.some((i) => stepOf(steps, i.path) < 0) || !all.length)
        setFormError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (task)
    return (
      <CreatedGuest
        node={node}
        kind="ct"
        id={task.ctid}
        task={task.id}
        name={f.hostname}
        start={f.start}
      />
    );
  return (
    <WizardFrame
      title={`Create a container on ${node}`}
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
