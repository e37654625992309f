/**
 * The upstream stage of a trace: a cluster resolved by name (warming, missing, Istio built-ins, weighted and aggregate
 * clusters) and the endpoints Envoy balances over (EDS, load_assignment, live /clusters health, panic threshold,
 * ORIGINAL_DST and other cluster types).
 */
import { isUsableStatus } from '../describe';
import { istioBuiltin } from '../istio';
import { closest } from './closest';
import type { Handle, Result, TraceContext } from './context';
import { num, strs } from './filterChain';
import { splitHostPort } from './http';
import { isObj, type Obj } from './resources';
import { objs, socketAddress, str } from './values';


/**
 * The weighted branch Envoy picks for a random value: the first whose running sum of weights exceeds
 * `random % total` (total: the sum of the weights). Undefined when the weights sum to 0.
 */
export function pickWeighted(weights: number[], random: number): number | undefined {
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) return undefined;
  const at = random % total;
  let end = 0;
  for (let i = 0; i < weights.length; i++) {
    end += weights[i];
    if (at < end) return i;
  }
  return undefined;
}

/** The name of a weighted branch: `name`, or the value of its `cluster_header`. */
export function weightedName(cx: TraceContext, wc: Obj): string | undefined {
  const name = str(wc.name);
  if (name !== undefined) return name;
  return typeof wc.cluster_header === 'string' ? cx.headerValue(wc.cluster_header) : undefined;
}

/** Follows weighted clusters: every branch, or only the one `picked` (by the request's random value). */
export function weightedClusters(cx: TraceContext, wcs: Obj[], totalWeight: number | undefined, from: Handle, http: boolean, notFound: number, picked?: number): Result {
  const weights = wcs.map((w) => num(w.weight) ?? 0);
  const total = totalWeight ?? weights.reduce((s, w) => s + w, 0);
  const results: Array<{ name: string; weight: number; r: Result }> = [];
  wcs.forEach((wc, i) => {
    if (picked !== undefined && i !== picked) return;
    const weight = weights[i];
    const branch = `weight ${weight}/${total}`;
    const name = weightedName(cx, wc);
    if (name === undefined) {
      cx.hop('cluster', '(unnamed)', undefined, 'weighted cluster without a name', { branch });
      results.push({ name: '(unnamed)', weight, r: { ok: false, code: 'cluster_not_found', status: http ? notFound : undefined, flag: 'NC', text: 'a weighted cluster has no name' } });
      return;
    }
    results.push({ name, weight, r: toCluster(cx, name, from, http, notFound, branch) });
  });
  const pct = (w: number) => (total > 0 ? `${Math.round((1000 * w) / total) / 10}%` : `weight ${w}`);
  if (picked !== undefined) {
    const one = results[0];
    if (!one) return { ok: false, code: 'not_traced', text: 'the random value picks no weighted cluster' };
    // The cluster hop carries the branch; the outcome is that branch's.
    return one.r;
  }
  const live = results.filter((x) => x.weight > 0);
  const failing = live.find((x) => !x.r.ok);
  if (!failing) {
    return { ok: true, text: live.map((x) => `${pct(x.weight)} ${x.name} → ${x.r.short ?? x.r.text}`).join('; ') };
  }
  const others = live
    .filter((x) => x !== failing)
    .map((x) => (x.r.ok ? `${pct(x.weight)} → ${x.r.short ?? x.r.text}` : `${pct(x.weight)} ✗ ${x.r.code ?? 'fails'} (${x.name})`));
  return {
    ...failing.r,
    scope: `for ${pct(failing.weight)} of requests (weight ${failing.weight} of ${total})`,
    text: `${failing.r.text}${others.length ? `; the other ${others.join('; ')}` : ''}`,
  };
}

/** Resolves a cluster by name (as seen from `from`'s file) and follows it to its endpoints. */
export function toCluster(cx: TraceContext, name: string, from: Handle, http: boolean, notFound: number, branch?: string): Result {
  const r = followCluster(cx, name, from, http, notFound, branch);
  return r.cluster ? r : { ...r, cluster: name };
}

