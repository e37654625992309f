/**
 * The headers a matched route changes: `request_headers_to_add` / `_remove` on the request Envoy forwards upstream,
 * `response_headers_to_add` / `_remove` on the response it returns. Each level that has them (a weighted cluster, the
 * route, its virtual host, the route configuration) is applied in turn, most specific first, or least specific first
 * when the route configuration sets `most_specific_header_mutations_wins` (so the most specific level has the last
 * word). Within a level Envoy removes first, then decides every addition against the headers as they stand, then
 * overwrites, then appends.
 */
import { isObj, type Obj } from './resources';
import { arr, boolValue, str } from './values';

export type HeaderLevel = 'weighted cluster' | 'route' | 'virtual host' | 'route configuration';

/** One configured change, with Envoy's `append_action` spelled out. */
export interface HeaderChange {
  /**
   * `append`: add a value after any the header has (APPEND_IF_EXISTS_OR_ADD, and the deprecated `append: true`);
   * `add-if-absent`; `overwrite`: replace its values or add it (OVERWRITE_IF_EXISTS_OR_ADD, `append: false`);
   * `overwrite-if-exists`; `remove`.
   */
  op: 'append' | 'add-if-absent' | 'overwrite' | 'overwrite-if-exists' | 'remove';
  /** The header name as configured. */
  name: string;
  /** The value as configured, `%…%` command operators included; absent for `remove`. */
  value?: string;
  /** `keep_empty_value`: added even when the value comes out empty. */
  keepEmpty?: boolean;
  level: HeaderLevel;
}

const ACTIONS: Record<string, HeaderChange['op']> = {
  APPEND_IF_EXISTS_OR_ADD: 'append',
  ADD_IF_ABSENT: 'add-if-absent',
  OVERWRITE_IF_EXISTS_OR_ADD: 'overwrite',
  OVERWRITE_IF_EXISTS: 'overwrite-if-exists',
};

function levelChanges(side: 'request' | 'response', level: HeaderLevel, o: Obj): HeaderChange[] {
  const out: HeaderChange[] = [];
  for (const name of arr(o[`${side}_headers_to_remove`])) if (typeof name === 'string') out.push({ op: 'remove', name, level });
  for (const hv of arr(o[`${side}_headers_to_add`])) {
    if (!isObj(hv) || !isObj(hv.header)) continue;
    const name = str(hv.header.key);
    if (!name) continue;
    const append = boolValue(hv.append);
    const op = append !== undefined ? (append ? 'append' : 'overwrite') : ACTIONS[str(hv.append_action) ?? ''] ?? 'append';
    const value = str(hv.header.value) ?? rawValue(hv.header.raw_value) ?? '';
    out.push({ op, name, value, level, ...(hv.keep_empty_value === true ? { keepEmpty: true } : {}) });
  }
  return out;
}

/** `raw_value` (bytes, base64 in JSON) as text. */
function rawValue(v: unknown): string | undefined {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('latin1') : undefined;
}

/**
 * The changes of one side, level by level in the order Envoy applies them. `levels` lists the levels most specific
 * first (a level's object may be absent).
 */
export function headerChanges(side: 'request' | 'response', levels: Array<[HeaderLevel, unknown]>, mostSpecificWins: boolean): HeaderChange[] {
  const ordered = mostSpecificWins ? [...levels].reverse() : levels;
  return ordered.flatMap(([level, o]) => (isObj(o) ? levelChanges(side, level, o) : []));
}

/** Header values by lower-case name, each a list of values in order. */
export type HeaderValues = Map<string, string[]>;

/**
 * Applies changes to headers in Envoy's order (see the file comment). `fill` gives a configured value as Envoy would
 * send it (command operators filled in where known).
 */
