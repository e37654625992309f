/**
 * `http://ratings:9080/ratings/0`, `https://…`, `tcp://10.0.0.5:3306`, `tls://host:443` or `10.0.0.5:3306` → a
 * TraceRequest. The Host header is the URL's authority as written (port included when written), the destination IP
 * is known only when the host is an IP address, and https/tls send the host as SNI (not for IP addresses, RFC 6066).
 */
import { parseIp } from './ip';
import type { TraceDirection, TraceRequest } from './types';

export interface TargetOptions {
  direction?: TraceDirection;
  method?: string;
  /** Request headers; `host` / `:authority` replace the Host header taken from the URL. */
  headers?: Record<string, string>;
  /** SNI to send (makes the connection TLS). */
  sni?: string;
  /** Application protocols (ALPN for TLS; what the HTTP inspector detects for plaintext). */
  alpn?: string[];
}

const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };

/** Parses a trace target; throws an Error with a one-sentence message when it is not one. */
export function parseTarget(to: string, opts: TargetOptions = {}): TraceRequest {
  const text = to.trim();
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(text);
  const scheme = m ? m[1].toLowerCase() : 'tcp';
  if (!['http', 'https', 'tcp', 'tls'].includes(scheme)) {
    throw new Error(`Unsupported scheme "${scheme}" in "${to}": use http://, https://, tcp://, tls:// or HOST:PORT.`);
  }
  const rest = m ? m[2] : text;
  const cut = rest.search(/[/?#]/);
  let authority = cut < 0 ? rest : rest.slice(0, cut);
  let path = cut < 0 ? '' : rest.slice(cut);
  const at = authority.lastIndexOf('@');
  if (at >= 0) authority = authority.slice(at + 1);
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(authority);
  if (v6) {
    host = v6[1];
    portText = v6[2];
  } else {
    const colon = authority.lastIndexOf(':');
    if (colon >= 0 && authority.indexOf(':') === colon) {
      host = authority.slice(0, colon);
      portText = authority.slice(colon + 1);
    } else if (colon >= 0 && parseIp(authority)) {
      host = authority; // a bare IPv6 address
    } else {
      host = authority;
    }
  }
  if (!host) throw new Error(`No host in "${to}".`);
  if (portText !== undefined && !/^\d{1,5}$/.test(portText)) throw new Error(`Bad port "${portText}" in "${to}".`);
  const port = portText ? Number(portText) : DEFAULT_PORT[scheme];
  if (port === undefined) throw new Error(`"${to}" needs a port (${scheme === 'tcp' ? 'tcp://HOST:PORT or HOST:PORT' : `${scheme}://HOST:PORT`}).`);
  if (port < 1 || port > 65535) throw new Error(`Port ${port} in "${to}" is out of range.`);
  const isHttp = scheme === 'http' || scheme === 'https';
  if (!isHttp && path !== '' && path !== '/') throw new Error(`A ${scheme} target has no path: "${to}".`);
  const ip = parseIp(host);
  const tls = scheme === 'https' || scheme === 'tls' || opts.sni !== undefined;
  const req: TraceRequest = { direction: opts.direction ?? 'outbound', port };
  if (ip) req.address = host;
  if (tls) {
    req.transport = 'tls';
    const sni = opts.sni ?? (ip ? undefined : host.toLowerCase());
    if (sni) req.sni = sni;
  } else req.transport = 'raw_buffer';
  if (opts.alpn) req.applicationProtocols = opts.alpn;
  else if (scheme === 'https') req.applicationProtocols = ['h2', 'http/1.1'];
  if (isHttp) {
    if (path === '' || path.startsWith('?')) path = `/${path}`;
    const hashAt = path.indexOf('#');
    if (hashAt >= 0) path = path.slice(0, hashAt);
    const headers: Record<string, string> = {};
    let hostHeader = v6 ? `[${host}]${portText ? `:${portText}` : ''}` : `${host}${portText ? `:${portText}` : ''}`;
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      const lk = k.toLowerCase();
      if (lk === 'host' || lk === ':authority') hostHeader = v;
      else headers[lk] = v;
    }
    req.http = { host: hostHeader, path, method: (opts.method ?? 'GET').toUpperCase(), scheme: scheme === 'https' || tls ? 'https' : 'http', headers };
  }
  return req;
}
