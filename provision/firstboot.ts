// The first-boot runner (/usr/lib/openve/firstboot.js), started by the units in provision/units/:
//   firstboot.js --ordering before-network|network-online|fully-up   the answer's hook, once;
//       the post-installation webhook at network-online (or after a fully-up hook)
//   firstboot.js --cluster-init                                      [cluster] create / join
// Everything is logged to the journal (stdout) and /var/log/openve-install/. Markers under
// /var/lib/openve/first-boot/ make every part run once, whatever the outcome of the hook.
import { isEntry } from './entry.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseJson } from '../contracts/json.ts';
import { firstBootDoneSchema } from '../contracts/node/schema.ts';
import { formatIssue, UserError } from '../lib/errors.ts';
import { createRunner } from '../lib/exec/index.ts';
import type { CommandRunner } from '../lib/exec/index.ts';
import { parseCommandArgs } from '../lib/args.ts';
import type { ClusterControl } from './cluster/control.ts';
import { controlFromEnv } from './cluster/control.ts';
import { writeFileAtomic } from './cluster/state.ts';
import { clusterInit } from './firstboot/clusterInit.ts';
import { runHook } from './firstboot/hook.ts';
import { fileAndStdoutLogger, type Logger } from './firstboot/log.ts';
import { buildWebhookBody, postWebhook, type WebhookBody } from './firstboot/webhook.ts';
import { ORDERING_LIST, readNodeConfig, type Ordering } from './nodeConfig.ts';
import { nodePaths, resolveRoot, type NodePaths } from './paths.ts';
import { FIRST_BOOT_UNITS, type NodeConfig } from '../contracts/node/types.ts';

export interface FirstBootDeps {
  runner: CommandRunner;
  control?: ClusterControl;
  stdout?: (s: string) => void;
  /** webhook / download retry counts (tests use 1) */
  attempts?: number;
  joinRetryMs?: number;
  /** queues another first-boot unit for this boot; default `systemctl start --no-block` on a real root */
  queueUnit?: (unit: string) => Promise<void>;
}

const rank = (o: Ordering) => ORDERING_LIST.indexOf(o);

/** The webhook needs the network, and should report the hook's result when there is one. */
export function webhookOrdering(node: NodeConfig): Ordering {
  const fb = node.firstBoot;
  if (!fb || fb.source === 'none' || rank(fb.ordering) < rank('network-online'))
    return 'network-online';
  return fb.ordering;
}

const marker = (paths: NodePaths, name: string) => path.join(paths.firstBootDir, name);

export async function runOrdering(
  paths: NodePaths,
  ordering: Ordering,
  deps: FirstBootDeps,
): Promise<number> {
  const log = fileAndStdoutLogger(path.join(paths.installLogDir, 'first-boot.log'), deps.stdout);
  const ran = marker(paths, `ran-${ordering}`);
  if (existsSync(ran)) {
    log(`first-boot (${ordering}): already ran; nothing to do`);
    return 0;
  }
  const node = readNodeConfig(paths.nodeJson);
  let status = 0;
  if (!node) {
    log(`first-boot (${ordering}): no ${paths.nodeJson}; nothing to do`);
  } else {
    const fb = node.firstBoot;
    if (
      fb &&
      fb.source !== 'none' &&
      fb.ordering === ordering &&
      !existsSync(paths.firstBootDone)
    ) {
      const outcome = await runHook(deps.runner, fb, paths.firstBootHook, log, {
        cwd: paths.root,
        ...(deps.attempts ? { attempts: deps.attempts } : {}),
      });
      // written before anything else can fail: the hook must never run twice
      writeFileAtomic(
        paths.firstBootDone,
        JSON.stringify({ ordering, ...outcome, at: new Date().toISOString() }) + '\n',
      );
      if (outcome.exitCode !== 0) status = 1;
    }
    const hookOrdering = node.webhook ? webhookOrdering(node) : undefined;
    if (
      hookOrdering &&
      rank(ordering) < rank(hookOrdering) &&
      !existsSync(marker(paths, 'webhook-sent'))
    ) {
      // the installer enables only the hook's unit: make sure the webhook's own unit runs this boot
      const unit = FIRST_BOOT_UNITS[hookOrdering];
      const queue =
        deps.queueUnit ??
        (paths.root === '/'
          ? (u: string) =>
              deps.runner
                .run(['systemctl', 'start', '--no-block', u], { reject: false })
                .then(() => undefined)
          : undefined);
      if (queue) {
        await queue(unit);
        log(`first-boot (${ordering}): queued ${unit} for the post-installation webhook`);
      }
    }
    if (node.webhook && hookOrdering === ordering && !existsSync(marker(paths, 'webhook-sent'))) {
      const ok = await postWebhook(
        node.webhook,
        buildWebhookBody(paths.root, node, hookResult(paths, node)),
        log,
        deps.attempts ?? 5,
      );
      writeFileAtomic(
        marker(paths, 'webhook-sent'),
        JSON.stringify({ ok, at: new Date().toISOString() }) + '\n',
      );
      if (!ok) status = 1;
    }
  }
  writeFileAtomic(ran, `${new Date().toISOString()}\n`);
  return status;
}

