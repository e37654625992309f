/**
 * A small reader of X.509 certificates, for the chains and trusted CAs a dump carries in its secrets (issue 11):
 * base64, PEM and DER in, the fields `istioctl pc secret` and hover show out (subject, issuer, SANs, serial, validity,
 * CA or not). Pure TypeScript, no Node built-in, so the core keeps running in the index worker and anywhere else.
 * It reads; it verifies nothing (no signature, no chain building).
 *
 * Input is untrusted: every length is checked against its container before use, nothing recurses, and every loop is
 * bounded by the bytes it walks or by one of the caps below, so garbage, truncated or hostile data comes back as an
 * `error` string, never as an exception and never as unbounded work.
 */

/** The fields of one certificate. Times are milliseconds since the epoch (UTC). */
export interface X509Fields {
  /** Distinguished name in certificate order, OpenSSL's one-line style: `O=cluster.local, CN=istio-ca`. */
  subject: string;
  issuer: string;
  /** The serial number in lowercase hex without leading zeros (`-` first when negative), as Go's `%x` prints it. */
  serial: string;
  notBefore: number;
  notAfter: number;
  /** Subject alternative names: `URI:spiffe://…`, `DNS:…`, `IP:…`, `email:…`, `DirName:…`. */
  sans: string[];
  /** basicConstraints says cA: true (what Go's `IsCA` and istioctl's TYPE column read). */
  isCA: boolean;
}

/** Certificates read from one PEM bundle: each the fields or why it could not be read. */
export type X509Result = ({ ok: true } & X509Fields) | { ok: false; error: string };

/** At most this many certificates are read from one bundle (a system trust store holds about 150). */
export const MAX_CERTS = 200;
/** Data longer than this many characters is not decoded (Mozilla's whole CA bundle is about 0.3 MB of base64). */
export const MAX_CERT_DATA = 4_000_000;
/** At most this many subject alternative names and name attributes are kept per certificate. */
const MAX_NAMES = 100;
/** Strings from a certificate are cut to this many characters. */
const MAX_STRING = 512;

// ------------------------------------------------------------------------------------------------ base64 and PEM

const B64 = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
// protobuf's JSON parser also accepts the URL-safe alphabet for bytes fields.
B64['-'.charCodeAt(0)] = 62;
B64['_'.charCodeAt(0)] = 63;

/** Decodes base64 (standard or URL-safe, white space ignored, padding optional); undefined when it is not base64. */
export function decodeBase64(s: string, from = 0, to = s.length): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor(((to - from) * 3) / 4) + 3);
  let n = 0;
  let acc = 0;
  let bits = 0;
  let pad = false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (c === 0x3d) {
      pad = true;
      continue;
    }
    const v = c < 128 ? B64[c] : -1;
    if (v < 0 || pad) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  if (bits >= 6) return undefined;
  return out.subarray(0, n);
}

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/**
 * The DER bytes of every `CERTIFICATE` block of a PEM text, in order (other blocks are skipped), at most MAX_CERTS of
 * them; a block that cannot be decoded is a string saying why, in its place. `more` counts the blocks past the cap.
 */
export function pemCertificates(pem: string): { blocks: Array<Uint8Array | string>; more: number } {
  const blocks: Array<Uint8Array | string> = [];
  let more = 0;
  let i = pem.indexOf(BEGIN);
  if (i < 0) return { blocks: ['no "BEGIN CERTIFICATE" block'], more };
  while (i >= 0) {
    const body = i + BEGIN.length;
    const end = pem.indexOf(END, body);
    if (end < 0) {
      blocks.push('a "BEGIN CERTIFICATE" block has no END line');
      break;
    }
    if (blocks.length >= MAX_CERTS) more++;
    else blocks.push(decodeBase64(pem, body, end) ?? 'a certificate block is not base64');
    i = pem.indexOf(BEGIN, end + END.length);
  }
  return { blocks, more };
}