function followCluster(cx: TraceContext, name: string, from: Handle, http: boolean, notFound: number, branch?: string): Result {
  const defs = cx.ws.resolve(from.uri, 'cluster', name);
  const serving = defs.find((d) => (d.def.state === 'active' || d.def.state === 'static') && d.def.group === 'main') ??
    defs.find((d) => d.def.state === 'active' || d.def.state === 'static');
  const nc = (text: string, closestNames?: string[]): Result => ({
    ok: false,
    code: 'cluster_not_found',
    status: http ? notFound : undefined,
    flag: 'NC',
    text: http ? text : `${text}; Envoy closes the connection`,
    closest: closestNames,
  });
  if (!serving) {
    const warming = defs.find((d) => d.def.state === 'warming');
    if (warming) {
      cx.hop('cluster', name, warming, 'warming: Envoy has not finished initializing it and does not use it yet', { branch });
      return nc(`cluster "${name}" is still warming`);
    }
    if (!cx.ws.isChecked(from.uri, 'cluster')) {
      cx.hop('cluster', name, undefined, 'not in the given files', { branch });
      const builtin = istioBuiltin('cluster', name);
      if (builtin) {
        return { ok: true, text: `${name} (${builtin})` };
      }
      return { ok: false, code: 'not_traced', text: `cluster "${name}" is not in the given files (add the cluster output, e.g. istioctl pc cluster -o json)` };
    }
    cx.hop('cluster', name, undefined, "not among this dump's clusters", { branch });
    if (cx.validatesClusters && http) {
      cx.note(`Envoy rejects an inline route configuration (and its listener) naming a cluster unknown when it loads, unless validate_clusters is false; a cluster "${name}" removed after loading gets 503 NC, as traced.`);
    }
    return nc(`cluster "${name}" is not among this dump's clusters`, closest(name, cx.allNames('cluster'), 3));
  }
  const c = cx.reader.resource(serving.uri, serving.def) ?? {};
  const type = serving.def.info.clusterType ?? 'STATIC';
  const hop = cx.hop('cluster', name, serving, `type ${type}`, { branch });
  if (type === 'EDS' && serving.def.info.edsName && serving.def.info.edsName !== name) hop.detail += `, EDS service_name ${serving.def.info.edsName}`;
  const builtin = istioBuiltin('cluster', name);
  if (builtin) hop.detail += ` (${builtin})`;
  return endpoints(cx, name, serving, c, type, http, branch);
}