export function applyHeaderChanges(headers: HeaderValues, changes: readonly HeaderChange[], fill: (value: string) => string): void {
  for (let i = 0; i < changes.length;) {
    const level = changes[i].level;
    let j = i;
    while (j < changes.length && changes[j].level === level) j++;
    const here = changes.slice(i, j);
    i = j;
    for (const c of here) if (c.op === 'remove') headers.delete(c.name.toLowerCase());
    const overwrite: Array<[string, string]> = [];
    const add: Array<[string, string]> = [];
    for (const c of here) {
      if (c.op === 'remove') continue;
      const key = c.name.toLowerCase();
      const value = fill(c.value ?? '');
      if (value === '' && !c.keepEmpty) continue;
      const present = (headers.get(key)?.length ?? 0) > 0;
      if (c.op === 'append' || (c.op === 'add-if-absent' && !present)) add.push([key, value]);
      else if (c.op === 'overwrite' || (c.op === 'overwrite-if-exists' && present)) overwrite.push([key, value]);
    }
    for (const [k, v] of overwrite) headers.set(k, [v]);
    for (const [k, v] of add) headers.set(k, [...(headers.get(k) ?? []), v]);
  }
}

/** Headers as one value each, a repeated header's values joined with `,` (how a trace reports them). */
export function joinedHeaders(headers: HeaderValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of headers) if (v.length > 0) out[k] = v.join(',');
  return out;
}

/** What a header value's command operators come to, from what the trace knows of the request. */
export interface FillFrom {
  /** The client's IP, and port when known. */
  sourceAddress?: string;
  sourcePort?: number;
  /** A request header's value (case-insensitive), for `%REQ(name)%`. */
  header: (name: string) => string | undefined;
}

/**
 * A configured value with the command operators the trace can know filled in (`%DOWNSTREAM_REMOTE_ADDRESS%`,
 * `%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%`, `%DOWNSTREAM_REMOTE_PORT%`, `%REQ(name)%`, `%%`); `unknown` is true when
 * others are left as written.
 */
export function fillValue(value: string, from: FillFrom): { value: string; unknown: boolean } {
  let unknown = false;
  const out = value.replace(/%%|%([A-Z_0-9]+)(?:\(([^)]*)\))?(?::\d+)?%/g, (whole, op: string | undefined, arg: string | undefined) => {
    if (whole === '%%') return '%';
    let v: string | undefined;
    switch (op) {
      case 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT':
        v = from.sourceAddress;
        break;
      case 'DOWNSTREAM_REMOTE_PORT':
        v = from.sourcePort !== undefined ? String(from.sourcePort) : undefined;
        break;
      case 'DOWNSTREAM_REMOTE_ADDRESS':
        v = from.sourceAddress !== undefined && from.sourcePort !== undefined
          ? (from.sourceAddress.includes(':') ? `[${from.sourceAddress}]:${from.sourcePort}` : `${from.sourceAddress}:${from.sourcePort}`)
          : undefined;
        break;
      case 'REQ': {
        if (arg === undefined) return whole;
        // `%REQ(X?Y)%`: X, else Y. A missing header formats as empty: Envoy then leaves the header out (unless
        // keep_empty_value).
        const [main, alt] = arg.split('?');
        return from.header(main) ?? (alt ? from.header(alt) : undefined) ?? '';
      }
      default:
        break;
    }
    if (v === undefined) unknown = true;
    return v ?? whole;
  });
  return { value: out, unknown };
}

/** How a change reads, in the words of an Istio VirtualService's `headers` (set, add, remove). */
const VERB: Record<HeaderChange['op'], string> = {
  append: 'add',
  'add-if-absent': 'add if absent',
  overwrite: 'set',
  'overwrite-if-exists': 'set if present',
  remove: 'remove',
};

/** `set x-a: v; remove x-b`, the first few, for a hop's one-line detail. */
export function changesText(changes: readonly HeaderChange[], max = 4): string {
  const shown = changes.slice(0, max).map((c) => `${VERB[c.op]} ${c.name}${c.op === 'remove' ? '' : `: ${c.value ?? ''}`}`);
  return `${shown.join('; ')}${changes.length > max ? `; … ${changes.length - max} more` : ''}`;
}
