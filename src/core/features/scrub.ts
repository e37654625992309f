/**
 * A copy of a dump that is safe to paste in a public issue (issue 13 §3). Envoy redacts private keys only; this also
 * removes certificate bytes, tokens and passwords anywhere, sensitive header values and xDS/SDS call credentials,
 * and with `pseudonymize` replaces IP addresses, host names, namespaces, service names and SPIFFE IDs with stand-ins.
 *
 * The dump is edited in place, value by value, at the spans the parser gives: the layout, key order, comments and
 * YAML style stay as they were, and only string values change (each written as a JSON string, which is valid YAML
 * too). Nothing is parsed into objects, so a 50 MB dump costs one tape.
 *
 * Pseudonyms keep the story: the same name always gets the same stand-in (in one run), different names different
 * ones, and names are replaced label by label (`reviews.default.svc.cluster.local` → `svc-1.ns-1.svc.cluster.local`),
 * so references still resolve, duplicates stay duplicates, Istio's `outbound|9080|v1|host` names still parse, and
 * domain wildcards still match. IPv4 addresses are mapped prefix-preservingly (two addresses sharing their first n
 * bits still do), so CIDR ranges still contain the same addresses; 0.x, 127.x, 169.254.x and 224+ stay as written.
 */
import { scanJson } from '../parse/jsonScanner';
import { KIND_ARRAY, KIND_OBJECT, KIND_STRING, type Tape } from '../parse/tape';
import { parseYamlToTape } from '../parse/yamlTape';
import { decodeBase64, sha256Hex } from '../sha256';
import { bytesToAscii, certificateFacts, readPemBundle, SCRUBBED_CERTIFICATE } from '../x509';
import { snakeKey } from '../trace/resources';

/** What scrub removed or replaced, by kind (the CLI prints one line each). */
export type ScrubKind =
  | 'certificates'
  | 'private keys'
  | 'other secret bytes'
  | 'tokens (JWT, bearer)'
  | 'passwords and secrets'
  | 'sensitive header values'
  | 'call credentials'
  | 'IP addresses'
  | 'namespaces'
  | 'services'
  | 'host names'
  | 'service accounts'
  | 'pods and workloads'
  | 'SPIFFE IDs';

export interface ScrubOptions {
  /** `yaml` parses as YAML unless the content is plainly JSON (as analyze does). */
  languageId?: string;
  pseudonymize?: boolean;
  /** Key of the IP address mapping; random when absent (tests pass one to compare runs). */
  seed?: number;
}

export interface ScrubResult {
  text: string;
  format: 'json' | 'yaml';
  /** Count per kind; pseudonym kinds count distinct values replaced. */
  counts: Partial<Record<ScrubKind, number>>;
}

/** Keys whose DataSource (`inline_bytes` / `inline_string`) is certificate or key material. */
const MATERIAL_HOLDERS = new Set([
  'certificate_chain', 'private_key', 'trusted_ca', 'ocsp_staple', 'password', 'crl', 'pkey', 'keys', 'root_certs', 'cert_chain',
  'session_ticket_keys', 'signing_key', 'hmac_secret', 'client_secret', 'token_secret', 'generic_secret', 'secret', 'watched_directory',
  'private_key_provider', 'certificate', 'ca_cert', 'client_cert', 'client_key',
]);

/** String values under these keys (snake_case) are secrets whatever they look like. */
const SECRET_KEY = /^(password|passwd|pass|token|secret|api_?key|apikey|access_token|refresh_token|id_token|auth_token|bearer_token|client_secret|json_key|google_refresh_token|private_key|credentials?)$|_(password|token|secret)$/;

/** Header names whose values are credentials, in matchers, headers to add and gRPC initial metadata. */
const SENSITIVE_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'x-auth-token', 'x-access-token',
  'x-amz-security-token', 'x-goog-iam-authorization-token', 'x-csrf-token', 'x-xsrf-token', 'x-vault-token',
]);

const JWT = /eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/-]{8,}=*/gi;
const PEM = /-----BEGIN [A-Z0-9 ]+-----/;
/** `-----BEGIN` in base64 at any of the three alignments. */
const PEM_B64 = /LS0tLS1CRUdJTi|tLS0tQkVHSU4|LS0tLUJFR0lO/;

const encoder = new TextEncoder();

/**
 * `[scrubbed certificate: 1234 bytes, sha256:0123456789abcdef]`; certificates keep their public facts after it
 * (x509.ts certificateFacts), which the index reads back: a scrubbed dump keeps its secret table and certificate checks.
 */