function endpoints(cx: TraceContext, name: string, cl: Handle, c: Obj, type: string, http: boolean, branch?: string): Result {
  const uh = (text: string): Result => ({
    ok: false,
    code: 'no_healthy_upstream',
    status: http ? 503 : undefined,
    flag: 'UH',
    text: http ? text : `${text}; Envoy closes the connection`,
  });
  if (type === 'ORIGINAL_DST') {
    const lb = isObj(c.original_dst_lb_config) ? c.original_dst_lb_config : {};
    if (http && lb.use_http_header === true) {
      const hdr = str(lb.http_header_name) ?? 'x-envoy-original-dst-host';
      const v = cx.headerValue(hdr);
      if (v) return { ok: true, text: `${v} (ORIGINAL_DST: from header ${hdr})`, endpoint: v };
    }
    const dst = `${cx.dstIp ?? '(IP unknown)'}:${cx.req.port}`;
    return {
      ok: true,
      text: `original destination ${dst} (ORIGINAL_DST: the address the client connected to)`,
      short: `original destination ${dst}`,
      ...(cx.dstIp ? { endpoint: dst } : {}),
    };
  }
  if (isObj(c.cluster_type)) {
    const ct = str(c.cluster_type.name) ?? 'custom';
    const cfg = isObj(c.cluster_type.typed_config) ? c.cluster_type.typed_config : {};
    if (ct.includes('aggregate')) {
      const members = strs(cfg.clusters);
      for (const m of members) {
        const r = toCluster(cx, m, cl, http, 503, `aggregate ${name}`);
        if (r.ok) return r;
      }
      return uh(`no cluster of aggregate cluster "${name}" (${members.join(', ')}) has a usable endpoint`);
    }
    if (ct.includes('dynamic_forward_proxy')) {
      return { ok: true, text: `${cx.req.http ? splitHostPort(cx.req.http.host).host : cx.req.sni ?? '(the requested host)'} resolved by DNS (dynamic forward proxy cluster)` };
    }
    return { ok: true, text: `cluster "${name}" (custom cluster type ${ct}: the extension chooses the endpoint)` };
  }
  let eps: Endpoint[] | undefined;
  let source: Handle | undefined;
  let sourceName = name;
  if (type === 'EDS') {
    const eds = cl.def.info.edsName ?? name;
    sourceName = eds;
    const cla = cx.ws.resolve(cl.uri, 'endpoints', eds);
    const pick = cla.find((d) => d.def.group === 'main') ?? cla[0];
    if (pick) {
      source = pick;
      eps = endpointsOf(cx.reader.resource(pick.uri, pick.def));
    }
  } else if (isObj(c.load_assignment)) {
    eps = endpointsOf(c.load_assignment);
  } else if (Array.isArray(c.hosts)) {
    eps = objs(c.hosts).map((h) => ({ address: socketAddress(h)?.text ?? '?', status: 'UNKNOWN', priority: 0 }));
  } else {
    eps = [];
  }
  // Live health from /clusters?format=json, when it is in the workspace.
  const live = liveStatus(cx, name);
  if (live) {
    const counts = live.def.info.endpoints!;
    const sample = counts.sample.map((address, i) => ({ address, status: counts.sampleStatus[i] ?? 'HEALTHY', priority: 0 }));
    cx.hop('endpoints', name, live, `live /clusters status: ${counts.total} endpoint${counts.total === 1 ? '' : 's'}, ${counts.healthy} healthy${counts.sample.length < counts.total ? ` (first ${counts.sample.length} listed)` : ''}`, { branch });
    if (eps === undefined || eps.length === 0 || counts.total > 0) eps = sample.length === counts.total ? sample : eps ?? sample;
  }
  if (eps === undefined) {
    const checked = cx.ws.isChecked(cl.uri, 'endpoints');
    const noEds = !!cx.ws.get(cl.uri)?.noEdsSection;
    const missing = noEds ? 'the dump was taken without ?include_eds' : 'no endpoints section in the given files';
    cx.hop('endpoints', sourceName, undefined, checked ? "no ClusterLoadAssignment among the dump's endpoints" : `not in the dump (${missing})`, { branch });
    if (checked) {
      return uh(`EDS cluster "${name}" has no ClusterLoadAssignment "${sourceName}" in the dump's endpoints, so it has no endpoints`);
    }
    cx.note(
      noEds
        ? 'The dump has no endpoints section (taken without ?include_eds): EDS endpoints and their health are unknown.'
        : 'No endpoints section in the given files (add a dump taken with ?include_eds, or istioctl pc endpoint output): EDS endpoints and their health are unknown.',
    );
    return { ok: true, text: `cluster "${name}" (endpoints unknown: ${missing})`, short: `cluster "${name}" (endpoints unknown)` };
  }
  const threshold = panicThreshold(c);
  const pick = choose(eps, threshold);
  const shown = eps.slice(0, 5).map((e) => `${e.address} ${e.status}${e.priority ? ` (priority ${e.priority})` : ''}`);
  const healthy = eps.filter((e) => isUsableStatus(e.status)).length;
  const epDetail = `${eps.length} endpoint${eps.length === 1 ? '' : 's'}, ${healthy} healthy${shown.length ? `: ${shown.join(', ')}${eps.length > 5 ? `, … ${eps.length - 5} more` : ''}` : ''}`;
  if (!live) {
    const where = source ?? cl;
    cx.hop('endpoints', source ? source.def.name : `${name} (load_assignment)`, where, epDetail, { branch });
  }
  if (pick.hosts.length === 0) {
    if (name === 'BlackHoleCluster') {
      return uh(`BlackHoleCluster has no endpoints by design: Istio sends here what it must drop (outboundTrafficPolicy REGISTRY_ONLY, or traffic to the pod's own IP)`);
    }
    return uh(eps.length === 0 ? `cluster "${name}" has no endpoints` : `cluster "${name}" has no healthy endpoint (${epDetail}) and its panic threshold is 0`);
  }
  const dns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS' ? ', resolved by DNS' : '';
  const list = pick.hosts.slice(0, 3).map((e) => `${e.address} (${e.status}${dns})`).join(', ');
  const more = pick.hosts.length > 3 ? ` and ${pick.hosts.length - 3} more` : '';
  const panic = pick.panic
    ? ` — panic mode: ${pick.available} of ${pick.total} endpoints available is below the ${threshold}% panic threshold, so Envoy balances over all of them regardless of health`
    : '';
  return {
    ok: true,
    text: `${list}${more}${panic}`,
    short: `${list}${more}${pick.panic ? ' in panic mode' : ''}`,
    ...(pick.hosts.length === 1 ? { endpoint: pick.hosts[0].address } : {}),
  };
}

