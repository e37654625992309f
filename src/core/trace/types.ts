/**
 * "Where does this request go?": the request a trace starts from and the hops it is made of. Plain data, offsets in
 * UTF-16 units like the rest of the core, so an editor can jump to each hop's definition.
 */
import type { Span } from '../model/types';

/** `outbound`: the application in the pod connects out; `inbound`: a client connects to the pod. */
export type TraceDirection = 'outbound' | 'inbound';

/** The HTTP part of a request; absent for a plain TCP connection. */
export interface TraceHttp {
  /** Host / :authority as the client sends it, port included when the client writes it (`ratings:9080`). */
  host: string;
  /** :path, query string included (`/ratings/0?x=1`). Default `/`. */
  path?: string;
  /** Default GET. */
  method?: string;
  /** `http` or `https`, for :scheme and `require_tls`. Default from `transport`. */
  scheme?: 'http' | 'https';
  /** Request headers; names are matched case-insensitively. A repeated header is one value joined with `,`. */
  headers?: Record<string, string>;
}

/** A connection (and, for HTTP, a request) to trace through one proxy's configuration. */
export interface TraceRequest {
  direction: TraceDirection;
  /** Destination IP. Unknown when omitted (a host name was given): only catch-all address matches apply. */
  address?: string;
  /** Destination port. */
  port: number;
  /** TLS server name (SNI) the client sends; implies `transport: 'tls'` when transport is not given. */
  sni?: string;
  /** What the connection carries: `raw_buffer` (plaintext) or `tls`. Default `tls` when `sni` is set, else `raw_buffer`. */
  transport?: 'raw_buffer' | 'tls';
  /**
   * Application protocols a listener filter can detect: ALPN offered in the TLS ClientHello (seen by the TLS inspector),
   * or what the HTTP inspector reports for plaintext (`http/1.1`, `http/1.0`, `h2c`). Default: `http/1.1` for plaintext
   * HTTP, none otherwise.
   */
  applicationProtocols?: string[];
  /** Source IP and port, for filter chains that match on them (unknown when omitted). */
  sourceAddress?: string;
  sourcePort?: number;
  http?: TraceHttp;
}

/** What a hop is: the definitions a request passes through. */
export type TraceHopKind = 'listener' | 'filterChain' | 'routeConfig' | 'virtualHost' | 'route' | 'cluster' | 'endpoints';

/** One step of the walk, with what matched and why. */
export interface TraceHop {
  kind: TraceHopKind;
  name: string;
  /** The file of the definition ('' when the hop has no definition, e.g. a cluster that is not in the dump). */
  uri: string;
  /** The definition's name span (UTF-16 offsets, from the Analysis); absent when there is no definition to show. */
  span?: Span;
  /** What matched and why: the deciding criterion, the action taken. */
  detail: string;
  /** Candidates Envoy passed over on the way, each with the reason. */
  rejected?: string[];
  /** For a weighted cluster (or aggregate) branch: which branch, e.g. `weight 20/100`. */
  branch?: string;
}

/** How the trace ends. */
export interface TraceOutcome {
  /** True when the request reaches an upstream (an endpoint, the original destination, a redirect or a 2xx/3xx answer). */
  ok: boolean;
  /**
   * Why it stops, Envoy's response code details where there are some: `route_not_found`, `cluster_not_found`,
   * `no_healthy_upstream`, `filter_chain_not_found`, `listener_not_found`, `direct_response`, `redirect`, `not_http`,
   * `ambiguous`, `not_traced`. Absent when the request reaches endpoints.
   */
  code?: string;
  /** The HTTP status Envoy answers with, when it answers itself (404, 503, a direct response's status). */
  status?: number;
  /** Envoy's response flag (`NR`, `NC`, `UH`). */
  flag?: string;
  /** One line: `→ 10.4.1.12:9080 (HEALTHY)` or `404 NR route_not_found: no virtual host … matches …; closest: …`. */
  message: string;
  /** What came closest, for dead ends (a domain, a route, a cluster name, a listener port). */
  closest?: string[];
}

/** A trace: the request as understood, every hop, and the outcome. */
export interface Trace {
  request: TraceRequest;
  hops: TraceHop[];
  outcome: TraceOutcome;
  /** Assumptions made on the way (an unknown destination IP, regexes Envoy would reject or that use the deprecated v2 grammar). */
  notes: string[];
}

/** Extra inputs for traces that cross files. */
export interface TraceOptions {
  /** The source of another file of the workspace (istioctl's per-type outputs are separate files). */
  sourceOf?: (uri: string) => string | Uint8Array | undefined;
}
