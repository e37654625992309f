/**
 * Walks one request through a proxy's configuration the way Envoy does: the listener of the destination address
 * (Istio's virtualOutbound / virtualInbound hand connections over by their original destination), the filter chain,
 * the HTTP connection manager's route configuration, virtual host and route, or tcp_proxy, then the cluster and its
 * endpoints. Every hop says what matched and why; a dead end says what Envoy answers and what came closest.
 *
 * This module is the orchestrator: it sets up the trace (context.ts), runs the stages (listener.ts → route.ts →
 * upstream.ts) and phrases how the request ends.
 */
import type { Workspace } from '../workspace';
import { TraceContext, type Result } from './context';
import { traceFromListener } from './listener';
import type { Trace, TraceOptions, TraceOutcome, TraceRequest } from './types';

export { nodeIpOf } from './listener';

/** Traces a request through the proxy configuration of `uri` (other files of `ws` resolve names it lacks). */
export function traceRequest(
  ws: Workspace,
  uri: string,
  source: string | Uint8Array,
  req: TraceRequest,
  options: TraceOptions = {},
): Trace {
  const cx = new TraceContext(ws, uri, source, req, options);
  const outcome = phrase(traceFromListener(cx));
  return { request: cx.req, hops: cx.hops, outcome, notes: cx.notes };
}

/** The outcome as the trace reports it, from how the request ended. */
function phrase(r: Result): TraceOutcome {
  const code = r.code ?? 'forwarded';
  const out: TraceOutcome = { ok: r.ok, code, message: '' };
  if (r.status !== undefined) out.status = r.status;
  if (r.flag) out.flag = r.flag;
  // Envoy's response code details when it answers itself; a redirect is one of its direct responses.
  if (r.status !== undefined) out.details = code === 'redirect' ? 'direct_response' : code;
  if (r.location) out.location = r.location;
  if (r.cluster) out.cluster = r.cluster;
  if (r.endpoint) out.endpoint = r.endpoint;
  if (r.closest?.length) out.closest = r.closest;
  if (r.ok) out.message = `→ ${r.text}`;
  else {
    const head = [r.status, r.flag, r.code].filter((x) => x !== undefined && x !== '').join(' ');
    out.message = `${head}${r.scope ? ` ${r.scope}` : ''}: ${r.text}${r.closest?.length ? `; closest: ${r.closest.join(', ')}` : ''}`;
  }
  return out;
}