/** Latin-1 text of bytes (PEM is ASCII), built in slices so a large bundle makes no huge argument list. */
export function bytesToAscii(b: Uint8Array): string {
  let s = '';
  // apply() takes the typed array as it is; a spread would first copy it into an array (10× slower, measured).
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode.apply(null, b.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

// ------------------------------------------------------------------------------------------------ DER

/** One TLV: its tag byte and its contents `[start, end)`. */
interface Tlv {
  tag: number;
  start: number;
  end: number;
}

class DerError extends Error {}

/** Reads the TLV at `pos`, which must end by `limit`. Definite lengths only (DER), at most 4 length bytes. */
function tlv(b: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new DerError('truncated');
  const tag = b[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used by X.509');
  let len = b[pos + 1];
  let p = pos + 2;
  if (len & 0x80) {
    const k = len & 0x7f;
    if (k === 0 || k > 4) throw new DerError('bad length');
    if (p + k > limit) throw new DerError('truncated');
    len = 0;
    for (let j = 0; j < k; j++) len = len * 256 + b[p + j];
    p += k;
  }
  if (p + len > limit) throw new DerError('truncated');
  return { tag, start: p, end: p + len };
}

/** The items of a constructed TLV, in order (at most `cap`; the count of the rest is not needed). */
function items(b: Uint8Array, t: Tlv, cap = Infinity): Tlv[] {
  const out: Tlv[] = [];
  for (let p = t.start; p < t.end && out.length < cap; ) {
    const it = tlv(b, p, t.end);
    out.push(it);
    p = it.end;
  }
  return out;
}

function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.tag !== tag) throw new DerError(`${what} missing`);
  return t;
}

/** Dotted text of an OBJECT IDENTIFIER's contents. */
function oid(b: Uint8Array, t: Tlv): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = t.start; i < t.end; i++) {
    if (v > 2 ** 45) return '(bad OID)';
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function cut(s: string): string {
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…` : s;
}

function hex(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** A directory string (UTF8String, PrintableString, IA5String, T61String, BMPString, UniversalString) as text. */
function dirString(b: Uint8Array, t: Tlv): string {
  const len = Math.min(t.end - t.start, MAX_STRING * 4);
  const bytes = b.subarray(t.start, t.start + len);
  switch (t.tag) {
    case 0x0c: // UTF8String
      return cut(utf8.decode(bytes));
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // T61String (read as Latin-1)
    case 0x1a: // VisibleString
      return cut(bytesToAscii(bytes));
    case 0x1e: {
      // BMPString: UTF-16BE
      let s = '';
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i] << 8) | bytes[i + 1]);
      return cut(s);
    }
    case 0x1c: {
      // UniversalString: UTF-32BE
      let s = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        const cp = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
        s += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      }
      return cut(s);
    }
    default:
      return `#${cut(hex(b, t.start, t.start + Math.min(len, MAX_STRING / 2)))}`;
  }
}

/** Short names of the attribute types names use, as OpenSSL prints them. */
const ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.45': 'x500UniqueIdentifier',
  '2.5.4.46': 'dnQualifier',
  '2.5.4.65': 'pseudonym',
  '0.9.2342.19200300.100.1.1': 'UID',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** A Name (SEQUENCE OF SET OF AttributeTypeAndValue) in certificate order: `O=cluster.local, CN=x`. */
function name(b: Uint8Array, t: Tlv): string {
  const parts: string[] = [];
  for (const rdn of items(b, expect(t, 0x30, 'name'), MAX_NAMES)) {
    if (rdn.tag !== 0x31) throw new DerError('name');
    for (const atv of items(b, rdn, MAX_NAMES)) {
      const [type, value] = items(b, expect(atv, 0x30, 'attribute'), 2);
      const id = oid(b, expect(type, 0x06, 'attribute type'));
      if (!value) throw new DerError('attribute value missing');
      parts.push(`${ATTRIBUTES[id] ?? id}=${dirString(b, value)}`);
    }
  }
  return parts.join(', ');
}

function digits(b: Uint8Array, from: number, n: number): number {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const d = b[i] - 0x30;
    if (d < 0 || d > 9) throw new DerError('bad time');
    v = v * 10 + d;
  }
  return v;
}

/** UTCTime (`YYMMDDHHMMSSZ`, years 1950–2049) or GeneralizedTime (`YYYYMMDDHHMMSS[.f]Z`) as epoch milliseconds. */
function time(b: Uint8Array, t: Tlv): number {
  const n = t.end - t.start;
  let p = t.start;
  let year: number;
  if (t.tag === 0x17) {
    if (n !== 13) throw new DerError('bad UTCTime');
    const yy = digits(b, p, 2);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    p += 2;
  } else if (t.tag === 0x18) {
    if (n < 15 || n > 40) throw new DerError('bad GeneralizedTime');
    year = digits(b, p, 4);
    p += 4;
  } else throw new DerError('validity time missing');
  const month = digits(b, p, 2);
  const day = digits(b, p + 2, 2);
  const hour = digits(b, p + 4, 2);
  const min = digits(b, p + 6, 2);
  const sec = digits(b, p + 8, 2);
  if (b[t.end - 1] !== 0x5a) throw new DerError('time not in UTC');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) throw new DerError('bad time');
  // GeneralizedTime's fraction of a second (DER: `.f+`, before the Z) is below a second: not needed here.
  return Date.UTC(year, month - 1, day, hour, min, sec);
}

