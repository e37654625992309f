/** The data model the index is made of: definitions and references with UTF-16 offsets, nothing editor-specific. */

/** A span of source text, UTF-16 offsets, end exclusive. */
export interface Span {
  start: number;
  end: number;
}

/** What a definition defines. References name the kind they point at. */
export type DefKind =
  | 'listener'
  | 'filterChain'
  | 'routeConfig'
  | 'virtualHost'
  | 'route'
  | 'cluster'
  | 'endpoints'
  | 'clusterStatus'
  | 'secret'
  | 'ecdsFilter'
  | 'scopedRoute';

/** The kinds a reference can point at (a subset of DefKind). */
export type RefKind = 'routeConfig' | 'cluster' | 'endpoints' | 'secret' | 'ecdsFilter';

/** Lifecycle state of a dumped resource. */
export type DefState = 'static' | 'active' | 'warming' | 'draining' | 'error' | 'inline';

/** Endpoint counts of a ClusterLoadAssignment, inline load_assignment or /clusters status. */
export interface EndpointCounts {
  total: number;
  healthy: number;
  /** Count by health status name (HEALTHY, UNHEALTHY, DRAINING, TIMEOUT, DEGRADED, UNKNOWN). */
  byStatus: Record<string, number>;
  /** The first few addresses, `ip:port` (all of them when analyzed with endpointSamples: Infinity). */
  sample: string[];
  /** Health status of each sampled address. */
  sampleStatus: string[];
}

export interface Definition {
  kind: DefKind;
  name: string;
  /** The name's value (for JSON including its quotes), or the object's start when unnamed. */
  nameSpan: Span;
  /** The whole definition (the resource object, or its dump wrapper for dynamic entries). */
  span: Span;
  /** Index (in Analysis.defs) of the enclosing definition: a filter chain's listener, a route's virtual host. */
  parent: number;
  state: DefState;
  /** Where in the dump it was found, Envoy's spelling: `dynamic_active_clusters`, `static_resources.clusters`. */
  section: string;
  /** Definitions of the bootstrap inside a full dump repeat the static sections: kept for navigation, not for duplicate checks. */
  group: 'main' | 'bootstrap';
  versionInfo?: string;
  lastUpdated?: string;
  /** Kind-specific facts shown on hover and used by checks. */
  info: DefInfo;
}

export interface DefInfo {
  /** cluster: discovery type (EDS, STATIC, STRICT_DNS, ORIGINAL_DST, …) or custom cluster_type name. */
  clusterType?: string;
  /** cluster of type EDS: the ClusterLoadAssignment name it asks for. */
  edsName?: string;
  /** cluster / endpoints / clusterStatus: endpoint counts. */
  endpoints?: EndpointCounts;
  /** listener: `address:port`. */
  address?: string;
  /** listener from `/listeners?format=json`: the other addresses it is bound to (`additional_local_addresses`). */
  additionalAddresses?: string[];
  /** listener in error_state: Envoy's details. */
  errorDetails?: string;
  /** listener: other states it is in besides `state` (a listener can be active and warming an update). */
  otherStates?: DefState[];
  /** virtualHost: its domains (the first 20). */
  domains?: string[];
  /** route: one-line match and action summaries. */
  match?: string;
  action?: string;
  /** filterChain: match summary. */
  chainMatch?: string;
  /** Filter names on a filter chain / route config owner. */
  filters?: string[];
  /** routeConfig: `validate_clusters` as written (Envoy defaults it to true for inline route configs). */
  validateClusters?: boolean;
  /**
   * The Istio resource this was generated from, as istiod records it in `metadata.filter_metadata.istio.config`
   * (routes, clusters, filter chains; listeners, route configurations and virtual hosts when present).
   */
  istio?: IstioConfigRef;
  /** secret: the certificates of its chain, trusted CA and SPIFFE trust bundles, in source order (src/core/x509.ts). */
  certificates?: CertificateInfo[];
}

/** An Istio resource by kind and name: `VirtualService` `reviews` in namespace `default`. */
export interface IstioConfigRef {
  /** Istio's kind name: `VirtualService`, `DestinationRule`, `Sidecar`, `Gateway`, `EnvoyFilter`, … */
  kind: string;
  namespace: string;
  name: string;
}

/** Where in a Secret a certificate was read (Envoy's field names). */
export type CertificateSource = 'certificate_chain' | 'trusted_ca' | 'trust_bundle';

