/**
 * Materializes the resources a trace needs. The Analysis keeps names and spans only, so each listener, route
 * configuration, cluster or load assignment is re-read from its source by its definition's span: JSON by parsing the
 * span's slice (tolerant fallback for trailing commas and comments), YAML by parsing the file into a tape once and
 * converting the node that starts at the span. Keys are normalized to snake_case (istioctl prints camelCase), except
 * inside `metadata` and per-filter configs, whose keys are user data; dump wrappers and listener states are unwrapped.
 */
import { parse as parseJsonc, type ParseError } from 'jsonc-parser';
import type { Analysis, Definition } from '../model/types';
import { asBuffer } from '../parse/jsonScanner';
import { toValue } from '../parse/nav';
import { isAsciiBytes } from '../parse/offsets';
import { KIND_ARRAY, KIND_OBJECT, MAX_DEPTH, type Tape } from '../parse/tape';
import { parseYamlToTape } from '../parse/yamlTape';

/** A JSON-like object. */
export type Obj = Record<string, unknown>;

// Span offsets follow the analysis: the JSON scanner counts a UTF-8 BOM as one UTF-16 unit, while YAML is parsed from
// text decoded without it (facade.ts).
const keepBom = new TextDecoder('utf-8', { ignoreBOM: true });
const dropBom = new TextDecoder('utf-8');

/** Keys whose values are maps of user data: their keys are kept as written. */
const OPAQUE = new Set([
  'metadata',
  'typed_per_filter_config',
  'per_filter_config',
  'filter_metadata',
  'typed_filter_metadata',
  'typed_extension_protocol_options',
  'extension_protocol_options',
]);

/**
 * `routeConfigName` → `route_config_name`. Only proto field names are converted: snake_case, `@type` and keys that
 * are data (extension names with dots, header names with dashes) stay as they are.
 */
export function snakeKey(k: string): string {
  if (!/^[a-z][a-zA-Z0-9]*$/.test(k) || !/[A-Z]/.test(k)) return k;
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Deep copy with snake_case keys, leaving the contents of user-data maps alone. Containers deeper than MAX_DEPTH come
 * out empty, as the scanner keeps them (tape.ts): JSON.parse of a span reads any depth, and a copy recursing that deep
 * would overflow the stack here and in every reader after it.
 */
export function normalizeKeys(v: unknown, depth = 0, opaque = false): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) return Array.isArray(v) ? [] : {};
  if (Array.isArray(v)) return v.map((x) => normalizeKeys(x, depth + 1, opaque));
  const out: Obj = {};
  for (const [k, val] of Object.entries(v as Obj)) {
    if (opaque) {
      // User data keeps its keys; defineProperty keeps a `__proto__` key as data, as JSON.parse made it.
      Object.defineProperty(out, k, { value: normalizeKeys(val, depth + 1, true), enumerable: true, writable: true, configurable: true });
      continue;
    }
    const nk = snakeKey(k);
    out[nk] = normalizeKeys(val, depth + 1, OPAQUE.has(nk));
  }
  return out;
}