/** An INTEGER's value in hex, as Go's `%x` prints a big.Int (no leading zeros, `-` when negative). */
function serialHex(b: Uint8Array, t: Tlv): string {
  if (t.end <= t.start) throw new DerError('serial number missing');
  if (b[t.start] & 0x80) {
    // Negative (RFC 5280 forbids it, old certificates have it): the magnitude of the two's complement.
    let v = 0n;
    for (let i = t.start; i < t.end && i < t.start + 64; i++) v = (v << 8n) | BigInt(b[i]);
    const bits = BigInt(Math.min(t.end - t.start, 64) * 8);
    return `-${((1n << bits) - v).toString(16)}`;
  }
  const s = hex(b, t.start, Math.min(t.end, t.start + 64)).replace(/^0+/, '');
  return s === '' ? '0' : s;
}

/** An IP address from its 4 or 16 bytes (IPv6 as RFC 5952 writes it); other lengths as `#hex`. */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length === 16) {
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((b[i] << 8) | b[i + 1]);
    // RFC 5952: the longest run of two or more zero groups (the first of equals) becomes `::`.
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen) [best, bestLen] = [i, j - i];
      i = j > i ? j : i + 1;
    }
    const h = (from: number, to: number) => groups.slice(from, to).map((g) => g.toString(16)).join(':');
    return best < 0 ? h(0, 8) : `${h(0, best)}::${h(best + bestLen, 8)}`;
  }
  return `#${hex(b, 0, Math.min(b.length, 64))}`;
}

/** GeneralNames of a subjectAltName extension. */
function altNames(b: Uint8Array, t: Tlv): string[] {
  const out: string[] = [];
  for (const g of items(b, expect(t, 0x30, 'subjectAltName'), MAX_NAMES)) {
    const as = (k: string) => `${k}:${cut(bytesToAscii(b.subarray(g.start, Math.min(g.end, g.start + MAX_STRING))))}`;
    switch (g.tag) {
      case 0x81:
        out.push(as('email'));
        break;
      case 0x82:
        out.push(as('DNS'));
        break;
      case 0x86:
        out.push(as('URI'));
        break;
      case 0x87:
        out.push(`IP:${formatIp(b.subarray(g.start, g.end))}`);
        break;
      case 0xa4: {
        const [dn] = items(b, g, 1);
        out.push(`DirName:${dn ? name(b, dn) : ''}`);
        break;
      }
      default:
        out.push(`othername:<tag ${g.tag & 0x1f}>`);
    }
  }
  return out;
}

const OID_SAN = '2.5.29.17';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

/** Reads one DER certificate. Never throws: a malformed one is `{ ok: false, error }`. */
export function parseCertificate(der: Uint8Array): X509Result {
  try {
    const cert = expect(tlv(der, 0, der.length), 0x30, 'certificate');
    const tbs = expect(items(der, cert, 1)[0], 0x30, 'tbsCertificate');
    const f = items(der, tbs, 12);
    let i = 0;
    if (f[i]?.tag === 0xa0) i++; // version
    const serial = serialHex(der, expect(f[i++], 0x02, 'serial number'));
    expect(f[i++], 0x30, 'signature algorithm');
    const issuer = name(der, expect(f[i++], 0x30, 'issuer'));
    const [nb, na] = items(der, expect(f[i++], 0x30, 'validity'), 2);
    const notBefore = time(der, expect(nb, nb?.tag ?? 0, 'notBefore'));
    const notAfter = time(der, expect(na, na?.tag ?? 0, 'notAfter'));
    const subject = name(der, expect(f[i++], 0x30, 'subject'));
    expect(f[i++], 0x30, 'subjectPublicKeyInfo');
    let sans: string[] = [];
    let isCA = false;
    for (; i < f.length; i++) {
      if (f[i].tag !== 0xa3) continue; // issuerUniqueID, subjectUniqueID
      const [exts] = items(der, f[i], 1);
      for (const ext of items(der, expect(exts, 0x30, 'extensions'), 64)) {
        const parts = items(der, expect(ext, 0x30, 'extension'), 3);
        const id = oid(der, expect(parts[0], 0x06, 'extension id'));
        const value = parts[parts.length - 1];
        if (!value || value.tag !== 0x04) throw new DerError('extension value missing');
        const inner = tlv(der, value.start, value.end);
        if (id === OID_SAN) sans = altNames(der, inner);
        else if (id === OID_BASIC_CONSTRAINTS) {
          const bc = items(der, expect(inner, 0x30, 'basicConstraints'), 2);
          isCA = bc[0]?.tag === 0x01 && bc[0].end > bc[0].start && der[bc[0].start] !== 0;
        }
      }
    }
    return { ok: true, subject, issuer, serial, notBefore, notAfter, sans, isCA };
  } catch (e) {
    if (e instanceof DerError) return { ok: false, error: `not a valid X.509 certificate (${e.message})` };
    return { ok: false, error: 'not a valid X.509 certificate' };
  }
}

