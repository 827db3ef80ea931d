import { Box, Text } from 'ink';
import { BACK, Frame, QUIT } from '../../components/frame.tsx';
import { clip, diskLine, formatBytes } from '../../format.ts';
import { isInstallTarget } from '../../../hardware/describe.ts';
import type { ReactNode } from 'react';
import { theme } from '../../theme.ts';
import { installTargets } from '../../wizard/targets.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useHardware } from './use-hardware.ts';
import { hardwareWarnings, virtualizationText } from './hardware-state.ts';

const MAX_DISKS = 5;
const MAX_NICS = 3;

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Box width={16} flexShrink={0}>
        <Text bold>{label}</Text>
      </Box>
      <Text>{typeof children === 'string' ? clip(children, theme.inner - 16) : children}</Text>
    </Box>
  );
}

export function HardwareScreen({ state, dispatch, active, services }: ScreenProps) {
  useHardware(dispatch, active);
  const hw = state.hw;
  const targets = new Set(installTargets(hw).map((d) => d.name));
  // Install targets first: a live system has loops, the boot medium and optical drives that would
  // otherwise push the real disks below the fold (seen on the live ISO in QEMU).
  const disksTargetsFirst = [...hw.disks].sort(
    (a, b) => Number(targets.has(b.name)) - Number(targets.has(a.name)),
  );
  const warnings = hardwareWarnings(hw);
  const virtOk = hw.cpu.virtualization !== null && hw.kvm.devicePresent;
  return (
    <Frame
      title="Hardware"
      step={stepOf('hardware')}
      dryRun={services.dryRun}
      hints={[{ key: 'Enter', label: 'Continue' }, BACK, QUIT]}
    >
      <Row label="CPU">{`${hw.cpu.cores} cores / ${hw.cpu.threads} threads, ${hw.cpu.model}`}</Row>
      <Row label="Virtualization">
        <Text color={virtOk ? theme.ok : theme.warn} bold={!virtOk}>
          {virtualizationText(hw)}
        </Text>
      </Row>
      <Row label="Memory">{`${formatBytes(hw.memoryBytes)}, firmware ${hw.firmware.toUpperCase()}`}</Row>
      <Text bold>{`Disks (${hw.disks.length})`}</Text>
      {disksTargetsFirst.slice(0, MAX_DISKS).map((d) => (
        <Text key={d.name} color={targets.has(d.name) ? undefined : theme.muted}>
          {clip(
            `  ${targets.has(d.name) ? diskLine(d) : `${d.name.padEnd(8)} not a target: ${isInstallTarget(d)}`}`,
            theme.inner,
          )}
        </Text>
      ))}
      {hw.disks.length > MAX_DISKS ? (
        <Text
          color={theme.muted}
        >{`  ... and ${hw.disks.length - MAX_DISKS} more (all listed on the disk screen)`}</Text>
      ) : null}
      <Text bold>{`Network (${hw.nics.length})`}</Text>
      {hw.nics.slice(0, MAX_NICS).map((n) => (
        <Text key={n.name}>
          {`  ${n.name.padEnd(12)} ${n.mac}  `}
          <Text color={n.link ? theme.ok : theme.warn}>
            {n.link ? `link up${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ''}` : 'no link'}
          </Text>
          {`  ${n.driver}`}
        </Text>
      ))}
      {hw.nics.length > MAX_NICS ? (
        <Text color={theme.muted}>{`  ... and ${hw.nics.length - MAX_NICS} more`}</Text>
      ) : null}
      {warnings.map((w) => (
        <Text key={w} color={theme.warn}>
          {`! ${w}`}
        </Text>
      ))}
    </Frame>
  );
}
