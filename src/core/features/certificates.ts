/**
 * Certificates of a dump's secrets (issue 11 §3): when the dump was taken, how each certificate stands at that time,
 * hover lines, and the rows of `istioctl proxy-config secret`. A dump is judged at its own time, never at the wall
 * clock: a year-old dump opened today did not have expired certificates when it was taken. Hover shows both.
 */
import { mdCode, mdText } from '../markdown';
import type { Analysis, CertificateInfo, Definition } from '../model/types';
import type { Workspace } from '../workspace';

/** When a dump was taken, as far as the file tells. */
export interface DumpTime {
  /** Epoch milliseconds. */
  at: number;
  /** `fetch`: the UTC time in a fetched dump's file name; `last_updated`: the newest `last_updated` in the file. */
  source: 'fetch' | 'last_updated';
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$/;

/** A protobuf Timestamp's JSON text (RFC 3339, up to nanoseconds) as epoch milliseconds; undefined when it is not one. */
export function parseTimestamp(s: string): number | undefined {
  const m = RFC3339.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  if (+mo < 1 || +mo > 12 || +d < 1 || +d > 31 || +h > 23 || +mi > 59 || +se > 60) return undefined;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se), ms);
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    t -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return Number.isFinite(t) ? t : undefined;
}

/** `<pod>.<namespace>.20261122T103000Z[-2].config_dump.json` (the name Fetch Config Dump gives): its UTC time. */
const FETCHED_NAME = /\.(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z(?:-\d+)?\.config_dump\.(?:json|ya?ml)$/;

const dumpTimes = new WeakMap<Analysis, DumpTime | null>();

/** When the dump was taken: the time in a fetched dump's file name, else its newest `last_updated`, else undefined. */
export function dumpTime(a: Analysis): DumpTime | undefined {
  const cached = dumpTimes.get(a);
  if (cached !== undefined) return cached ?? undefined;
  let out: DumpTime | undefined;
  const m = FETCHED_NAME.exec(a.uri);
  if (m) {
    const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
    if (Number.isFinite(t)) out = { at: t, source: 'fetch' };
  }
  if (!out) {
    let newest = -Infinity;
    for (const d of a.defs) {
      const t = d.lastUpdated === undefined ? undefined : parseTimestamp(d.lastUpdated);
      if (t !== undefined && t > newest) newest = t;
    }
    if (newest > -Infinity) out = { at: newest, source: 'last_updated' };
  }
  dumpTimes.set(a, out ?? null);
  return out;
}

/** Epoch milliseconds as RFC 3339 to the second in UTC, as istioctl prints certificate times: `2023-05-16T01:32:52Z`. */
export function rfc3339(ms: number): string {
  if (!Number.isFinite(ms) || ms < -62135596800000 || ms > 253402300799000) return String(ms);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** How a certificate stands at a time. */
export type CertificateStatus = 'valid' | 'expiring' | 'expired' | 'not-yet-valid';

/**
 * `expired` after notAfter, `not-yet-valid` before notBefore, `expiring` with less than a quarter of its lifetime
 * left (Istio rotates workload certificates at half their lifetime, so a quarter left means rotation is late),
 * else `valid`; undefined for a certificate that could not be read.
 */
export function certificateStatus(c: CertificateInfo, at: number): CertificateStatus | undefined {
  if (c.notBefore === undefined || c.notAfter === undefined) return undefined;
  if (at > c.notAfter) return 'expired';
  if (at < c.notBefore) return 'not-yet-valid';
  if (c.notAfter - at < (c.notAfter - c.notBefore) / 4) return 'expiring';
  return 'valid';
}

/** `3 days`, `5 hours`, `12 minutes`, `40 seconds`. */
export function duration(ms: number): string {
  const s = Math.abs(ms) / 1000;
  const unit = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (s >= 2 * 86400) return unit(Math.floor(s / 86400), 'day');
  if (s >= 2 * 3600) return unit(Math.floor(s / 3600), 'hour');
  if (s >= 120) return unit(Math.floor(s / 60), 'minute');
  return unit(Math.floor(s), 'second');
}

const SOURCE_LABEL: Record<CertificateInfo['source'], string> = {
  certificate_chain: 'certificate chain',
  trusted_ca: 'trusted CA',
  trust_bundle: 'trust bundle',
};

/** Where a certificate sits: `certificate chain #1`, `trust bundle of east.local #2`. */
export function certificatePlace(c: CertificateInfo): string {
  const td = c.source === 'trust_bundle' ? ` of ${c.trustDomain || '(unnamed trust domain)'}` : '';
  return `${SOURCE_LABEL[c.source]}${td} #${c.index + 1}`;
}

/** A certificate's name for messages: its subject, else its first SAN (Istio's workload certificates have no subject). */
export function certificateName(c: CertificateInfo): string {
  return c.subject || c.sans?.[0] || (c.serial ? `serial ${c.serial}` : '(unreadable certificate)');
}

/** Status at a time in words: `valid, 61 days left of 92`, `expired 17 days before`. */
export function statusText(c: CertificateInfo, at: number, before: string, after: string): string {
  const s = certificateStatus(c, at);
  if (!s || c.notAfter === undefined || c.notBefore === undefined) return 'unknown';
  const life = duration(c.notAfter - c.notBefore);
  switch (s) {
    case 'expired':
      return `expired ${duration(at - c.notAfter)} ${before}`;
    case 'not-yet-valid':
      return `not yet valid: starts ${duration(c.notBefore - at)} ${after}`;
    case 'expiring':
      return `expiring: ${duration(c.notAfter - at)} left of ${life} (under a quarter)`;
    default:
      return `valid, ${duration(c.notAfter - at)} left of ${life}`;
  }
}

/** How a dump time is described: `2026-06-01T00:00:00Z, its newest last_updated`. */
export function dumpTimeText(t: DumpTime): string {
  return `${rfc3339(t.at)}, ${t.source === 'fetch' ? 'fetched' : 'its newest last_updated'}`;
}

/** Certificates shown per secret on hover; a trust store of 150 CAs is summarized. */
const HOVER_CERTS = 5;

/**
 * Hover lines (Markdown, dump text escaped) for a secret's certificates: subject, SANs, issuer, serial, validity, and
 * the status at the dump's time and today. Empty for a secret without certificates.
 */
export function certificateHoverLines(a: Analysis, d: Definition, today = Date.now()): string[] {
  const certs = d.info.certificates;
  if (!certs?.length) return [];
  const when = dumpTime(a);
  const lines: string[] = [];
  if (!when) lines.push('- certificates: the dump has no `last_updated` (nor a fetch time in its name), so they are judged only today');
  for (const c of certs.slice(0, HOVER_CERTS)) {
    if (c.error) {
      lines.push(`- ${mdText(certificatePlace(c))}: could not be read: ${mdText(c.error)}`);
      continue;
    }
    const sans = c.sans?.length ? ` · SANs ${c.sans.slice(0, 5).map((s) => mdCode(s)).join(', ')}${c.sans.length > 5 ? ', …' : ''}` : '';
    lines.push(`- ${mdText(certificatePlace(c))}${c.isCA ? ' (CA)' : ''}: subject ${mdCode(c.subject || '(empty)')}${sans}`);
    lines.push(`  - issuer ${mdCode(c.issuer ?? '')} · serial ${mdCode(c.serial ?? '')}`);
    lines.push(`  - valid ${rfc3339(c.notBefore!)} → ${rfc3339(c.notAfter!)}`);
    const atDump = when ? `at the dump's time (${dumpTimeText(when)}): ${statusText(c, when.at, 'before', 'later')} · ` : '';
    lines.push(`  - ${atDump}today: ${statusText(c, today, 'ago', 'from now')}`);
  }
  const rest = certs.length - HOVER_CERTS + (certs[certs.length - 1].more ?? 0);
  if (rest > 0) lines.push(`- … and ${rest} more certificate${rest === 1 ? '' : 's'}`);
  return lines;
}

// ------------------------------------------------------------------------------------------------ istioctl pc secret

/** A table as `istioctl proxy-config secret` prints it, plus notes for the reader. */
export interface SecretTable {
  headers: string[];
  rows: string[][];
  /** Sentences to print under the table: no secrets, or the time VALID CERT was judged at when the dump has none. */
  notes: string[];
  /** The time VALID CERT was judged at (epoch milliseconds) and where it came from. */
  at: number;
  atSource: 'given' | 'fetch' | 'last_updated' | 'clock';
}

const SECRET_HEADERS = ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'];

/** The trust domain of a SPIFFE ID among the SANs (the last one, as istioctl takes it), or ''. */
function spiffeTrustDomain(c: CertificateInfo): string {
  let td = '';
  for (const s of c.sans ?? []) {
    const m = /^URI:spiffe:\/\/([^/?#]*)/i.exec(s);
    if (m) td = m[1];
  }
  return td;
}

interface SecretItem {
  name: string;
  state: string;
  cert?: CertificateInfo;
  trustDomain: string;
}

/** The certificates istioctl reads for one secret: the chain's first, else the trusted CA's, else each trust bundle's. */
function items(d: Definition, state: string): SecretItem[] {
  const certs = d.info.certificates ?? [];
  const first = (source: CertificateInfo['source']) => certs.find((c) => c.source === source && c.index === 0);
  const one = first('certificate_chain') ?? first('trusted_ca');
  if (one) return [{ name: d.name, state, cert: one, trustDomain: one.error ? '' : spiffeTrustDomain(one) }];
  const bundles = certs.filter((c) => c.source === 'trust_bundle' && c.index === 0);
  if (bundles.length) return bundles.map((c) => ({ name: d.name, state, cert: c, trustDomain: c.trustDomain || (c.error ? '' : spiffeTrustDomain(c)) }));
  return [{ name: d.name, state, trustDomain: '' }];
}

/**
 * The rows `istioctl proxy-config secret` prints for one dump (current istioctl: RESOURCE NAME, TYPE, STATUS, VALID
 * CERT, SERIAL NUMBER, NOT AFTER, NOT BEFORE, and TRUST DOMAIN when every row has one): warming secrets, then active
 * ones, in dump order; one row per secret from the first certificate of its chain, else of its trusted CA, else one
 * row per SPIFFE trust domain. TYPE is `CA` or `Cert Chain`, the serial is zero-padded hex (`%032x`), times are RFC
 * 3339 in UTC. Where we differ, deliberately: VALID CERT is judged at `options.at`, else the dump's own time (istioctl
 * judges at its clock, which is the dump's time only for a live proxy), and only without either at the clock, with a
 * note; `inline_string` data is read as well as `inline_bytes`.
 */
export function secretRows(_ws: Workspace, analysis: Analysis, options: { at?: number; now?: () => number } = {}): SecretTable {
  const when = dumpTime(analysis);
  const notes: string[] = [];
  let at: number;
  let atSource: SecretTable['atSource'];
  if (options.at !== undefined) [at, atSource] = [options.at, 'given'];
  else if (when) [at, atSource] = [when.at, when.source];
  else {
    [at, atSource] = [(options.now ?? Date.now)(), 'clock'];
    notes.push(`The dump has no last_updated nor a fetch time in its name: VALID CERT is judged now (${rfc3339(at)}), as istioctl judges a live proxy.`);
  }
  const list: SecretItem[] = [];
  for (const section of ['dynamic_warming_secrets', 'dynamic_active_secrets']) {
    // istioctl means to print UNINITIALIZED for an active secret whose version_info is "uninitialized", but sets it
    // on a copy (util.go, GetEnvoySecrets): it prints ACTIVE, and so do we.
    const state = section === 'dynamic_warming_secrets' ? 'WARMING' : 'ACTIVE';
    for (const d of analysis.defs) if (d.kind === 'secret' && d.group === 'main' && d.section === section) list.push(...items(d, state));
  }
  if (list.length === 0) notes.unshift('No active or warming secrets found.');
  const withDomain = list.length > 0 && list.every((s) => s.trustDomain !== '');
  const rows = list.map(({ name, state, cert: c, trustDomain }) => {
    const ok = c && !c.error && c.notBefore !== undefined && c.notAfter !== undefined;
    const row = ok
      ? [
          name,
          c.isCA ? 'CA' : 'Cert Chain',
          state,
          String(at > c.notBefore! && at < c.notAfter!),
          c.serial!.startsWith('-') ? `-${c.serial!.slice(1).padStart(31, '0')}` : c.serial!.padStart(32, '0'),
          rfc3339(c.notAfter!),
          rfc3339(c.notBefore!),
        ]
      : [name, '', state, 'false', '', '', ''];
    if (withDomain) row.push(trustDomain);
    return row;
  });
  return { headers: withDomain ? [...SECRET_HEADERS, 'TRUST DOMAIN'] : [...SECRET_HEADERS], rows, notes, at, atSource };
}

// ------------------------------------------------------------------------------------------------ checks

/** A certificate of a secret judged at the dump's time. */
export interface JudgedCertificate {
  def: Definition;
  cert: CertificateInfo;
  status: CertificateStatus;
  when: DumpTime;
}

/**
 * Every readable certificate of the file's secrets with its status at the dump's time; nothing when the dump has no
 * time (the checks then judge nothing: the wall clock says nothing about a saved dump). The copies of a full dump's
 * bootstrap secrets are left out: the same certificates are in its static_secrets.
 */
export function judgedCertificates(a: Analysis): JudgedCertificate[] {
  const out: JudgedCertificate[] = [];
  let when: DumpTime | undefined | null = null;
  for (const def of a.defs) {
    if (def.kind !== 'secret' || def.group !== 'main' || !def.info.certificates) continue;
    if (when === null) when = dumpTime(a);
    if (!when) return out;
    for (const cert of def.info.certificates) {
      const status = certificateStatus(cert, when.at);
      if (status) out.push({ def, cert, status, when });
    }
  }
  return out;
}

/** `Certificate "O=x" (certificate chain #1) of secret "default"`, for the checks' messages. */
export function certificateLabel(j: JudgedCertificate): string {
  return `Certificate "${certificateName(j.cert)}" (${certificatePlace(j.cert)}) of secret "${j.def.name}"`;
}

/** `the dump's time (2026-06-01T00:00:00Z, its newest last_updated)`. */
export function atDumpTime(t: DumpTime): string {
  return `the dump's time (${dumpTimeText(t)})`;
}
