/**
 * Hover: what the name under the cursor is, what Istio's name says, its state and who uses it. Markdown out, in which
 * every string from a dump goes through mdText or mdCode (src/core/markdown.ts): the Markdown is ours, the text theirs.
 */
import { KIND_LABEL, KIND_PLURAL, describeOwner, isUsableStatus } from '../describe';
import { mdCode, mdText } from '../markdown';
import { EDGES } from '../model/edges';
import { describeIstioCluster, describeIstioListener, istioBuiltin } from '../istio';
import { certificateHoverLines } from './certificates';
import { pcRowOf } from './proxyConfig';
import { ResourceReader } from '../trace/resources';
import type { Analysis, DefKind, Definition, EndpointCounts, RefVia, Span } from '../model/types';
import type { DefHandle, Workspace } from '../workspace';

export interface Hover {
  markdown: string;
  span: Span;
  /** Where the hovered name is defined, for an adapter to turn into a link. */
  definitions: Array<{ uri: string; span: Span }>;
}


const code = mdCode;
const text = mdText;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
}

function endpointsLine(e: EndpointCounts): string {
  if (e.total === 0) return 'none';
  const others = Object.entries(e.byStatus)
    .filter(([s]) => !isUsableStatus(s))
    .map(([s, n]) => `${n} ${text(s)}`);
  const sample = e.sample.length ? ` — ${e.sample.map((s) => code(s)).join(', ')}${e.total > e.sample.length ? ', …' : ''}` : '';
  return `${e.total} · ${e.healthy} healthy${others.length ? ` · ${others.join(' · ')}` : ''}${sample}`;
}

function defLines(a: Analysis, d: Definition, ws: Workspace, uri: string): string[] {
  const lines: string[] = [];
  const i = d.info;
  const istio = d.kind === 'cluster' ? describeIstioCluster(d.name) : d.kind === 'listener' ? describeIstioListener(d.name) : undefined;
  if (istio) lines.push(text(istio), '');
  // The resource to change is the Istio one istiod generated this from, not the dump (issue 10 §6).
  if (i.istio) lines.push(`- from ${text(i.istio.kind)} ${code(`${i.istio.name}.${i.istio.namespace}`)}`);
  if (i.address) lines.push(`- address: ${code(i.address)}`);
  if (i.additionalAddresses?.length) lines.push(`- additional addresses: ${i.additionalAddresses.map((s) => code(s)).join(', ')}`);
  if (i.clusterType) lines.push(`- type: ${text(i.clusterType)}${i.edsName && i.edsName !== d.name ? ` (service_name ${code(i.edsName)})` : ''}`);
  if (i.chainMatch) lines.push(`- match: ${text(i.chainMatch)}`);
  if (i.filters?.length) lines.push(`- filters: ${i.filters.map((f) => text(f)).join(', ')}`);
  if (i.domains?.length) lines.push(`- domains: ${i.domains.map((s) => code(s)).join(', ')}`);
  if (i.match) lines.push(`- match: ${text(i.match)}`);
  if (i.action) lines.push(`- action: ${text(i.action)}`);
  const parent = d.parent >= 0 ? a.defs[d.parent] : undefined;
  if (parent) lines.push(`- in ${KIND_LABEL[parent.kind].toLowerCase()} ${code(parent.name)}`);
  lines.push(`- state: ${text(d.state)}${i.otherStates?.length ? ` (also ${i.otherStates.map((s) => text(s)).join(', ')})` : ''} · ${text(d.section)}`);
  if (d.versionInfo) lines.push(`- version_info: ${code(d.versionInfo)}`);
  if (d.lastUpdated) lines.push(`- last_updated: ${text(d.lastUpdated)}`);
  if (i.errorDetails) lines.push(`- **error**: ${text(i.errorDetails)}`);
  let endpoints = i.endpoints;
  let source = 'inline load_assignment';
  if (!endpoints && i.edsName) {
    const cla = ws.resolve(uri, 'endpoints', i.edsName)[0];
    if (cla) {
      endpoints = cla.def.info.endpoints;
      source = 'EDS';
    }
  }
  if (d.kind === 'listener' && d.section !== LISTENER_STATUSES) {
    // `/listeners?format=json` saved beside the dump: where the listener is really bound (port 0 resolved).
    const live = ws.defsElsewhere(uri, 'listener', d.name).find((h) => h.def.section === LISTENER_STATUSES);
    if (live?.def.info.address) {
      const all = [live.def.info.address, ...(live.def.info.additionalAddresses ?? [])];
      lines.push(`- bound to (/listeners): ${all.map((s) => code(s)).join(', ')}`);
    }
  }
  if (d.kind === 'cluster') {
    const live = ws.defsIn(uri, 'clusterStatus', d.name)[0] ?? ws.defsElsewhere(uri, 'clusterStatus', d.name)[0];
    if (live?.def.info.endpoints) lines.push(`- live endpoints (/clusters): ${endpointsLine(live.def.info.endpoints)}`);
  }
  if (endpoints) lines.push(`- endpoints${d.kind === 'cluster' ? ` (${source})` : ''}: ${endpointsLine(endpoints)}`);
  if (d.kind === 'secret') lines.push(...certificateHoverLines(a, d));
  return lines;
}

