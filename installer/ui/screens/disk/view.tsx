import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { useSyncState } from '../../components/use-sync-state.ts';
import { BACK, Frame, QUIT, type Hint } from '../../components/frame.tsx';
import { FormView } from '../../components/form/form.tsx';
import { clip, diskLine, formatBytes, formatMiB } from '../../format.ts';
import { theme } from '../../theme.ts';
import { installTargets } from '../../wizard/targets.ts';
import { previewLayout, validateDisk } from '../../wizard/validate.ts';
import { stepOf } from '../step.ts';
import type { ScreenProps } from '../types.ts';
import { useDisk } from './use-disk.ts';
import { advancedFields, btrfsUsableBytes, FILESYSTEMS, initDiskState } from './disk-state.ts';

const MAX_ROWS = 8;

function LayoutPreview({
  preview,
  usable,
}: {
  preview: ReturnType<typeof previewLayout>;
  usable: number | null;
}) {
  if ('error' in preview)
    return (
      <Text color={theme.warn} wrap="wrap">
        {`Layout: ${preview.error}`}
      </Text>
    );
  const vols =
    usable !== null
      ? `subvolumes ${preview.volumes.map((v) => v.name).join(', ')} share about ${formatBytes(usable)}`
      : preview.volumes
          .map((v) => `${v.name} ${v.sizeMiB ? formatMiB(v.sizeMiB) : '(shared)'}`)
          .join(', ');
  return (
    <Box flexDirection="column">
      <Text>
        <Text bold>Layout: </Text>
        {clip(preview.layout, theme.inner - 8)}
      </Text>
      <Text color={theme.ok}>{clip(`        ${vols}`, theme.inner)}</Text>
    </Box>
  );
}

export function DiskScreen({ state: wizard, dispatch, active, services }: ScreenProps) {
  const hw = wizard.hw;
  const [state, get, set] = useSyncState(() => initDiskState(wizard.values.disk));
  useDisk(get, set, dispatch, hw, active);
  const targets = installTargets(hw);
  const preview = useMemo(
    () => previewLayout({ ...wizard.values, disk: state.values }, hw),
    [wizard.values, state.values, hw],
  );
  const hdsize = state.values.hdsize ? Number(state.values.hdsize) * 1024 ** 3 : Infinity;
  const usable =
    state.values.filesystem === 'btrfs'
      ? btrfsUsableBytes(
          state.values.raid,
          targets
            .filter((d) => state.values.disks.includes(d.name))
            .map((d) => Math.min(d.sizeBytes, hdsize)),
        )
      : null;
  const fsLabel =
    FILESYSTEMS.find((f) => f.value === state.values.filesystem)?.label ?? state.values.filesystem;
  const multi = state.values.filesystem === 'btrfs';
  const start = Math.max(
    0,
    Math.min(state.focus - 1 - Math.floor(MAX_ROWS / 2), targets.length - MAX_ROWS),
  );
  const hints: Hint[] = state.advanced
    ? [
        { key: 'Tab', label: 'Next field' },
        { key: 'Enter', label: 'Apply' },
        { key: 'Esc', label: 'Discard' },
      ]
    : [
        { key: 'Enter', label: 'Next' },
        { key: 'Space', label: 'Select' },
        { key: '</>', label: 'Filesystem' },
        { key: 'a', label: 'Advanced' },
        BACK,
        QUIT,
      ];
  return (
    <Frame title="Target disk" step={stepOf('disk')} dryRun={services.dryRun} hints={hints}>
      <Box>
        <Box width={16}>
          <Text bold color={state.focus === 0 && !state.advanced ? theme.focus : undefined}>
            Filesystem
          </Text>
        </Box>
        <Text
          color={state.focus === 0 && !state.advanced ? theme.focus : undefined}
          bold={state.focus === 0}
        >
          {state.focus === 0 && !state.advanced ? `< ${fsLabel} >` : `  ${fsLabel}`}
        </Text>
      </Box>
      <Text bold>
        {multi
          ? 'Disks (Space adds/removes; all selected are ERASED)'
          : 'Disk (Space selects; it is ERASED)'}
      </Text>
      {targets.length === 0 ? <Text color={theme.error}>No disk to install onto.</Text> : null}
      {!state.advanced ? (
        targets.slice(start, start + MAX_ROWS).map((d, i) => {
          const row = start + i + 1;
          const on = state.values.disks.includes(d.name);
          const focused = row === state.focus;
          const mark = multi ? (on ? '[x]' : '[ ]') : on ? '(*)' : '( )';
          return (
            <Text
              key={d.name}
              color={focused ? theme.focus : on ? undefined : theme.muted}
              bold={focused}
            >
              {clip(`${focused ? '>' : ' '}${mark} ${diskLine(d)}`, theme.inner)}
            </Text>
          );
        })
      ) : (
        <Box
          flexDirection="column"
          borderStyle={theme.border}
          borderColor={theme.focus}
          paddingX={1}
        >
          <Text
            bold
          >{`Advanced options (${state.values.filesystem}) on ${state.values.disks.join(', ') || 'no disk'}`}</Text>
          <FormView
            fields={advancedFields(state.values.filesystem)}
            state={state.advanced}
            errors={validateDisk(state.values, hw)}
          />
        </Box>
      )}
      {!state.advanced && targets.length > MAX_ROWS ? (
        <Text color={theme.muted}>{`  (${targets.length} disks; arrows scroll)`}</Text>
      ) : null}
      <Text> </Text>
      <LayoutPreview preview={preview} usable={usable} />
      {wizard.errors.disks ? <Text color={theme.error}>{`! ${wizard.errors.disks}`}</Text> : null}
      {!state.advanced
        ? Object.entries(wizard.errors)
            .filter(([k]) => k !== 'disks')
            .map(([k, m]) => <Text key={k} color={theme.error}>{`! ${k}: ${m} (press a)`}</Text>)
        : null}
    </Frame>
  );
}