/** One certificate of a secret, decoded at index time. Times are epoch milliseconds (UTC). */
export interface CertificateInfo {
  source: CertificateSource;
  /** trust_bundle: the trust domain of the SPIFFE validator entry (`trust_domains[].name`). */
  trustDomain?: string;
  /** Position in its PEM bundle, from 0 (the leaf of a chain is 0). */
  index: number;
  /** The data value it was read from (`inline_bytes` or `inline_string`). */
  span: Span;
  /** Why it could not be read; the fields below are then absent. */
  error?: string;
  subject?: string;
  issuer?: string;
  /** Lowercase hex, no leading zeros (Go's `%x`). */
  serial?: string;
  notBefore?: number;
  notAfter?: number;
  /** `URI:spiffe://…`, `DNS:…`, `IP:…`, `email:…`. */
  sans?: string[];
  isCA?: boolean;
  /** Certificates of the same bundle past the reader's cap (set on the last one read). */
  more?: number;
}

/** How a reference was written, which decides what Envoy does when it dangles. */
export type RefVia =
  | 'rds'
  | 'scoped-route'
  | 'route'
  | 'weighted-cluster'
  | 'mirror'
  | 'tcp-proxy'
  | 'tcp-weighted-cluster'
  | 'grpc-service'
  | 'http-uri'
  | 'tracing'
  | 'config-source'
  | 'aggregate'
  | 'local-cluster'
  | 'eds'
  | 'sds'
  | 'ecds'
  | 'health';

export interface Reference {
  kind: RefKind;
  name: string;
  /** The name's value span. */
  span: Span;
  via: RefVia;
  /** Index of the definition the reference sits in (-1 when none): the route, filter chain, listener or cluster. */
  from: number;
  /** Informational references (a /clusters status naming a cluster) never produce diagnostics. */
  soft?: boolean;
}

/** A cluster chosen at request time (`cluster_header`, `cluster_specifier_plugin`): recorded, never flagged. */
export interface DynamicRef {
  via: 'cluster_header' | 'cluster_specifier_plugin' | 'inline_cluster_specifier_plugin';
  /** The header name or plugin name. */
  value: string;
  span: Span;
  from: number;
}

/** Where a regex sits in a dump (Envoy's field names). */
export type RegexField =
  | 'safe_regex'
  | 'safe_regex_match'
  | 'regex_rewrite'
  /** Deprecated v2 fields Envoy ran with std::regex (ECMAScript grammar), not RE2. */
  | 'match.regex'
  | 'regex_match'
  | 'string_match.regex';

/** A regex written in a dump: a RegexMatcher's `regex` (RE2), or a deprecated v2 regex string (ECMAScript). */
export interface RegexSite {
  pattern: string;
  /** The pattern's string value (for JSON including its quotes). */
  span: Span;
  field: RegexField;
  dialect: 're2' | 'ecmascript';
  /** Why Envoy rejects it (RE2's or the ECMAScript grammar's reason); absent when it compiles. */
  error?: string;
}

/** The shapes of input the product recognizes. */
export type Shape =
  | 'config-dump'
  | 'config-dump-map'
  | 'config-dump-section'
  | 'wrapped-config-dump'
  | 'bootstrap'
  | 'istioctl-listeners'
  | 'istioctl-routes'
  | 'istioctl-clusters'
  | 'istioctl-endpoints'
  | 'clusters-status'
  | 'listener-statuses'
  | 'resource'
  | 'mixed'
  | 'unknown'
  | 'empty';

/** A problem found while parsing or recognizing the file itself (not a cross-reference check). */
export interface FileProblem {
  code: 'parse-error' | 'not-envoy';
  message: string;
  span: Span;
}

/** Everything the index knows of one file. Offsets are UTF-16. */
export interface Analysis {
  uri: string;
  format: 'json' | 'yaml';
  shape: Shape;
  /** Length of the source in UTF-16 code units. */
  length: number;
  defs: Definition[];
  /** Sorted by span.start. */
  refs: Reference[];
  dynamicRefs: DynamicRef[];
  /** Kinds whose complete set for the proxy is in this file, so a name missing here is really missing. */
  complete: Set<DefKind>;
  /** Kinds this file has a section for, complete or not. */
  sections: Set<DefKind>;
  /** Set when a full dump has EDS clusters but no EndpointsConfigDump (taken without ?include_eds). */
  noEdsSection?: Span;
  /** Every regex of the file, in source order (checked by `invalid-regex`). */
  regexes: RegexSite[];
  problems: FileProblem[];
}
