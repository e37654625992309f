/** Typed reads of config values (JSON-like objects materialized by ResourceReader) the trace stages share. */
import { num } from './filterChain';
import { isObj, type Obj } from './resources';

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const objs = (v: unknown): Obj[] => arr(v).filter(isObj);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A bool or a BoolValue wrapper (`{ value: true }`). */
export function bool(v: unknown): boolean {
  return v === true || (isObj(v) && v.value === true);
}

/** A bool or BoolValue as written (`false`, `{ value: false }`), or undefined when unset: for fields whose default is not false. */
export function boolValue(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (isObj(v) && typeof v.value === 'boolean') return v.value;
  return undefined;
}

export function socketAddress(v: unknown): { ip?: string; port?: number; text: string } | undefined {
  if (!isObj(v)) return undefined;
  const sa = v.socket_address;
  if (isObj(sa)) {
    const ip = str(sa.address);
    const port = num(sa.port_value);
    return { ip, port, text: `${ip ?? ''}${port !== undefined ? `:${port}` : ''}` };
  }
  if (isObj(v.pipe)) return { text: str(v.pipe.path) ?? 'pipe' };
  return undefined;
}

/** A protobuf Duration (`"1.5s"` in JSON, `{ seconds, nanos }` as an object) in milliseconds. */
export function durationMs(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const m = /^\s*(-?\d+(?:\.\d+)?)s\s*$/.exec(v);
    return m ? Math.round(Number(m[1]) * 1000) : undefined;
  }
  if (isObj(v)) {
    const s = num(v.seconds) ?? 0;
    const n = num(v.nanos) ?? 0;
    return Math.round(s * 1000 + n / 1e6);
  }
  return undefined;
}
