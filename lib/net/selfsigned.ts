// The one openssl command that makes a self-signed EC (P-256) certificate and its key: the join
// service's certificate, the node manager's HTTPS certificate, and the throwaway servers of the tests.

export interface SelfSignedSpec {
  keyFile: string;
  certFile: string;
  /** e.g. `/CN=node1/O=openve cluster` */
  subject: string;
  /** e.g. `IP:10.0.0.1,DNS:node1` (OpenSSL takes IPv4 and IPv6 alike after IP:); none when absent */
  subjectAltName?: string;
  days: number;
}

/** argv for `openssl req -x509` writing an unencrypted key and a self-signed certificate */
export function selfSignedArgv(spec: SelfSignedSpec): string[] {
  return [
    'openssl',
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    spec.keyFile,
    '-out',
    spec.certFile,
    '-days',
    String(spec.days),
    '-subj',
    spec.subject,
    ...(spec.subjectAltName ? ['-addext', `subjectAltName=${spec.subjectAltName}`] : []),
  ];
}