function placeholder(what: string, bytes: Uint8Array): string {
  const head = `[scrubbed ${what}: ${bytes.length} bytes, sha256:${sha256Hex(bytes).slice(0, 16)}]`;
  if (what !== KIND_WORD.certificates) return head;
  const facts = certificateFacts(readPemBundle(bytesToAscii(bytes)).certs);
  return facts ? `${head} ${facts}` : head;
}

/** Facts of a scrubbed certificate that name things: pseudonymized with the rest. */
const NAMING_FACTS = /\b(subject|issuer|san)=([^;#]*)/g;

/** What PEM text holds, by its first BEGIN line. */
function pemKind(text: string): ScrubKind {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text);
  if (!m) return 'other secret bytes';
  return /PRIVATE KEY/.test(m[1]) ? 'private keys' : /CERTIFICATE/.test(m[1]) ? 'certificates' : 'other secret bytes';
}

const KIND_WORD: Partial<Record<ScrubKind, string>> = {
  certificates: 'certificate',
  'private keys': 'private key',
  'other secret bytes': 'secret bytes',
};

// ------------------------------------------------------------------------------------------------- pseudonyms

/** Labels that say nothing about a mesh: kept, so `svc.cluster.local` and TLDs still read as such. */
const KEEP_LABELS = new Set([
  'svc', 'cluster', 'local', 'com', 'org', 'net', 'io', 'dev', 'www', 'localhost', 'default', 'istio-system', 'kube-system',
  'inbound', 'outbound', 'ns', 'sa', 'internal', 'mesh', 'global', 'spiffe', 'http', 'https', 'grpc', 'tcp', 'tls', 'istio', 'envoy',
  'kubernetes', 'k8s', 'true', 'false',
]);

type Category = 'namespaces' | 'services' | 'host names' | 'service accounts' | 'pods and workloads';
const PREFIX: Record<Category, string> = {
  namespaces: 'ns',
  services: 'svc',
  'host names': 'host',
  'service accounts': 'sa',
  'pods and workloads': 'pod',
};

/** Node metadata keys (Istio) whose values name workloads, and what they name. */
const NODE_META: Record<string, Category> = {
  NAMESPACE: 'namespaces',
  POD_NAME: 'pods and workloads',
  NAME: 'pods and workloads',
  WORKLOAD_NAME: 'pods and workloads',
  SERVICE_ACCOUNT: 'service accounts',
  CLUSTER_ID: 'host names',
  MESH_ID: 'host names',
};

const FQDN_SVC = /\b([a-z0-9][a-z0-9-]*)\.([a-z0-9][a-z0-9-]*)\.svc\b/g;
const ISTIO_CLUSTER = /^(?:inbound|outbound)\|\d*\|[^|]*\|(.+)$/;
const SPIFFE = /spiffe:\/\/([^/\s"']+)\/ns\/([^/\s"']+)\/sa\/([^/\s"']+)/g;
const IPV4 = /(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d]|\.\d)/g;
/** Labels of names, as they appear in any string. */
const LABEL = /[a-z0-9][a-z0-9_-]*/g;
/** Values that name Envoy's own things (extensions, type URLs): never rewritten. */
const ENVOY_VOCABULARY = /^(envoy\.|istio\.|type\.googleapis\.com\/|google\.|xds\.|udpa\.|io\.istio\.|wasm\.|extensions\.)/;

