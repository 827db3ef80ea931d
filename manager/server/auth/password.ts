// Unix password check against the system's shadow file with the system's crypt(3) (libxcrypt:
// yescrypt, SHA-512, ...), through perl, which every Debian has (perl-base is essential). The
// user name and password go over stdin, never argv; nothing is stored.
import type { CommandRunner } from '../../../lib/exec/index.ts';

// Reads "user\npassword\n" on stdin; prints "ok" when crypt(password, hash) equals the hash.
const SCRIPT = `
use strict;
my $file = $ARGV[0];
my $user = <STDIN>; my $pass = <STDIN>;
exit 2 unless defined $user && defined $pass;
chomp $user; chomp $pass;
open(my $fh, '<', $file) or exit 3;
while (my $line = <$fh>) {
  chomp $line;
  my ($name, $hash) = split /:/, $line, 3;
  next unless defined $name && $name eq $user;
  exit 1 unless defined $hash && $hash =~ /^\\$/;
  my $c = crypt($pass, $hash);
  print((defined $c && $c eq $hash) ? "ok" : "no");
  exit 0;
}
print "no";
`;

/** What a local user name may look like (Debian's adduser default, at most 32 characters). */
export const USER_NAME = /^[a-z_][a-z0-9_.-]{0,31}$/;

export type PasswordCheck = (user: string, password: string) => Promise<boolean>;

/** A checker over `shadowFile` (the real /etc/shadow on a node; a fixture in tests). */
export function unixPasswordCheck(
  runner: CommandRunner,
  shadowFile = '/etc/shadow',
): PasswordCheck {
  return async (user, password) => {
    if (!USER_NAME.test(user) || password.includes('\n') || password.length > 4096) return false;
    const r = await runner.run(['perl', '-e', SCRIPT, shadowFile], {
      input: `${user}\n${password}\n`,
      reject: false,
      timeoutMs: 10_000,
      quietOutput: true,
    });
    return r.exitCode === 0 && r.stdout.trim() === 'ok';
  };
}
