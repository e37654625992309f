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