/** Section of the listeners read from admin `/listeners?format=json`. */
const LISTENER_STATUSES = 'listener_statuses';

function usedBy(ws: Workspace, defUri: string, kind: DefKind, name: string): string | undefined {
  // Counted as they are visited: a name such as PassthroughCluster has thousands of references.
  const byVia = new Map<RefVia, number>();
  const first: Array<{ uri: string; from: number }> = [];
  let n = 0;
  ws.visitReferencesTo(defUri, kind, name, (uri, _i, ref) => {
    if (ref.soft) return false;
    n++;
    byVia.set(ref.via, (byVia.get(ref.via) ?? 0) + 1);
    if (first.length < 3) first.push({ uri, from: ref.from });
    return false;
  });
  if (n === 0) return undefined;
  const parts = [...byVia].map(([via, count]) => plural(count, EDGES[via].label));
  const owners = first.map((r) => {
    const a = ws.get(r.uri);
    return a ? text(describeOwner(a, r.from)) : '';
  });
  return `- referenced by ${parts.join(', ')}${owners.length ? `: ${owners.join('; ')}${n > 3 ? '; …' : ''}` : ''}`;
}

/**
 * Where hover reads a listener's or cluster's own JSON to show its `istioctl proxy-config` row: the file's whole
 * source, or (JSON files) the text of one span. Without either, hover shows no row.
 */
export interface HoverOptions {
  sourceOf?: (uri: string) => string | Uint8Array | undefined;
  spanText?: (uri: string, start: number, end: number) => string | undefined;
}

/** The `pc listener` / `pc cluster` row of a definition, as a fenced block, when its resource can be read. */
function pcRowLines(ws: Workspace, h: DefHandle, options: HoverOptions): string[] {
  const kind = h.def.kind;
  if ((kind !== 'listener' && kind !== 'cluster') || (!options.sourceOf && !options.spanText)) return [];
  const reader = new ResourceReader((u) => ws.get(u), (u) => options.sourceOf?.(u), options.spanText);
  const resource = reader.resource(h.uri, h.def);
  const row = resource ? pcRowOf(kind, resource) : undefined;
  return row ? ['', `As \`istioctl proxy-config ${kind}\` prints it:`, '', '```text', row, '```'] : [];
}

/** Hover for the name at offset, or undefined when there is none. */
export function hoverAt(ws: Workspace, uri: string, offset: number, options: HoverOptions = {}): Hover | undefined {
  const a = ws.get(uri);
  if (!a) return undefined;
  const dyn = a.dynamicRefs.find((r) => r.span.start <= offset && offset <= r.span.end);
  if (dyn) {
    const how = dyn.via === 'cluster_header' ? `the request header ${code(dyn.value)}` : `the cluster specifier plugin ${code(dyn.value)}`;
    return {
      markdown: `**Cluster chosen at request time** from ${how}.\n\nIt cannot be resolved from the dump, so it is not checked.`,
      span: dyn.span,
      definitions: [],
    };
  }
  const d = ws.defAt(uri, offset);
  const r = d ? undefined : ws.refAt(uri, offset);
  if (!d && !r) return undefined;
  const kind = d ? d.def.kind : r!.ref.kind;
  const name = d ? d.def.name : r!.ref.name;
  const span = d ? d.def.nameSpan : r!.ref.span;
  const defs = d ? [d] : ws.resolve(uri, r!.ref.kind, r!.ref.name);
  const lines = [`**${KIND_LABEL[kind]}** ${code(name)}`, ''];
  if (defs.length === 0) {
    const builtin = kind === 'cluster' ? describeIstioCluster(name) : kind === 'secret' ? istioBuiltin('secret', name) : undefined;
    if (builtin && (kind === 'secret' || !name.includes('|'))) lines.push(text(builtin), '', 'Not defined in the open files; Istio always provides it.');
    else {
      if (builtin) lines.push(text(builtin), '');
      lines.push(`Not found among ${a.complete.has(kind) ? "this dump's" : "the open files'"} ${KIND_PLURAL[kind]}.`);
    }
  } else {
    const first = defs[0];
    const fa = ws.get(first.uri) ?? a;
    lines.push(...defLines(fa, first.def, ws, first.uri));
    const used = usedBy(ws, first.uri, kind, name);
    if (used) lines.push(used);
    if (defs.length > 1) lines.push(`- defined ${defs.length} times`);
    if (first.uri !== uri) lines.push(`- defined in ${code(first.uri)}`);
    lines.push(...pcRowLines(ws, first, options));
  }
  if (r && r.ref.kind === 'endpoints') {
    const cluster = r.ref.from >= 0 ? a.defs[r.ref.from] : undefined;
    if (cluster && cluster.name !== r.ref.name) lines.splice(1, 0, '', `EDS service name of cluster ${code(cluster.name)}.`);
  }
  return { markdown: lines.join('\n'), span, definitions: defs.map((h) => ({ uri: h.uri, span: h.def.nameSpan })) };
}
