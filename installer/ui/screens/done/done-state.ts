// Finish screen contents (pure): the node's address and next steps, or what failed and where the log is.
import { wrapText } from '../../format.ts';
import type { WizardState } from '../../wizard/state.ts';

export interface DoneInfo {
  ok: boolean;
  headline: string;
  lines: string[];
  failedStep?: string;
  output?: string[];
}

export function doneInfo(s: WizardState, dryRun: boolean, logPath: string): DoneInfo {
  const p = s.progress;
  const seconds = p.finished?.seconds ?? 0;
  if (p.finished?.ok && !p.error) {
    const net = s.plan?.summary.network;
    const ip = net?.source === 'from-answer' ? net.cidr.split('/')[0]! : null;
    const fqdn = s.plan?.summary.fqdn ?? s.values.network.fqdn;
    const lines = [
      `Node      ${fqdn}`,
      `Address   ${ip ?? `DHCP on ${s.plan?.summary.nic.name ?? '?'} (see the console after boot)`}`,
      '',
      'Next steps:',
      dryRun
        ? '  - this was a dry run: nothing was written; the plan is printed on exit'
        : '  - remove the installation medium; Enter reboots into the new system',
      `  - log in: ssh root@${ip ?? fqdn}`,
      s.values.cluster.mode === 'create'
        ? `  - cluster '${s.values.cluster.name}' forms at first boot; pveca -l lists members`
        : s.values.cluster.mode === 'join'
          ? `  - joins the cluster of ${s.values.cluster.master} at first boot; pveca -i shows the state`
          : '  - make a cluster later: pveca -c on one node, pveca -a -h MASTER on the others',
      `  - install log: /var/log/openve-install on the node`,
    ];
    return {
      ok: true,
      headline: `Installation ${dryRun ? 'simulated' : 'complete'} in ${Math.round(seconds)} s.`,
      lines,
    };
  }
  const step = p.error?.step || p.step;
  const title = s.plan?.steps.find((x) => x.id === step)?.title;
  return {
    ok: false,
    headline: 'The installation failed.',
    failedStep: step ? `${step}${title ? ` (${title})` : ''}` : 'unknown step',
    output: wrapText(p.error?.text ?? 'no error output', 72).slice(-8),
    lines: [
      `Full log: ${logPath}`,
      'Nothing after the failing step ran. Fix the cause and start the installer again.',
    ],
  };
}
