// Kubernetes object names, validated before they go into a URL path or a command's arguments.
// Rules from k8s.io/apimachinery/pkg/util/validation: namespaces and container names are RFC 1123
// labels, pod names are RFC 1123 subdomains.
import { KubeError } from './errors';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** True for an RFC 1123 label: lowercase alphanumerics and '-', starts and ends alphanumeric, at most 63 characters. */
export function isDnsLabel(value: string): boolean {
  return value.length >= 1 && value.length <= 63 && DNS_LABEL.test(value);
}

/** True for an RFC 1123 subdomain: dot-separated labels, at most 253 characters in all. */
export function isDnsSubdomain(value: string): boolean {
  return value.length >= 1 && value.length <= 253 && value.split('.').every(isDnsLabel);
}

/** What the name is used for, which decides the rule and the wording of the error. */
export type NameKind = 'namespace' | 'pod' | 'container';

/** Throws `invalid-name` unless `value` is a valid name of that kind; returns it otherwise. */
export function checkName(kind: NameKind, value: string): string {
  const ok = kind === 'pod' ? isDnsSubdomain(value) : isDnsLabel(value);
  if (!ok) {
    const rule = kind === 'pod'
      ? 'lowercase letters, digits, "-" and ".", at most 253 characters'
      : 'lowercase letters, digits and "-", at most 63 characters';
    throw new KubeError('invalid-name',
      `"${value.length > 80 ? `${value.slice(0, 80)}…` : value}" is not a valid ${kind} name (${rule}); check the name and try again.`,
      `${kind} name rejected: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Throws `invalid-option` unless `port` is a TCP port number. */
export function checkPort(port: number, option = '--admin-port'): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new KubeError('invalid-option', `${String(port)} is not a valid admin port (1-65535); fix ${option}.`);
  }
  return port;
}

/** UTC time as it appears in a fetched dump's file name: `20261122T103000Z`. */
export function fileTimestamp(when: Date): string {
  return when.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