function hookResult(paths: NodePaths, node: NodeConfig): WebhookBody['first_boot'] {
  const fb = node.firstBoot;
  if (!fb || fb.source === 'none') return null;
  if (!existsSync(paths.firstBootDone))
    return { source: fb.source, ordering: fb.ordering, exit_code: null };
  const done = parseJson(
    firstBootDoneSchema,
    readFileSync(paths.firstBootDone, 'utf8'),
    paths.firstBootDone,
  );
  return {
    source: fb.source,
    ordering: fb.ordering,
    exit_code: done.exitCode,
    ...(done.error ? { error: done.error } : {}),
  };
}

export async function runClusterInit(paths: NodePaths, deps: FirstBootDeps): Promise<number> {
  const log: Logger = fileAndStdoutLogger(
    path.join(paths.installLogDir, 'cluster-init.log'),
    deps.stdout,
  );
  const done = marker(paths, 'ran-cluster-init');
  const node = readNodeConfig(paths.nodeJson);
  if (existsSync(done) || !node?.cluster) {
    log(
      existsSync(done)
        ? 'cluster: already initialised'
        : 'cluster: no [cluster] in node.json; nothing to do',
    );
    return 0;
  }
  const control = deps.control ?? controlFromEnv(deps.runner, paths, log);
  try {
    const ok = await clusterInit(
      { paths, runner: deps.runner, control, out: log },
      node,
      log,
      deps.joinRetryMs,
    );
    // only on success: a failed join is tried again at the next boot
    writeFileAtomic(done, `${new Date().toISOString()}\n`);
    return ok ? 0 : 1;
  } catch (err) {
    const text =
      err instanceof UserError ? err.issues.map(formatIssue).join('; ') : (err as Error).message;
    log(`cluster: FAILED: ${text}`);
    return 1;
  }
}

export const FIRSTBOOT_USAGE = `usage: firstboot.js --ordering before-network|network-online|fully-up [--root DIR]
       firstboot.js --cluster-init [--root DIR]
Run by the openve-first-boot-*.service and openve-cluster-init.service units on an installed node:
--ordering runs the answer file's first-boot hook at that point of the boot (once) and sends the
post-installation webhook; --cluster-init creates or joins the answer's [cluster] (node.json).
Logs: the journal and /var/log/openve-install/. --root DIR: a node's tree mounted elsewhere.`;

export async function main(argv: string[]): Promise<number> {
  // --help anywhere, before the options are read (a value-taking option must not swallow it)
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(FIRSTBOOT_USAGE + '\n');
    return 0;
  }
  try {
    const { values } = parseCommandArgs('', argv, {
      ordering: { type: 'string' },
      'cluster-init': { type: 'boolean' },
      root: { type: 'string' },
    });
    const paths = nodePaths(resolveRoot(values.root));
    const deps = { runner: createRunner('real') };
    if (values['cluster-init']) return await runClusterInit(paths, deps);
    const ordering = values.ordering as Ordering | undefined;
    if (!ordering || !ORDERING_LIST.includes(ordering)) {
      throw new UserError({
        path: '--ordering',
        message: `expected one of ${ORDERING_LIST.join(', ')} (or --cluster-init)`,
      });
    }
    return await runOrdering(paths, ordering, deps);
  } catch (err) {
    if (err instanceof UserError) {
      for (const issue of err.issues) process.stderr.write(`firstboot: ${formatIssue(issue)}\n`);
      return 1;
    }
    process.stderr.write(`firstboot: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
}

if (isEntry(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
