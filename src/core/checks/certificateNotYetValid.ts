/** `certificate-not-yet-valid`: a secret's certificate was not yet valid when the dump was taken (clocks apart, or a certificate issued for later). */
import { atDumpTime, certificateLabel, duration, judgedCertificates, rfc3339 } from '../features/certificates';
import type { Check, Diagnostic } from './types';

export const certificateNotYetValid: Check = ({ analysis }) => {
  const out: Diagnostic[] = [];
  for (const j of judgedCertificates(analysis)) {
    if (j.status !== 'not-yet-valid') continue;
    out.push({
      code: 'certificate-not-yet-valid',
      severity: 'error',
      message: `${certificateLabel(j)} is not valid before ${rfc3339(j.cert.notBefore!)}, ${duration(j.cert.notBefore! - j.when.at)} after ${atDumpTime(j.when)}: TLS handshakes that rely on it fail until then (are the CA's and the proxy's clocks apart?).`,
      span: j.cert.span,
    });
  }
  return out;
};
