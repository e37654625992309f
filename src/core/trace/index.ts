/** Request tracing: where a request goes through one proxy's configuration, hop by hop. */
export { traceRequest, nodeIpOf } from './engine';
export { applyHeaderChanges, fillValue, headerChanges, joinedHeaders, type HeaderChange, type HeaderLevel, type HeaderValues } from './headers';
export type { Trace, TraceHop, TraceHopKind, TraceOutcome, TraceRequest, TraceHttp, TraceDirection, TraceOptions } from './types';
export { selectFilterChain, type ChainChoice, type ConnectionInfo } from './filterChain';
export { selectVirtualHost, matchRoute, headerMatch, queryMatch, stringMatch, runRegex, regexRewrite, parseQuery, normalizePath, type RouteRequest, type RegexRun, type VhostChoice } from './http';
export { parseTarget, type TargetOptions } from './target';
export { parseAccessLog, directionOf, splitAddress, ACCESS_LOG_FORMATS, type AccessLogRecord, type AccessLogFormat, type AccessLogResult } from './accessLog';
export { requestFromLog, explainLog, type LogRequestResult, type LogRequestOptions, type LogDifference, type LogExplanation } from './explainLog';
