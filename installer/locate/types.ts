import type { CommandRunner } from '../../lib/exec/index.ts';
import type { FetchPinnedOptions, PinnedResponse } from '../../lib/net/pinned.ts';
import type { BootParams } from './cmdline.ts';
import type { LocatePaths } from './paths.ts';

export type SourceKind =
  'kernel-cmdline' | 'iso' | 'partition' | 'http-iso-url' | 'http-dhcp' | 'http-dns';

/**
 * One place searched. not-found: nothing configured there; failed: something was there but
 * could not be used (unreachable URL, unreadable file, two sticks); skipped: not searched.
 */
export interface Attempt {
  source: SourceKind;
  where: string;
  status: 'found' | 'not-found' | 'failed' | 'skipped';
  reason: string;
}

export interface FirstBootHook {
  where: string;
  content: Buffer;
}

export interface FoundAnswer {
  source: SourceKind;
  where: string;
  text: string;
  /** https only: the certificate fingerprint the answer was fetched with (pinned or verified) */
  fingerprint?: string;
  /** an executable first-boot hook shipped next to the answer (ISO or partition) */
  firstBoot?: FirstBootHook;
  /** the answer came with the install medium itself (docs/design.md §3: then `auto` may wipe without --yes) */
  withInstallMedia: boolean;
}

export interface LocateResult {
  answer?: FoundAnswer;
  attempts: Attempt[];
  boot: BootParams;
}

/** All I/O locate needs; realLocateEnv() gives the real one, tests pass fakes. */
export interface LocateEnv {
  paths: LocatePaths;
  /** file contents, or null when the file does not exist (other errors throw) */
  readFile(path: string): Promise<Buffer | null>;
  /** directory entries, or null when the directory does not exist */
  listDir(path: string): Promise<string[] | null>;
  runner: CommandRunner;
  fetch(url: string, options: FetchPinnedOptions): Promise<PinnedResponse>;
  resolveTxt(name: string): Promise<string[][]>;
  makeTempDir(): Promise<string>;
  removeDir(path: string): Promise<void>;
  /** the JSON body POSTed to answer URLs (Proxmox sends the same kind of system summary) */
  systemInfo(): Promise<unknown>;
  /** per HTTP request; default 30 s */
  httpTimeoutMs?: number;
  /**
   * How long after locate starts the network may still be coming up: network errors on answer
   * URLs are retried, and a missing DHCP lease is waited for, until then. Default 0.
   */
  networkWaitMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}
