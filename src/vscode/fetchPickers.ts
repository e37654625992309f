/**
 * The three steps of "Fetch Config Dump from Pod…": context → namespace → pod, as one multi-step input with Back
 * buttons. Each list loads while its picker is already showing (busy), and closing the picker aborts the call.
 * When RBAC forbids listing namespaces or pods, the step becomes an input box that says so.
 */
import * as vscode from 'vscode';
import {
  KubeConfigError, SETTING_OPTION_NAMES, isDnsLabel, isDnsSubdomain, isKubeError, type EnvoyPod, type EnvoyRole, type KubeAccess,
} from '../kube';
import { log } from './log';

/** A pod to fetch from. */
export interface FetchTarget {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
}

const BACK = Symbol('back');
type Answer<T> = T | typeof BACK | undefined;

interface Item<T> extends vscode.QuickPickItem {
  readonly value?: T;
}

interface StepOptions {
  readonly title: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly back: boolean;
}

const ROLE: Record<EnvoyRole, string> = {
  sidecar: 'sidecar',
  'native-sidecar': 'native sidecar',
  gateway: 'gateway',
  waypoint: 'waypoint',
};

/**
 * Asks for a pod, preselecting `last`. Resolves undefined when the user closes a picker; a failed listing
 * (unauthorized, unreachable, …) rejects with the kube layer's error.
 */
export async function pickTarget(
  kube: KubeAccess,
  last: Partial<FetchTarget> | undefined,
  timeoutMs: number,
  options: { title?: string; namespaceOnly?: boolean } = {},
): Promise<FetchTarget | undefined> {
  const contexts = kube.listContexts();
  if (contexts.length === 0) {
    throw new KubeConfigError('unknown-context', `The kubeconfig (${kube.files.join(', ') || kube.source}) defines no context; log in to a cluster first.`);
  }
  // One context: nothing to choose, so the namespace is the first step.
  const skipContext = contexts.length === 1;
  // Without the pod step (Check Pods in Namespace), the namespace is the last step; `pod` is then ''.
  const totalSteps = (skipContext ? 2 : 3) - (options.namespaceOnly ? 1 : 0);
  let context: string | undefined;
  let namespace: string | undefined;
  let step: 'context' | 'namespace' | 'pod' = skipContext ? 'namespace' : 'context';
  if (skipContext) context = contexts[0].name;

  for (;;) {
    const base = { title: options.title ?? 'Fetch Config Dump from Pod', totalSteps };
    if (step === 'context') {
      const preferred = contexts.find((c) => c.name === last?.context) ?? contexts.find((c) => c.current);
      const answer = await pick<string>({ ...base, step: 1, back: false }, 'Pick a kubeconfig context', async () => contexts.map((c) => ({
        label: c.name,
        description: [c.current ? 'current' : '', c.namespace ? `namespace ${c.namespace}` : ''].filter(Boolean).join(' · '),
        detail: c.server ? `${c.cluster} · ${c.server}` : c.cluster,
        iconPath: new vscode.ThemeIcon(c.current ? 'check' : 'cloud'),
        value: c.name,
        picked: c === preferred,
      })));
      if (answer === undefined || answer === BACK) return undefined;
      context = answer;
      step = 'namespace';
    } else if (step === 'namespace') {
      const ctx = context!;
      const n = skipContext ? 1 : 2;
      let notice: { text: string; value: string } | undefined;
      const answer = await pick<string>({ ...base, step: n, back: !skipContext }, `Pick a namespace of context "${ctx}"`, async (signal) => {
        const list = await kube.listNamespaces(ctx, { signal, timeoutMs, names: SETTING_OPTION_NAMES });
        const preferred = last?.context === ctx && last.namespace ? last.namespace : list.defaultNamespace;
        if (!list.listed) {
          if (list.detail) log().warn(`[fetch] listing namespaces of "${ctx}" is forbidden: ${list.detail}`);
          notice = { text: list.notice ?? `You may not list namespaces in context "${ctx}"; type the namespace instead.`, value: preferred };
          return undefined;
        }
        return list.namespaces.map((ns) => ({ label: ns, value: ns, iconPath: new vscode.ThemeIcon('folder'), picked: ns === preferred }));
      });
      const typed = notice && answer === undefined
        ? await input({ ...base, step: n, back: !skipContext }, notice.text, notice.value, (v) =>
          isDnsLabel(v) ? undefined : 'A namespace name is a DNS label: lowercase letters, digits and "-", at most 63 characters.')
        : answer;
      if (typed === undefined) return undefined;
      if (typed === BACK) {
        step = 'context';
        continue;
      }
      namespace = typed;
      if (options.namespaceOnly) return { context: ctx, namespace, pod: '' };
      step = 'pod';
    } else {
      const ctx = context!;
      const ns = namespace!;
      const n = skipContext ? 2 : 3;
      let forbidden: string | undefined;
      const preferred = last?.context === ctx && last.namespace === ns ? last.pod : undefined;
      const answer = await pick<EnvoyPod>({ ...base, step: n, back: true }, `Pick a pod running Envoy in namespace "${ns}"`, async (signal) => {
        try {
          const pods = await kube.listEnvoyPods(ctx, ns, { signal, timeoutMs, names: SETTING_OPTION_NAMES });
          return pods.map((p) => podItem(p, p.name === preferred));
        } catch (e) {
          if (isKubeError(e) && e.code === 'forbidden-list') {
            log().warn(`[fetch] ${e.message} ${e.detail}`);
            forbidden = e.message;
            return undefined;
          }
          throw e;
        }
      }, (p) => {
        if (p.fetchable) return undefined;
        // Shown instead of a fetch that could only fail.
        return `The config dump of pod "${p.name}" cannot be fetched now because ${p.reason ?? `the pod is ${p.phase}`}; wait until its istio-proxy is running or pick another pod.`;
      }, `No pod in namespace "${ns}" runs Envoy (an istio-proxy sidecar, gateway or waypoint); go back and pick another namespace.`);
      if (answer === BACK) {
        step = 'namespace';
        continue;
      }
      if (answer !== undefined) return { context: ctx, namespace: ns, pod: answer.name };
      if (!forbidden) return undefined;
      const typed = await input({ ...base, step: n, back: true }, forbidden, preferred ?? '', (v) =>
        isDnsSubdomain(v) ? undefined : 'A pod name is a DNS subdomain: lowercase letters, digits, "-" and ".".');
      if (typed === undefined) return undefined;
      if (typed === BACK) {
        step = 'namespace';
        continue;
      }
      return { context: ctx, namespace: ns, pod: typed };
    }
  }
}