/**
 * Every certificate of a PEM text (what `inline_string` holds and `inline_bytes` decodes to), in order; a block that
 * could not be read is an error entry in its place. `more` counts certificates past MAX_CERTS, not read.
 */
export function readPemBundle(pem: string): { certs: X509Result[]; more: number } {
  if (pem.length > MAX_CERT_DATA) return { certs: [{ ok: false, error: `too large to read (${pem.length} characters)` }], more: 0 };
  const { blocks, more } = pemCertificates(pem);
  return { certs: blocks.map((b) => (typeof b === 'string' ? { ok: false, error: b } : parseCertificate(b))), more };
}

/** `inline_bytes` (base64 of the PEM text) read as readPemBundle does. */
export function readBase64PemBundle(b64: string): { certs: X509Result[]; more: number } {
  if (b64.length > (MAX_CERT_DATA * 4) / 3) return { certs: [{ ok: false, error: `too large to read (${b64.length} characters)` }], more: 0 };
  const bytes = decodeBase64(b64);
  if (!bytes) return { certs: [{ ok: false, error: 'inline_bytes is not base64' }], more: 0 };
  return readPemBundle(bytesToAscii(bytes));
}

// ------------------------------------------------------------------------------------------ facts of scrubbed data

/**
 * What `envoy-lens scrub` leaves in place of certificate bytes: the size and hash of the data, then each certificate's
 * public facts, so a scrubbed dump still has its secret table, hover and certificate checks:
 * `[scrubbed certificate: 1234 bytes, sha256:0123456789abcdef] #1 subject=O=cluster.local; issuer=…; serial=3a;
 * not_before=2024-01-01T00:00:00Z; not_after=…; san=URI:spiffe://…; ca=true #2 …`. In values `%`, `;` and `#` are
 * written `%25`, `%3B`, `%23`.
 */
export const SCRUBBED_CERTIFICATE = '[scrubbed certificate:';

const escapeFact = (s: string): string => s.replace(/[%;#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
const unescapeFact = (s: string): string => s.replace(/%(25|3B|23)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** The facts part of a scrubbed certificate value (after the bracketed size and hash); '' when none was read. */
export function certificateFacts(certs: readonly X509Result[]): string {
  const parts: string[] = [];
  certs.forEach((c, i) => {
    if (!c.ok) {
      parts.push(`#${i + 1} error=${escapeFact(c.error)}`);
      return;
    }
    const f = [`subject=${escapeFact(c.subject)}`, `issuer=${escapeFact(c.issuer)}`, `serial=${c.serial}`];
    f.push(`not_before=${new Date(c.notBefore).toISOString()}`, `not_after=${new Date(c.notAfter).toISOString()}`);
    for (const san of c.sans) f.push(`san=${escapeFact(san)}`);
    f.push(`ca=${c.isCA}`);
    parts.push(`#${i + 1} ${f.join('; ')}`);
  });
  return parts.join(' ');
}

/** The certificates a scrubbed value states (certificateFacts read back), or undefined when it is not one. */
export function readScrubbedCertificates(value: string): { certs: X509Result[]; more: number } | undefined {
  if (!value.startsWith(SCRUBBED_CERTIFICATE)) return undefined;
  const close = value.indexOf(']');
  if (close < 0) return undefined;
  const certs: X509Result[] = [];
  for (const entry of value.slice(close + 1).split(/\s#\d+\s/).slice(1)) {
    if (certs.length >= MAX_CERTS) break;
    const fields = new Map<string, string[]>();
    for (const pair of entry.trim().split('; ')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const k = pair.slice(0, eq);
      const list = fields.get(k) ?? [];
      if (list.length < MAX_NAMES) list.push(unescapeFact(pair.slice(eq + 1)).slice(0, MAX_STRING));
      fields.set(k, list);
    }
    const one = (k: string): string | undefined => fields.get(k)?.[0];
    const error = one('error');
    const notBefore = Date.parse(one('not_before') ?? '');
    const notAfter = Date.parse(one('not_after') ?? '');
    if (error !== undefined) certs.push({ ok: false, error });
    else if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) certs.push({ ok: false, error: 'the scrubbed facts have no validity' });
    else {
      certs.push({
        ok: true,
        subject: one('subject') ?? '',
        issuer: one('issuer') ?? '',
        serial: one('serial') ?? '',
        notBefore,
        notAfter,
        sans: fields.get('san') ?? [],
        isCA: one('ca') === 'true',
      });
    }
  }
  return { certs, more: 0 };
}