/** A 32-bit mix (murmur3's finalizer), for the IP mapping. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

class Pseudonyms {
  private readonly labels = new Map<string, string>();
  private readonly ips = new Map<string, string>();
  private readonly used = new Set<string>();
  private readonly next: Record<Category, number> = { namespaces: 0, services: 0, 'host names': 0, 'service accounts': 0, 'pods and workloads': 0 };
  readonly counts: Partial<Record<ScrubKind, number>> = {};
  private readonly spiffe = new Set<string>();

  constructor(private readonly key: number) {}

  /** Every label of the document, so no stand-in equals a name already there. */
  see(s: string): void {
    for (const m of s.matchAll(LABEL)) this.used.add(m[0]);
  }

  /** A name to replace, label by label. */
  learn(label: string, category: Category): void {
    if (this.labels.has(label) || KEEP_LABELS.has(label) || /^\d+$/.test(label) || label.length < 2) return;
    let standIn: string;
    do standIn = `${PREFIX[category]}-${++this.next[category]}`;
    while (this.used.has(standIn));
    this.used.add(standIn);
    this.labels.set(label, standIn);
    this.counts[category] = (this.counts[category] ?? 0) + 1;
  }

  learnHost(host: string, category: Category = 'host names'): void {
    const h = host.replace(/:\d+$/, '').replace(/^\*\.?/, '');
    if (!/[a-z]/.test(h) || /^[\d.]+$/.test(h)) return;
    for (const m of h.matchAll(FQDN_SVC)) {
      this.learn(m[1], 'services');
      this.learn(m[2], 'namespaces');
    }
    for (const label of h.split('.')) if (/^[a-z0-9][a-z0-9_-]*$/.test(label)) this.learn(label, category);
  }

  /** Collects the names a string value shows, by the key it sits under. */
  collect(s: string, key: string, parentKey: string): void {
    for (const m of s.matchAll(SPIFFE)) {
      for (const l of m[1].split('.')) this.learn(l, 'host names');
      this.learn(m[2], 'namespaces');
      this.learn(m[3], 'service accounts');
    }
    for (const m of s.matchAll(FQDN_SVC)) {
      this.learn(m[1], 'services');
      this.learn(m[2], 'namespaces');
    }
    const istio = ISTIO_CLUSTER.exec(s);
    if (istio) this.learnHost(istio[1]);
    if (parentKey === 'domains' || key === 'domains' || parentKey === 'server_names' || key === 'sni' || key === 'hostname'
      || key === 'host_rewrite_literal' || key === 'authority' || (key === 'address' && parentKey === 'socket_address')
      || ((key === 'exact' || key === 'suffix' || key === 'prefix') && /subject_alt_names|san_matcher|matcher/.test(parentKey))) {
      this.learnHost(s);
    }
    const meta = NODE_META[key];
    if (meta) this.learnHost(s, meta);
    if (parentKey.toLowerCase() === 'labels' && /^[a-z0-9][a-z0-9.-]*$/.test(s)) this.learnHost(s, 'pods and workloads');
    if (key === 'cluster' && parentKey === 'node') this.learnHost(s);
  }

  /** The string with every learnt label and every IPv4 address replaced. */
  rewrite(s: string): string {
    if (ENVOY_VOCABULARY.test(s)) return s;
    if (s.includes('spiffe://')) for (const m of s.matchAll(SPIFFE)) this.spiffe.add(m[0]);
    let out = s.replace(IPV4, (ip: string, a: string, b: string, c: string, d: string) => this.ip(ip, [a, b, c, d].map(Number)));
    if (this.labels.size > 0) out = out.replace(LABEL, (l) => this.labels.get(l) ?? l);
    return out;
  }

  private ip(text: string, octets: number[]): string {
    if (octets.some((o) => o > 255)) return text;
    const [a] = octets;
    if (a === 0 || a === 127 || a >= 224 || (a === 169 && octets[1] === 254)) return text;
    const known = this.ips.get(text);
    if (known) return known;
    // Prefix-preserving below the first octet: bit i flips by a function of the bits above it.
    const value = ((octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    let out = 0;
    for (let i = 23; i >= 0; i--) {
      const prefix = value >>> (i + 1);
      const flip = mix(this.key ^ mix(prefix ^ Math.imul(i + 1, 0x9e3779b1))) & 1;
      out |= (((value >>> i) & 1) ^ flip) << i;
    }
    out >>>= 0;
    const mapped = `${a}.${(out >>> 16) & 255}.${(out >>> 8) & 255}.${out & 255}`;
    this.ips.set(text, mapped);
    this.counts['IP addresses'] = this.ips.size;
    return mapped;
  }

  finish(): Partial<Record<ScrubKind, number>> {
    if (this.spiffe.size) this.counts['SPIFFE IDs'] = this.spiffe.size;
    return this.counts;
  }
}

// ------------------------------------------------------------------------------------------------------ the walk

interface Frame {
  node: number;
  /** snake_case key this node sits under (an array item: the array's key). */
  key: string;
  parentKey: string;
  /** Inside a secret resource, call credentials, or a sensitive header entry: replace every string. */
  secret: boolean;
  credentials: boolean;
  header: boolean;
  /** Node metadata (Istio's NAMESPACE, POD_NAME …). */
  nodeMeta: boolean;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function parse(text: string, languageId: string | undefined): { tape: Tape; format: 'json' | 'yaml' } {
  const head = text.slice(0, 4096).replace(/^\uFEFF/, '').trimStart();
  const jsonish = head.startsWith('{') || head.startsWith('[') || /^(HTTP\/[\d.]+ )?\d{3}\b[^\n]*\r?\n\s*[{[]/.test(head);
  if (jsonish) {
    const tape = scanJson(text);
    if (tape.problems.length === 0 || languageId !== 'yaml') return { tape, format: 'json' };
  }
  return { tape: parseYamlToTape(text), format: 'yaml' };
}

/** The sensitive header a header entry names (`name` or `key` member), if any. */
function headerNameOf(t: Tape, obj: number): string | undefined {
  const end = t.next[obj];
  for (let c = obj + 1; c < end; c = t.next[c]) {
    if (t.kind[c] !== KIND_STRING) continue;
    const k = t.keyText(c);
    if (k === 'name' || k === 'key') {
      const v = t.str(c).toLowerCase();
      if (SENSITIVE_HEADERS.has(v)) return v;
    }
  }
  return undefined;
}

/** Removes secret material from a dump (and pseudonymizes it on request). Pure: text in, text out. */
export function scrubDump(input: string | Uint8Array, options: ScrubOptions = {}): ScrubResult {
  const text = typeof input === 'string' ? input : new TextDecoder('utf-8', { ignoreBOM: true }).decode(input);
  const { tape: t, format } = parse(text, options.languageId);
  const counts: Partial<Record<ScrubKind, number>> = {};
  const bump = (k: ScrubKind): void => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  const seed = options.seed ?? (globalThis.crypto?.getRandomValues(new Uint32Array(1))[0] ?? Date.now());
  const names = options.pseudonymize ? new Pseudonyms(seed >>> 0) : undefined;

  // Walk once: decide each string value's fate; pseudonym names are learnt on the way and applied after.
  const edits: Edit[] = [];
  const values: Array<{ node: number; value: string }> = [];
  const certEdits: Edit[] = [];
  const stack: Frame[] = [];
  for (const r of t.roots) {
    stack.push({ node: r, key: '', parentKey: '', secret: false, credentials: false, header: false, nodeMeta: false });
    while (stack.length > 0) {
      const f = stack.pop()!;
      const n = f.node;
      const kind = t.kind[n];
      if (kind === KIND_OBJECT || kind === KIND_ARRAY) {
        const header = f.header || (kind === KIND_OBJECT && headerNameOf(t, n) !== undefined);
        const end = t.next[n];
        const kids: Frame[] = [];
        for (let c = n + 1; c < end; c = t.next[c]) {
          const raw = kind === KIND_OBJECT ? t.keyText(c) ?? '' : undefined;
          const key = raw === undefined ? f.key : snakeKey(raw);
          const parentKey = raw === undefined ? f.parentKey : f.key;
          kids.push({
            node: c,
            key,
            parentKey,
            secret: f.secret || (raw !== undefined && (key === 'dynamic_active_secrets' || key === 'dynamic_warming_secrets' || key === 'static_secrets'
              || (key === 'secrets' && f.key === 'static_resources') || key === 'tls_certificate' || key === 'tls_certificates')),
            credentials: f.credentials || key === 'call_credentials' || key === 'channel_credentials' || key === 'credentials',
            header,
            nodeMeta: f.nodeMeta || (f.key === 'node' && key === 'metadata'),
          });
        }
        for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
        continue;
      }
      if (kind !== KIND_STRING) continue;
      const value = t.str(n);
      names?.see(value);
      const replaced = scrubValue(value, f, t, n, bump);
      if (replaced !== undefined) {
        const edit = { start: t.start[n], end: t.end[n], text: replaced };
        edits.push(edit);
        if (names && replaced.startsWith(SCRUBBED_CERTIFICATE)) {
          names.see(replaced);
          for (const m of replaced.matchAll(NAMING_FACTS)) {
            if (m[1] === 'san' && m[2].startsWith('DNS:')) names.learnHost(m[2].slice(4).trim());
            else names.collect(m[2], m[1], '');
          }
          certEdits.push(edit);
        }
        continue;
      }
      if (names) {
        const metaKey = f.nodeMeta ? t.keyText(n) ?? f.key : f.key;
        names.collect(value, metaKey, f.parentKey);
        values.push({ node: n, value });
      }
    }
  }
  if (names) {
    for (const e of certEdits) e.text = e.text.replace(NAMING_FACTS, (_, k: string, v: string) => `${k}=${names.rewrite(v)}`);
    for (const { node, value } of values) {
      const out = names.rewrite(value);
      if (out !== value) edits.push({ start: t.start[node], end: t.end[node], text: out });
    }
    Object.assign(counts, names.finish());
  }
  return { text: apply(text, edits, format), format, counts };
}

/** The replacement of one string value, or undefined to keep it (pseudonyms aside). */
function scrubValue(value: string, f: Frame, t: Tape, n: number, bump: (k: ScrubKind) => void): string | undefined {
  const key = f.key;
  // Certificate and key bytes.
  if ((key === 'inline_bytes' || key === 'inline_string') && (f.secret || f.credentials || MATERIAL_HOLDERS.has(f.parentKey))) {
    if (value === '' || value === '[redacted]' || value === 'W3JlZGFjdGVkXQ==') return undefined; // Envoy's own redaction
    const bytes = key === 'inline_bytes' ? decodeBase64(value) ?? encoder.encode(value) : encoder.encode(value);
    const asText = new TextDecoder().decode(bytes.subarray(0, 64));
    const kind = PEM.test(asText) ? pemKind(new TextDecoder().decode(bytes)) : /key/.test(f.parentKey) ? 'private keys' : /cert|ca$/.test(f.parentKey) ? 'certificates' : 'other secret bytes';
    bump(kind);
    return placeholder(KIND_WORD[kind] ?? 'secret bytes', bytes);
  }
  if (PEM.test(value)) {
    const kind = pemKind(value);
    bump(kind);
    return placeholder(KIND_WORD[kind] ?? 'secret bytes', encoder.encode(value));
  }
  if (PEM_B64.test(value) && /^[A-Za-z0-9+/=\s_-]{40,}$/.test(value)) {
    const bytes = decodeBase64(value) ?? encoder.encode(value);
    const kind = pemKind(new TextDecoder().decode(bytes));
    bump(kind);
    return placeholder(KIND_WORD[kind] ?? 'secret bytes', bytes);
  }
  // Header entries that carry credentials: every value but the header's name.
  if (f.header) {
    const own = t.keyText(n);
    if (own !== 'name' && own !== 'key' && value !== '') {
      bump('sensitive header values');
      return '[scrubbed header value]';
    }
  }
  // Call credentials of a gRPC service (bootstrap xDS / SDS): every string.
  if (f.credentials && value !== '' && key !== 'name' && key !== '@type' && key !== 'stat_prefix') {
    bump('call credentials');
    return '[scrubbed credential]';
  }
  // Access-log and header formatters (`%DYNAMIC_METADATA(…:used_token)%`) are templates, and file paths
  // (`privateKey: /etc/certs/key.pem`) say where a secret is, not what it is.
  if (SECRET_KEY.test(key) && value !== '' && value !== '[redacted]' && !/^%[A-Z_]+(\(.*\))?%$/.test(value) && !/^\.?\/[^\s]*$/.test(value)) {
    bump('passwords and secrets');
    return '[scrubbed]';
  }
  // Tokens anywhere.
  let out = value;
  if (out.includes('eyJ')) {
    out = out.replace(JWT, () => {
      bump('tokens (JWT, bearer)');
      return '[scrubbed JWT]';
    });
  }
  if (/bearer|basic/i.test(out)) {
    out = out.replace(BEARER, (_m, scheme: string) => {
      if (_m.includes('[scrubbed')) return _m;
      bump('tokens (JWT, bearer)');
      return `${scheme} [scrubbed]`;
    });
  }
  return out === value ? undefined : out;
}

/** Applies the edits (each a whole string value) back to front; YAML block scalars keep their line end. */
function apply(text: string, edits: Edit[], format: 'json' | 'yaml'): string {
  if (edits.length === 0) return text;
  edits.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  let lastStart = -1;
  for (const e of edits) {
    if (e.start === lastStart || e.start < at) continue; // a YAML alias copy of a node already edited
    lastStart = e.start;
    let end = e.end;
    if (format === 'yaml') {
      // A block scalar's span runs to the next key: keep the line breaks after its content.
      while (end > e.start && (text[end - 1] === '\n' || text[end - 1] === '\r' || text[end - 1] === ' ')) end--;
    }
    parts.push(text.slice(at, e.start), JSON.stringify(e.text));
    at = end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