function podItem(p: EnvoyPod, picked: boolean): Item<EnvoyPod> {
  const state = [ROLE[p.role], p.phase, p.fetchable ? (p.ready ? 'ready' : 'not ready') : 'cannot fetch'].join(' · ');
  return {
    label: p.name,
    description: state,
    detail: p.reason ? `${p.fetchable ? '' : 'Cannot fetch: '}${p.reason}` : undefined,
    iconPath: new vscode.ThemeIcon(!p.fetchable ? 'circle-slash' : p.ready ? 'pass' : 'warning'),
    value: p,
    picked,
  };
}

/**
 * One QuickPick step. `load` runs while the picker shows as busy; it returns undefined to end the step with no
 * answer (the caller then asks with an input box). `refuse` returns a sentence for an item that must not be
 * accepted: it is shown as a warning and the picker stays open.
 */
function pick<T>(opts: StepOptions, placeholder: string, load: (signal: AbortSignal) => Promise<Item<T>[] | undefined>,
  refuse?: (value: T) => string | undefined, emptyText?: string): Promise<Answer<T>> {
  const qp = vscode.window.createQuickPick<Item<T>>();
  qp.title = opts.title;
  qp.step = opts.step;
  qp.totalSteps = opts.totalSteps;
  qp.placeholder = placeholder;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.ignoreFocusOut = true;
  qp.buttons = opts.back ? [vscode.QuickInputButtons.Back] : [];
  qp.busy = true;
  const abort = new AbortController();
  return new Promise<Answer<T>>((resolve, reject) => {
    let settled = false;
    const finish = (value: Answer<T>, error?: unknown): void => {
      if (settled) return;
      settled = true;
      for (const d of subs) d.dispose();
      abort.abort();
      qp.dispose();
      if (error !== undefined) reject(error);
      else resolve(value);
    };
    const subs = [
      qp.onDidTriggerButton((b) => { if (b === vscode.QuickInputButtons.Back) finish(BACK); }),
      qp.onDidHide(() => finish(undefined)),
      qp.onDidAccept(() => {
        const value = qp.selectedItems[0]?.value;
        if (value === undefined) return;
        const why = refuse?.(value);
        if (why) {
          void vscode.window.showWarningMessage(why);
          return;
        }
        finish(value);
      }),
    ];
    qp.show();
    load(abort.signal).then((items) => {
      if (settled) return;
      if (items === undefined) return finish(undefined);
      qp.items = items;
      const active = items.filter((i) => i.picked);
      if (active.length) qp.activeItems = active;
      if (items.length === 0 && emptyText) qp.placeholder = emptyText;
      qp.busy = false;
    }, (e: unknown) => {
      // Closing the picker aborts the call: that rejection is not news.
      if (settled) return;
      finish(undefined, e);
    });
  });
}

/** One input box step, for a name the user has to type. */
function input(opts: StepOptions, prompt: string, value: string, validate: (v: string) => string | undefined): Promise<Answer<string>> {
  const box = vscode.window.createInputBox();
  box.title = opts.title;
  box.step = opts.step;
  box.totalSteps = opts.totalSteps;
  box.prompt = prompt;
  box.value = value;
  box.ignoreFocusOut = true;
  box.buttons = opts.back ? [vscode.QuickInputButtons.Back] : [];
  return new Promise<Answer<string>>((resolve) => {
    let settled = false;
    const finish = (answer: Answer<string>): void => {
      if (settled) return;
      settled = true;
      for (const d of subs) d.dispose();
      box.dispose();
      resolve(answer);
    };
    const subs = [
      box.onDidTriggerButton((b) => { if (b === vscode.QuickInputButtons.Back) finish(BACK); }),
      box.onDidHide(() => finish(undefined)),
      box.onDidChangeValue((v) => { box.validationMessage = v.trim() === '' ? undefined : validate(v.trim()); }),
      box.onDidAccept(() => {
        const v = box.value.trim();
        const why = v === '' ? 'Type a name.' : validate(v);
        if (why) box.validationMessage = why;
        else finish(v);
      }),
    ];
    box.show();
  });
}
