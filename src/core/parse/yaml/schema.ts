/**
 * YAML syntax facts both parse paths share (the fast scanner and the composer walk): character codes, the longest
 * implicit key the `yaml` package accepts, and scalar resolution per the YAML 1.2 core schema (kinds, number values,
 * and the JS object key `yaml.parse` makes of a plain key).
 */

import { KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_STRING, KIND_TRUE } from '../tape';

export const TAB = 9, LF = 10, CR = 13, SP = 32, BANG = 33, DQ = 34, HASH = 35, PCT = 37, AMP = 38, SQ = 39, STAR = 42,
  PLUS = 43, COMMA = 44, DASH = 45, DOT = 46, COLON = 58, GT = 62, QMARK = 63, AT = 64, LBRACK = 91, BSL = 92,
  RBRACK = 93, BTICK = 96, LBRACE = 123, PIPE = 124, RBRACE = 125;

/** Longest implicit key the `yaml` package accepts. */
export const MAX_IMPLICIT_KEY = 1024;

export function isBlank(c: number): boolean {
  return c === SP || c === TAB || c === LF || c === CR;
}

const NUMBER_RE =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const DECIMAL_INT_RE = /^[-+]?[0-9]+$/;

/** Kind of the plain scalar text[s, e) per the YAML 1.2 core schema. */
export function plainKind(t: string, s: number, e: number): number {
  const c = t.charCodeAt(s);
  const len = e - s;
  switch (c) {
    case 0x74: // t
    case 0x54: // T
      return len === 4 && (t.startsWith('true', s) || t.startsWith('True', s) || t.startsWith('TRUE', s))
        ? KIND_TRUE : KIND_STRING;
    case 0x66: // f
    case 0x46: // F
      return len === 5 && (t.startsWith('false', s) || t.startsWith('False', s) || t.startsWith('FALSE', s))
        ? KIND_FALSE : KIND_STRING;
    case 0x6e: // n
    case 0x4e: // N
      return len === 4 && (t.startsWith('null', s) || t.startsWith('Null', s) || t.startsWith('NULL', s))
        ? KIND_NULL : KIND_STRING;
    case 0x7e: // ~
      return len === 1 ? KIND_NULL : KIND_STRING;
    case 0x2b: case 0x2d: case 0x2e: // + - .
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37: case 0x38: case 0x39:
      return NUMBER_RE.test(t.slice(s, e)) ? KIND_NUMBER : KIND_STRING;
    default:
      return KIND_STRING;
  }
}

/** Value of a core-schema number literal, computed as the `yaml` package does. */
export function numberValue(src: string): number {
  const c1 = src.charCodeAt(1);
  if (src.charCodeAt(0) === 0x30 && (c1 === 0x6f || c1 === 0x78)) return parseInt(src.slice(2), c1 === 0x6f ? 8 : 16);
  const last = src.charCodeAt(src.length - 1);
  if (last === 0x6e || last === 0x4e) return NaN; // .nan
  if (last === 0x66 || last === 0x46) return src.charCodeAt(0) === 0x2d ? -Infinity : Infinity; // .inf
  if (DECIMAL_INT_RE.test(src)) return parseInt(src, 10);
  return parseFloat(src);
}

/** The JS object key `yaml.parse` makes of the plain key text[s, e). */
export function plainKeyString(t: string, s: number, e: number): string {
  switch (plainKind(t, s, e)) {
    case KIND_NULL: return '';
    case KIND_TRUE: return 'true';
    case KIND_FALSE: return 'false';
    case KIND_NUMBER: return String(numberValue(t.slice(s, e)));
    default: return t.slice(s, e);
  }
}
