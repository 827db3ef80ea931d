// Real Proxmox answer files that must keep working (issue 10 §2): authorized_keys options before a
// key, and tzdata's fixed-offset Etc/GMT±N zones.
import { describe, expect, it } from 'vitest';
import { validateSshPublicKey, validateTimezone } from '../../../contracts/answers/validators.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

describe('SSH keys with authorized_keys options', () => {
  it.each([
    `from="10.0.0.0/8,192.168.1.*" ${KEY} admin@host`,
    `no-pty,command="/usr/bin/rsync --server -vlogDtpre.iLsfxC . /backup" ${KEY}`,
    `restrict,port-forwarding,permitopen="localhost:8006" ${KEY} tunnel`,
    `environment="A=b c",NO-PTY ${KEY}`,
    `expiry-time="20300101",cert-authority,principals="root,admin" ${KEY}`,
  ])('accepts %s', (line) => expect(validateSshPublicKey(line)).toBeNull());

  it.each([
    [
      `no-ptty ${KEY}`,
      "unknown authorized_keys option (did you mean 'no-pty'?); see 'man sshd', AUTHORIZED_KEYS FILE FORMAT",
    ],
    [
      `command=/bin/true ${KEY}`,
      "the value of the authorized_keys option 'command' must be in double quotes",
    ],
    [`from ${KEY}`, 'the authorized_keys option \'from\' needs a value, e.g. from="..."'],
    [`command="unterminated ${KEY}`, 'an authorized_keys option has an unterminated quoted value'],
    [`no-pty ssh-ed25519 AAAA`, 'not a valid ssh-ed25519 public key: the key data is truncated'],
  ])('refuses %s', (line, message) => expect(validateSshPublicKey(line)).toBe(message));
});

describe('time zones', () => {
  it.each(['Etc/GMT-2', 'Etc/GMT+12', 'Etc/GMT-14', 'Etc/UTC', 'Etc/GMT', 'UTC', 'Europe/Vienna'])(
    'accepts %s',
    (z) => expect(validateTimezone(z)).toBeNull(),
  );
  it.each(['Etc/GMT-15', 'Etc/GMT+13', 'GMT-2', 'Etc/GMT+02'])('refuses %s', (z) =>
    expect(validateTimezone(z)).toMatch(/^unknown time zone/),
  );
});