function liveStatus(cx: TraceContext, name: string): Handle | undefined {
  for (const a of cx.ws.all()) {
    const i = a.defs.findIndex((d) => d.kind === 'clusterStatus' && d.name === name && d.info.endpoints);
    if (i >= 0) return { uri: a.uri, index: i, def: a.defs[i] };
  }
  return undefined;
}

interface Endpoint {
  address: string;
  status: string;
  priority: number;
}

function endpointsOf(cla: Obj | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const loc of objs(cla?.endpoints)) {
    const priority = num(loc.priority) ?? 0;
    for (const lb of objs(loc.lb_endpoints)) {
      const ep = isObj(lb.endpoint) ? lb.endpoint : {};
      out.push({ address: socketAddress(ep.address)?.text ?? '?', status: str(lb.health_status) ?? 'UNKNOWN', priority });
    }
  }
  return out;
}

/** `common_lb_config.healthy_panic_threshold` in percent (default 50). */
function panicThreshold(c: Obj): number {
  const clb = isObj(c.common_lb_config) ? c.common_lb_config : {};
  const t = num(clb.healthy_panic_threshold);
  return t === undefined ? 50 : t;
}

/**
 * The hosts Envoy balances over: those of the first priority with available (healthy or degraded) hosts; all hosts of
 * that priority when the available share is below the panic threshold; with no available host anywhere, all hosts of
 * the first priority (panic) unless the threshold is 0.
 */
function choose(eps: Endpoint[], threshold: number): { hosts: Endpoint[]; panic: boolean; available: number; total: number } {
  if (eps.length === 0) return { hosts: [], panic: false, available: 0, total: 0 };
  const priorities = [...new Set(eps.map((e) => e.priority))].sort((a, b) => a - b);
  for (const p of priorities) {
    const hosts = eps.filter((e) => e.priority === p);
    const healthy = hosts.filter((e) => isUsableStatus(e.status));
    const degraded = hosts.filter((e) => e.status === 'DEGRADED');
    const available = healthy.length + degraded.length;
    if (available === 0) continue;
    if ((100 * available) / hosts.length < threshold) return { hosts, panic: true, available, total: hosts.length };
    return { hosts: healthy.length ? healthy : degraded, panic: false, available, total: hosts.length };
  }
  const first = eps.filter((e) => e.priority === priorities[0]);
  if (threshold > 0) return { hosts: first, panic: true, available: 0, total: first.length };
  return { hosts: [], panic: false, available: 0, total: first.length };
}