/** A copy with containers deeper than MAX_DEPTH empty (`__proto__` keys kept as data, as JSON.parse made them). */
function cutDepth(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) return Array.isArray(v) ? [] : {};
  if (Array.isArray(v)) return v.map((x) => cutDepth(x, depth + 1));
  const out: Obj = {};
  for (const [k, val] of Object.entries(v as Obj)) {
    Object.defineProperty(out, k, { value: cutDepth(val, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** True for a plain object. */
export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** One file's text and, for YAML, its tape and an index of object nodes by start offset. */
interface FileSource {
  /** The whole text, decoded once when something needs it whole. */
  text?: string;
  /**
   * An ASCII JSON file's bytes: spans are read from them one at a time (byte and UTF-16 offsets agree), as Latin-1,
   * which is ASCII below 0x80 and V8's native one-byte copy (a TextDecoder call per span made diff 1.2× → 1.6×).
   */
  bytes?: Buffer;
  format: 'json' | 'yaml';
  tape?: Tape;
  byStart?: Map<number, number>;
}

/** Reads resources of the workspace's files by their definitions. */
export class ResourceReader {
  private readonly files = new Map<string, FileSource | null>();
  private readonly cache = new Map<string, Obj | undefined>();

  /**
   * `spanText`, where given, reads the text of one span of a JSON file without its whole source (an editor document
   * hands out ranges cheaply); `sourceOf` is then asked only for YAML files.
   */
  constructor(
    private readonly analysisOf: (uri: string) => Analysis | undefined,
    private readonly sourceOf: (uri: string) => string | Uint8Array | undefined,
    private readonly spanText?: (uri: string, start: number, end: number) => string | undefined,
  ) {}

  /** The text of a file (decoded once), or undefined when its source is not available. */
  text(uri: string): string | undefined {
    const f = this.file(uri);
    if (f && f.text === undefined && f.bytes) f.text = f.bytes.toString('latin1');
    return f?.text;
  }

  /** The text between two offsets of a file (without decoding the whole of an ASCII JSON file). */
  span(uri: string, start: number, end: number): string | undefined {
    const f = this.file(uri);
    if (!f) return undefined;
    return f.text !== undefined ? f.text.slice(start, end) : f.bytes!.toString('latin1', start, end);
  }

  private file(uri: string): FileSource | undefined {
    const known = this.files.get(uri);
    if (known !== undefined) return known ?? undefined;
    const src = this.sourceOf(uri);
    const a = this.analysisOf(uri);
    if (src === undefined || !a) {
      this.files.set(uri, null);
      return undefined;
    }
    // Span offsets are UTF-16: decode a byte buffer to a string once, unless it is ASCII JSON (the offsets agree).
    const f: FileSource =
      typeof src === 'string'
        ? { text: src, format: a.format }
        : a.format === 'json' && isAsciiBytes(src)
          ? { bytes: asBuffer(src), format: a.format }
          : { text: (a.format === 'json' ? keepBom : dropBom).decode(src), format: a.format };
    this.files.set(uri, f);
    return f;
  }

  /** The raw value of the node spanning `start..end` (undefined when it cannot be read). */
  private rawAt(uri: string, start: number, end: number): unknown {
    const bySpan = this.spanText && this.analysisOf(uri)?.format === 'json' ? this.spanText(uri, start, end) : undefined;
    const f = bySpan === undefined ? this.file(uri) : undefined;
    if (!f && bySpan === undefined) return undefined;
    if (bySpan !== undefined || f!.format === 'json') {
      const slice = bySpan ?? this.span(uri, start, end)!;
      try {
        return JSON.parse(slice);
      } catch {
        const errors: ParseError[] = [];
        const v: unknown = parseJsonc(slice, errors, { allowTrailingComma: true, disallowComments: false });
        return v;
      }
    }
    if (!f) return undefined;
    if (!f.tape) {
      f.tape = parseYamlToTape(this.text(uri)!);
      const byStart = new Map<number, number>();
      const t = f.tape;
      // First (outermost) container node at each start offset.
      for (let i = 0; i < t.length; i++) {
        const k = t.kind[i];
        if ((k === KIND_OBJECT || k === KIND_ARRAY) && !byStart.has(t.start[i])) byStart.set(t.start[i], i);
      }
      f.byStart = byStart;
    }
    const node = f.byStart!.get(start);
    return node === undefined ? undefined : toValue(f.tape, node);
  }

  /**
   * A definition's whole span as the file writes it (keys as spelled, the dump wrapper kept), containers deeper than
   * MAX_DEPTH copied empty: what a resource document shows.
   */
  rawValue(uri: string, def: Definition): unknown {
    return cutDepth(this.rawAt(uri, def.span.start, def.span.end), 0);
  }

  /** rawValue without the depth cut, for a file whose scanner met no nesting deeper than MAX_DEPTH. */
  rawValueUncut(uri: string, def: Definition): unknown {
    return this.rawAt(uri, def.span.start, def.span.end);
  }

  /**
   * The resource a definition stands for, snake_case, with its dump wrapper removed: a listener's state
   * (`active_state.listener` for an active definition), `cluster`, `route_config`, `endpoint_config`.
   */
  resource(uri: string, def: Definition): Obj | undefined {
    const key = `${uri}\u0000${def.span.start}\u0000${def.kind}\u0000${def.state}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const raw = normalizeKeys(this.rawAt(uri, def.span.start, def.span.end));
    const v = isObj(raw) ? unwrap(def, raw) : undefined;
    this.cache.set(key, v);
    return v;
  }
}

const WRAPPER_KEY: Partial<Record<Definition['kind'], string>> = {
  listener: 'listener',
  cluster: 'cluster',
  routeConfig: 'route_config',
  endpoints: 'endpoint_config',
};

function unwrap(def: Definition, v: Obj): Obj {
  if (def.kind === 'listener') {
    const states: Array<[string, string]> = [
      ['active', 'active_state'],
      ['warming', 'warming_state'],
      ['draining', 'draining_state'],
    ];
    const own = states.find(([s]) => s === def.state);
    const order = own ? [own, ...states.filter((s) => s !== own)] : states;
    for (const [, k] of order) {
      const st = v[k];
      if (isObj(st) && isObj(st.listener)) return st.listener;
    }
  }
  const wk = WRAPPER_KEY[def.kind];
  if (wk && isObj(v[wk])) return v[wk] as Obj;
  return v;
}
