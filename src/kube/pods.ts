// Which pods run Envoy, and whether their config dump can be fetched right now. Pure functions on the
// client's V1Pod shape, so they are tested without a cluster.
import type { V1Container, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';

/** Name of the container that runs pilot-agent and Envoy, in sidecars, gateways and waypoints alike. */
export const ENVOY_CONTAINER = 'istio-proxy';
export const DEFAULT_ADMIN_PORT = 15000;

/** How the proxy is deployed. */
export type EnvoyRole = 'sidecar' | 'native-sidecar' | 'gateway' | 'waypoint';

/** A pod running Envoy, as shown in a picker. */
export interface EnvoyPod {
  readonly name: string;
  readonly namespace: string;
  readonly role: EnvoyRole;
  readonly container: string;
  /** Pod phase: Pending, Running, Succeeded, Failed, Unknown. */
  readonly phase: string;
  /** The istio-proxy container passes its readiness probe. */
  readonly ready: boolean;
  /** The istio-proxy container is running, so its admin port can be asked. */
  readonly fetchable: boolean;
  /** Why the dump cannot be fetched (set when fetchable is false), or a caveat (e.g. "terminating"). */
  readonly reason?: string;
  /** Admin port from the proxy.istio.io/config annotation's proxyAdminPort, else 15000. */
  readonly adminPort: number;
  readonly labels: Readonly<Record<string, string>>;
  /** The controller that owns the pod (its ownerReference with controller: true), e.g. a ReplicaSet; undefined for a
   *  bare pod. Pods with the same owner are replicas of one workload. */
  readonly owner?: { readonly kind: string; readonly name: string };
}

/** The istio-proxy container of a pod: a regular container, or a native sidecar (init container with restartPolicy Always). */
export function findEnvoyContainer(pod: V1Pod): { container: V1Container; native: boolean } | undefined {
  const regular = pod.spec?.containers?.find((c) => c.name === ENVOY_CONTAINER);
  if (regular) return { container: regular, native: false };
  // Kubernetes native sidecars (1.28+), used by Istio when ENABLE_NATIVE_SIDECARS is on.
  const init = pod.spec?.initContainers?.find((c) => c.name === ENVOY_CONTAINER && c.restartPolicy === 'Always');
  return init ? { container: init, native: true } : undefined;
}

/** Describes a pod if it runs Envoy; undefined otherwise. */
export function describeEnvoyPod(pod: V1Pod): EnvoyPod | undefined {
  const found = findEnvoyContainer(pod);
  if (!found) return undefined;
  const labels = pod.metadata?.labels ?? {};
  const phase = pod.status?.phase ?? 'Unknown';
  const statuses = found.native ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
  const status = statuses?.find((s) => s.name === ENVOY_CONTAINER);
  const running = status?.state?.running !== undefined;
  let reason: string | undefined;
  if (phase !== 'Running') {
    reason = `the pod is ${phase}${status ? ` (istio-proxy ${stateText(status)})` : ''}`;
  } else if (!running) {
    reason = `istio-proxy is ${status ? stateText(status) : 'not reported yet'}`;
  } else if (pod.metadata?.deletionTimestamp) {
    reason = 'the pod is terminating';
  }
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? '',
    role: roleOf(found.container, found.native, labels),
    container: ENVOY_CONTAINER,
    phase,
    ready: status?.ready === true,
    fetchable: phase === 'Running' && running,
    reason,
    adminPort: adminPortOf(pod),
    labels,
    ...ownerOf(pod),
  };
}

function ownerOf(pod: V1Pod): { owner?: { kind: string; name: string } } {
  const refs = pod.metadata?.ownerReferences ?? [];
  const ref = refs.find((r) => r.controller === true) ?? (refs.length === 1 ? refs[0] : undefined);
  return ref?.kind && ref.name ? { owner: { kind: ref.kind, name: ref.name } } : {};
}

/** Short state of a container status, e.g. "waiting (CrashLoopBackOff)". */
export function stateText(status: V1ContainerStatus): string {
  const s = status.state;
  if (s?.running) return 'running';
  if (s?.waiting) return `waiting${s.waiting.reason ? ` (${s.waiting.reason})` : ''}`;
  if (s?.terminated) return `terminated${s.terminated.reason ? ` (${s.terminated.reason})` : ''}`;
  return 'in an unknown state';
}

function roleOf(container: V1Container, native: boolean, labels: Record<string, string>): EnvoyRole {
  // pilot-agent's second argument says what it runs: `proxy sidecar`, `proxy router` (gateways), `proxy waypoint`.
  const args = container.args ?? [];
  const kind = args[0] === 'proxy' ? args[1] : undefined;
  if (kind === 'waypoint' || labels['gateway.networking.k8s.io/gateway-class-name'] === 'istio-waypoint'
    || labels['istio.io/gateway-name'] !== undefined && labels['gateway.istio.io/managed'] === 'istio.io-mesh-controller') {
    return 'waypoint';
  }
  if (kind === 'router' || labels['gateway.networking.k8s.io/gateway-name'] !== undefined
    || /gateway$/.test(labels.istio ?? '')) {
    return 'gateway';
  }
  return native ? 'native-sidecar' : 'sidecar';
}

function adminPortOf(pod: V1Pod): number {
  // proxy.istio.io/config holds a ProxyConfig in YAML; only proxyAdminPort matters here.
  const config = pod.metadata?.annotations?.['proxy.istio.io/config'];
  const m = config ? /(?:^|[\s{,])"?proxyAdminPort"?\s*:\s*(\d{1,5})\b/.exec(config) : null;
  const port = m ? Number(m[1]) : DEFAULT_ADMIN_PORT;
  return port >= 1 && port <= 65535 ? port : DEFAULT_ADMIN_PORT;
}

