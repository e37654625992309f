/**
 * `certificate-expiring`: at the dump's time a secret's certificate had less than a quarter of its lifetime left.
 * Istio rotates workload certificates at half their lifetime, so a quarter left means rotation is late or failing; a
 * CA (a root in a chain, ROOTCA, a trust bundle) is rotated by people, and the message says so.
 */
import { atDumpTime, certificateLabel, duration, judgedCertificates, rfc3339 } from '../features/certificates';
import type { Check, Diagnostic } from './types';

export const certificateExpiring: Check = ({ analysis }) => {
  const out: Diagnostic[] = [];
  for (const j of judgedCertificates(analysis)) {
    if (j.status !== 'expiring') continue;
    const { notBefore, notAfter } = j.cert as { notBefore: number; notAfter: number };
    out.push({
      code: 'certificate-expiring',
      severity: 'warning',
      message: `${certificateLabel(j)} expires on ${rfc3339(notAfter)}, ${duration(notAfter - j.when.at)} after ${atDumpTime(j.when)}: less than a quarter of its lifetime (${duration(notAfter - notBefore)}) was left, ${j.cert.isCA ? 'and nothing renews a CA by itself: plan its rotation.' : 'and Istio renews at half.'}`,
      span: j.cert.span,
    });
  }
  return out;
};
