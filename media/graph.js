// @ts-check
// The Envoy traffic graph webview: lays out listener → route configuration → cluster → endpoint as SVG, one column
// per kind, inbound above outbound; filters by name; shows at most MAX nodes. No remote content, no inline handlers.
(function () {
  // eslint-disable-next-line no-undef
  const vscode = acquireVsCodeApi();
  const MAX = 200;
  const KINDS = ['listener', 'routeConfig', 'cluster', 'endpoint'];
  const TITLES = { listener: 'Listeners', routeConfig: 'Route configurations', cluster: 'Clusters', endpoint: 'Endpoints' };
  const COL_W = 240;
  const NODE_W = 215;
  const NODE_H = 26;
  const GAP = 8;
  const SVG = 'http://www.w3.org/2000/svg';
  const filterBox = /** @type {HTMLInputElement} */ (document.getElementById('filter'));
  const status = /** @type {HTMLElement} */ (document.getElementById('status'));
  const host = /** @type {HTMLElement} */ (document.getElementById('graph'));
  /** @type {{title: string, nodes: any[], edges: [number, number][]} | undefined} */
  let graph;
  /** @type {Map<number, number[]>} */
  let adj = new Map();

  function el(name, attrs, parent) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  }

  /** The nodes to show: those matching the filter plus their direct neighbours; the first MAX by kind order. */
  function select() {
    if (!graph) return { shown: [], total: 0, matched: 0 };
    const q = filterBox.value.trim().toLowerCase();
    let picked;
    if (!q) picked = graph.nodes;
    else {
      const set = new Set();
      for (const n of graph.nodes) {
        if (n.name.toLowerCase().includes(q)) {
          set.add(n.id);
          for (const m of adj.get(n.id) || []) set.add(m);
        }
      }
      picked = graph.nodes.filter((n) => set.has(n.id));
    }
    const order = (n) => KINDS.indexOf(n.kind);
    const sorted = picked.slice().sort((a, b) => order(a) - order(b) || a.id - b.id);
    return { shown: sorted.slice(0, MAX), total: graph.nodes.length, matched: picked.length };
  }

  function render() {
    host.textContent = '';
    if (!graph) return;
    const { shown, total, matched } = select();
    const hidden = total - shown.length;
    status.textContent =
      `${graph.title}: ${shown.length} of ${total} nodes shown` +
      (hidden > 0 ? ` — ${hidden} hidden${matched > shown.length ? ', type in the filter to narrow down' : ' by the filter'}` : '');
    status.className = hidden > 0 ? 'hidden-note' : '';
    const visible = new Set(shown.map((n) => n.id));
    const pos = new Map();
    let y0 = 30;
    const svgH = [];
    const svg = el('svg', { xmlns: SVG, id: 'svg', role: 'img', 'aria-label': 'Envoy traffic graph' });
    const edgeLayer = el('g', { class: 'edges' }, svg);
    const nodeLayer = el('g', { class: 'nodes' }, svg);
    for (const side of ['inbound', 'outbound']) {
      const sideNodes = shown.filter((n) => n.side === side);
      if (sideNodes.length === 0) continue;
      const label = el('text', { x: 10, y: y0, class: 'side' }, nodeLayer);
      label.textContent = side === 'inbound' ? 'Inbound (to the pod)' : 'Outbound (from the app)';
      y0 += 12;
      let bottom = y0;
      KINDS.forEach((kind, col) => {
        const x = 10 + col * COL_W;
        const head = el('text', { x, y: y0 + 14, class: 'col' }, nodeLayer);
        head.textContent = TITLES[kind];
        let y = y0 + 24;
        for (const n of sideNodes) {
          if (n.kind !== kind) continue;
          pos.set(n.id, { x, y });
          const g = el('g', { class: `node ${n.kind}${n.missing ? ' missing' : ''}${n.uri ? ' link' : ''}`, 'data-id': n.id, tabindex: n.uri ? 0 : -1 }, nodeLayer);
          el('rect', { x, y, width: NODE_W, height: NODE_H, rx: 4 }, g);
          const t = el('text', { x: x + 8, y: y + 17 }, g);
          const text = n.name + (n.detail ? ` · ${n.detail}` : '');
          t.textContent = text.length > 33 ? `${text.slice(0, 32)}…` : text;
          const title = el('title', {}, g);
          title.textContent = `${n.kind} ${n.name}${n.detail ? `\n${n.detail}` : ''}${n.missing ? '\nnot in the dump' : ''}`;
          y += NODE_H + GAP;
        }
        bottom = Math.max(bottom, y);
      });
      y0 = bottom + 30;
      svgH.push(y0);
    }
    for (const [a, b] of graph.edges) {
      if (!visible.has(a) || !visible.has(b)) continue;
      const p = pos.get(a);
      const q = pos.get(b);
      if (!p || !q) continue;
      const x1 = p.x + NODE_W;
      const y1 = p.y + NODE_H / 2;
      const x2 = q.x;
      const y2 = q.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      el('path', { d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, 'data-from': a, 'data-to': b }, edgeLayer);
    }
    // Natural size, scaled down to the panel's width (CSS max-width) so all four columns stay visible.
    const w = 10 + KINDS.length * COL_W;
    const h = Math.max(60, y0);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(h));
    host.appendChild(svg);
  }

  function reveal(target) {
    const g = target instanceof Element ? target.closest('g.node') : null;
    if (!g || !graph) return;
    const n = graph.nodes[Number(g.getAttribute('data-id'))];
    // The extension looks the node up in the graph it sent: the page names a node, never a place.
    if (n && n.uri) vscode.postMessage({ type: 'reveal', id: n.id });
  }

  host.addEventListener('click', (e) => reveal(e.target));
  host.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') reveal(e.target);
  });
  let timer;
  filterBox.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      vscode.setState({ filter: filterBox.value });
      render();
    }, 150);
  });
  window.addEventListener('message', (e) => {
    const m = e.data;
    if (m && m.type === 'graph') {
      graph = m.graph;
      adj = new Map();
      for (const [a, b] of graph.edges) {
        (adj.get(a) || adj.set(a, []).get(a)).push(b);
        (adj.get(b) || adj.set(b, []).get(b)).push(a);
      }
      render();
    }
  });
  const state = vscode.getState();
  if (state && state.filter) filterBox.value = state.filter;
  vscode.postMessage({ type: 'ready' });
})();
