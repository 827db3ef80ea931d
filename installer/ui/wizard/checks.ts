// Field checks for inline validation: the answer file's own validators (answers/validators.ts),
// so a field shows exactly the message `openve-install validate` would print for the same value.
// Only what the answer file does not have (the GiB text fields, the strength hint) lives here.
export {
  validateCertFingerprint as checkFingerprint,
  validateCidr as checkCidr,
  validateClusterName as checkClusterName,
  validateCountry as checkCountry,
  validateEmail as checkEmail,
  validateFqdn as checkFqdn,
  validateGateway as checkGateway,
  validateHostIp as checkIp,
  validateKeyboard as checkKeyboard,
  validatePassword as checkPassword,
  validateSshPublicKey as checkSshKey,
  validateTimezone as checkTimezone,
  validateToken as checkToken,
} from '../../../contracts/answers/validators.ts';

/** GiB field of the advanced disk panel: '' means automatic. */
export function checkGiB(value: string, min = 0): string | null {
  if (value === '') return null;
  if (!/^\d+(\.\d+)?$/.test(value))
    return `'${value}' is not a size in GiB (a number, or empty for automatic)`;
  if (Number(value) < min) return `must be at least ${min} GiB`;
  return null;
}

/** A hint, not a rule: length and character classes. */
export function passwordStrength(value: string): {
  label: 'too short' | 'weak' | 'fair' | 'strong';
  score: number;
} {
  if ([...value].length < 8) return { label: 'too short', score: 0 };
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
  const score = Math.min(4, Math.floor(value.length / 6) + classes - 1);
  return { label: score >= 4 ? 'strong' : score >= 2 ? 'fair' : 'weak', score };
}
