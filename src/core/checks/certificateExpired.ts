/** `certificate-expired`: a secret's certificate had expired when the dump was taken (judged at the dump's time). */
import { atDumpTime, certificateLabel, duration, judgedCertificates, rfc3339 } from '../features/certificates';
import type { Check, Diagnostic } from './types';

export const certificateExpired: Check = ({ analysis }) => {
  const out: Diagnostic[] = [];
  for (const j of judgedCertificates(analysis)) {
    if (j.status !== 'expired') continue;
    out.push({
      code: 'certificate-expired',
      severity: 'error',
      message: `${certificateLabel(j)} expired on ${rfc3339(j.cert.notAfter!)}, ${duration(j.when.at - j.cert.notAfter!)} before ${atDumpTime(j.when)}: TLS handshakes that rely on it fail.`,
      span: j.cert.span,
    });
  }
  return out;
};
