/**
 * The pod a command was invoked on from the Kubernetes extension's Cluster Explorer
 * (ms-kubernetes-tools.vscode-kubernetes-tools). Its public API (vscode-kubernetes-tools-api, component
 * "clusterexplorer" v1) turns the raw tree node into `{ nodeType: 'resource', namespace, name, resourceKind }`;
 * without the API the node is read by its shape (ClusterExplorerResourceNode: kind, namespace, name or id, metadata).
 * Nothing here is imported from that extension: it is optional, and only its documented API is called.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { log } from './log';

export const KUBERNETES_EXTENSION_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';

/** A pod from the explorer; namespace undefined means "the context's namespace". */
export interface ExplorerPod {
  readonly namespace: string | undefined;
  readonly pod: string;
}

interface ApiBroker {
  get(component: string, version: string): Promise<{ available: true; api: unknown } | { available: false; reason?: string }>;
}

interface ResourceNode {
  readonly nodeType?: string;
  readonly namespace?: string | null;
  readonly name?: string;
  readonly id?: string;
  readonly resourceKind?: { readonly manifestKind?: string; readonly abbreviation?: string };
  readonly kind?: { readonly manifestKind?: string; readonly abbreviation?: string };
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly impl?: unknown;
}

async function kubernetesApi<T>(component: string, version: string): Promise<T | undefined> {
  const ext = vscode.extensions.getExtension<ApiBroker>(KUBERNETES_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    const broker = await ext.activate();
    const answer = await broker?.get(component, version);
    return answer?.available ? (answer.api as T) : undefined;
  } catch (e) {
    log().warn(`[fetch] the Kubernetes extension's ${component} ${version} API is not available: ${(e as Error)?.message ?? String(e)}`);
    return undefined;
  }
}

/** The pod behind a Cluster Explorer node, or undefined when the argument is not a pod node. */
export async function explorerPod(target: unknown): Promise<ExplorerPod | undefined> {
  if (typeof target !== 'object' || target === null) return undefined;
  const explorer = await kubernetesApi<{ resolveCommandTarget(t: unknown): unknown }>('clusterexplorer', 'v1');
  const resolved = explorer?.resolveCommandTarget(target);
  return fromNode((resolved ?? target) as ResourceNode);
}

function fromNode(node: ResourceNode, depth = 0): ExplorerPod | undefined {
  const kind = node.resourceKind ?? node.kind;
  const isPod = kind?.manifestKind === 'Pod' || kind?.abbreviation === 'pod' || kind?.abbreviation === 'po';
  const name = node.name ?? node.metadata?.name ?? node.id;
  if (isPod && typeof name === 'string' && name !== '') {
    const namespace = node.namespace ?? node.metadata?.namespace ?? undefined;
    return { namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined, pod: name };
  }
  // Older releases hand over a wrapper whose `impl` is the node.
  if (depth === 0 && typeof node.impl === 'object' && node.impl !== null) return fromNode(node.impl as ResourceNode, 1);
  return undefined;
}

/**
 * The kubeconfig the Kubernetes extension uses (configuration v1), so that "the current context" is the one its
 * explorer shows; undefined when it is not installed, runs kubectl in WSL, or points at a missing file.
 */
export async function explorerKubeconfig(): Promise<string | undefined> {
  const config = await kubernetesApi<{ getKubeconfigPath(): { pathType: string; hostPath?: string } }>('configuration', 'v1');
  try {
    const p = config?.getKubeconfigPath();
    if (p?.pathType !== 'host' || !p.hostPath) return undefined;
    const first = p.hostPath.split(path.delimiter)[0];
    return fs.existsSync(first) ? p.hostPath : undefined;
  } catch {
    return undefined;
  }
}
