/**
 * "Where does this request go?": the request a trace starts from and the hops it is made of. Plain data, offsets in
 * UTF-16 units like the rest of the core, so an editor can jump to each hop's definition.
 */
import type { IstioConfigRef, Span } from '../model/types';
import type { HeaderChange } from './headers';

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
  /**
   * Envoy's random value for this request (a non-negative integer): picks the weighted cluster `N % total weight`
   * falls in, and settles runtime fractions (`N % denominator < numerator`). Unknown when omitted: every weighted
   * branch is followed, and a runtime fraction between 0 % and 100 % is not taken (with a note saying its share).
   */
  randomValue?: number;
  /** Runtime values by key, in percent (0–100), for `runtime_fraction` route matches; they override the default share. */
  runtime?: Record<string, number>;
  /** Dynamic metadata by namespace (filter name), for `dynamic_metadata` route matches. None when omitted. */
  dynamicMetadata?: Record<string, unknown>;
  /** The request is internal (`x-envoy-internal: true`), for `require_tls: EXTERNAL_ONLY`. */
  internal?: boolean;
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
  /** On the route hop: what the route does with the request. */
  route?: TraceRoute;
  /** The Istio resource the hop's definition was generated from (`metadata.filter_metadata.istio.config`). */
  istio?: IstioConfigRef;
}

/** What a route's action is. */
export type TraceRouteAction =
  | 'cluster'
  | 'weighted_clusters'
  | 'cluster_header'
  | 'cluster_specifier_plugin'
  | 'redirect'
  | 'direct_response'
  | 'non_forwarding';

/** The route hop's report (field names are a contract for scripts). */
export interface TraceRoute {
  /** The route's position in its virtual host, 0-based. */
  index: number;
  action: TraceRouteAction;
  /** The cluster: named by the route, taken from the header (`cluster_header`), or the weighted branch picked. */
  cluster?: string;
  /** The weighted branches, as configured. */
  weighted?: Array<{ cluster: string; weight: number }>;
  /** The weighted branch chosen by the request's random value (`randomValue`). */
  picked?: string;
  /**
   * `:path` and `:authority` as Envoy sends them upstream after every rewrite (the request's own when none applies);
   * `headers`, when the route changes some (or Envoy strips `internal_only_headers`), the request's headers as sent
   * upstream after those changes (lower-case names, a repeated header's values joined with `,`).
   */
  forwarded: { path: string; host: string; headers?: Record<string, string> };
  redirect?: { status: number; location: string };
  /** `headers`: those of Envoy's answer (content-type and content-length for a body, then the route's changes). */
  directResponse?: { status: number; headers?: Record<string, string> };
  /**
   * What the route's levels add to and remove from the request and the response (`request_headers_to_add` /
   * `_remove`, `response_headers_to_add` / `_remove`), in the order Envoy applies them; present when a level has some.
   * Request changes are listed only for routes that forward.
   */
  headers?: { request: HeaderChange[]; response: HeaderChange[] };
  /** The route's timeout (`timeout`; 15000 when unset, 0 for none), for forwarding actions. */
  timeoutMs?: number;
  /** The virtual host's virtual cluster the request falls in: `other` when the virtual host has some and none matches, `""` when it has none. */
  virtualCluster: string;
}

/** How the trace ends (field names are a contract for scripts). */
export interface TraceOutcome {
  /** True when the request reaches an upstream (an endpoint, the original destination, a redirect or a 2xx/3xx answer). */
  ok: boolean;
  /**
   * How it ends: `forwarded` (it reaches the upstream), or why it stops: `route_not_found`, `cluster_not_found`,
   * `no_healthy_upstream`, `filter_chain_not_found`, `listener_not_found`, `direct_response`, `redirect`, `not_http`,
   * `ambiguous`, `not_traced`.
   */
  code: string;
  /** The HTTP status Envoy answers with, when it answers itself (404, 503, 301, a direct response's status). */
  status?: number;
  /** Envoy's response flag (`NR`, `NC`, `UH`). */
  flag?: string;
  /** Envoy's response code details (`route_not_found`, `cluster_not_found`, `no_healthy_upstream`, `direct_response`), when Envoy answers itself. */
  details?: string;
  /** A redirect's Location. */
  location?: string;
  /** The cluster the request lands on (for weighted clusters, the branch picked by the random value or the one that fails). */
  cluster?: string;
  /** The upstream endpoint (`IP:PORT`), when there is a single one to go to. */
  endpoint?: string;
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
