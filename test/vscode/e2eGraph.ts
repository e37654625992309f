/**
 * The traffic graph as a user sees it, in a real VS Code (code-server) driven through headless chromium:
 *  1. load the extension as a development extension (E2E_EXTENSION_PATH, default the project root) and open
 *     sidecar.json from the Explorer;
 *  2. run "Envoy: Show Traffic Graph" from the Command Palette and wait for the webview's SVG;
 *  3. filter by name in the webview, then click the ratings cluster: the editor's cursor lands on its definition;
 *  4. screenshot into test-output/graph.png (and media/graph.png with UPDATE_SCREENSHOT=1);
 *  5. "Envoy: Trace Request…" through its input box and direction pick: the Envoy Trace view shows the outcome and
 *     the hops (test-output/trace.png).
 *
 *   node out/test/vscode/e2eGraph.js
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { launchBrowser, log, makeWorkspace, OUTPUT, remoteUri, ROOT, startServer, testEnv, workbenchUrl, type Server } from './harness';
import { check, StepRecorder, until } from './steps';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const rec = new StepRecorder();
const results = rec.results;
const since = () => rec.since();
const step = (name: string, fn: () => Promise<string | void>) => rec.step(name, fn);

async function cursor(page: Page): Promise<{ line: number; col: number } | undefined> {
  const text = await page.locator('#status\\.editor\\.selection').innerText({ timeout: 2000 }).catch(() => '');
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  return m ? { line: +m[1], col: +m[2] } : undefined;
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

/** The webview's content: VS Code nests it in an outer iframe and an inner #active-frame. */
function webview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

async function main(): Promise<number> {
  const extPath = path.resolve(process.env.E2E_EXTENSION_PATH || ROOT);
  const env = testEnv();
  mkdirSync(OUTPUT, { recursive: true });
  const fixture = readFileSync(path.join(ROOT, 'test', 'fixtures', 'sidecar.json'), 'utf8');
  const defAt = fixture.indexOf(`"name": "${RATINGS}"`);
  check(defAt >= 0, 'the ratings cluster is in the fixture');
  const defLine = fixture.slice(0, defAt).split('\n').length;

  let server: Server | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const workspace = makeWorkspace();
  let page: Page | undefined;
  try {
    server = await startServer({ env, settings: { 'workbench.editor.enablePreview': false, 'files.autoSave': 'off' } });
    log('e2eGraph', `code-server ${server.url} (${since()})`);
    browser = await launchBrowser(env, { width: 1600, height: 1000 });
    page = browser.page;
    const p = page;
    await p.goto(workbenchUrl(server, workspace, [['extensionDevelopmentPath', remoteUri(server, extPath)], ['skipWelcome', 'true']]));

    await step('open sidecar.json from the Explorer', async () => {
      await p.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      const row = p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^sidecar\.json$/ }).first();
      await row.waitFor({ timeout: 60_000 });
      await row.dblclick();
      await p.locator('.tabs-container .tab.active', { hasText: 'sidecar.json' }).waitFor({ timeout: 30_000 });
      const item = p.locator('.statusbar-item', { hasText: /Envoy/ }).first();
      await item.waitFor({ timeout: 60_000 });
      return (await item.innerText()).replace(/\s+/g, ' ').trim();
    });

    await step('Envoy: Show Traffic Graph draws the SVG', async () => {
      await runCommand(p, 'Envoy: Show Traffic Graph');
      const svg = webview(p).locator('svg#svg');
      await svg.waitFor({ state: 'visible', timeout: 60_000 });
      const nodes = await until('graph nodes', async () => {
        const n = await webview(p).locator('g.node').count();
        return n > 0 ? n : undefined;
      });
      const status = await webview(p).locator('#status').innerText();
      check(/nodes shown/.test(status), `status line: ${status}`);
      for (const name of ['virtualInbound', '0.0.0.0_9080', RATINGS, '10.4.1.12:9080']) {
        check((await webview(p).locator('g.node', { hasText: name.slice(0, 30) }).count()) > 0, `a node for ${name}`);
      }
      return `${nodes} nodes; ${status}`;
    });

    const shot = path.join(OUTPUT, 'graph.png');
    await step('screenshot of the graph', async () => {
      // Room for the graph: hide the side bar.
      await runCommand(p, 'View: Close Primary Side Bar');
      await p.locator('.part.sidebar').waitFor({ state: 'hidden', timeout: 10_000 });
      await p.screenshot({ path: shot });
      if (process.env.UPDATE_SCREENSHOT === '1') {
        copyFileSync(shot, path.join(ROOT, 'media', 'graph.png'));
        return `${path.relative(ROOT, shot)}, copied to media/graph.png`;
      }
      return path.relative(ROOT, shot);
    });

    await step('the filter narrows the graph to ratings and its neighbours', async () => {
      const before = await webview(p).locator('g.node').count();
      await webview(p).locator('#filter').fill('ratings');
      const after = await until('fewer nodes', async () => {
        const n = await webview(p).locator('g.node').count();
        return n > 0 && n < before ? n : undefined;
      });
      await p.screenshot({ path: path.join(OUTPUT, 'graph-filtered.png') });
      return `${before} → ${after} nodes`;
    });

    await step(`clicking the ratings cluster reveals its definition (line ${defLine})`, async () => {
      await webview(p).locator('g.node.cluster', { hasText: 'outbound|9080||ratings' }).first().click();
      const at = await until('the cursor on the definition', async () => {
        const c = await cursor(p);
        return c && c.line === defLine ? c : undefined;
      });
      return `Ln ${at.line}, Col ${at.col}`;
    });

    await step('Envoy: Trace Request… with the input box and the direction pick shows the outcome and hops', async () => {
      await p.locator('.tabs-container .tab', { hasText: 'sidecar.json' }).first().click();
      await runCommand(p, 'Envoy: Trace Request');
      const input = p.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill('http://ratings:9080/ratings/0');
      await p.keyboard.press('Enter');
      await p.locator('.quick-input-list .monaco-list-row', { hasText: 'Outbound' }).first().waitFor({ timeout: 10_000 });
      await p.keyboard.press('Enter');
      const outcome = p.locator('.monaco-list-row', { hasText: 'Reached' }).first();
      await outcome.waitFor({ timeout: 30_000 });
      const text = (await outcome.innerText()).replace(/\s+/g, ' ');
      check(text.includes('10.4.1.12:9080'), `outcome row: ${text}`);
      // The first hops (the list is virtualized: rows below the fold are not rendered).
      check((await p.locator('.monaco-list-row', { hasText: 'listener virtualOutbound' }).count()) > 0, 'a hop row for virtualOutbound');
      await p.screenshot({ path: path.join(OUTPUT, 'trace.png') });
      return text;
    });
    return 0;
  } catch {
    if (page) await page.screenshot({ path: path.join(OUTPUT, 'graph-failure.png') }).catch(() => undefined);
    if (server) {
      writeFileSync(path.join(OUTPUT, 'graph-server.log'), server.output());
      console.log(`[e2eGraph] failure screenshot and server log in ${path.relative(ROOT, OUTPUT)}/`);
    }
    return 1;
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true, maxRetries: 3 });
    const passed = results.filter((r) => r.ok).length;
    console.log(`[e2eGraph] done in ${since()}`);
    console.log(`e2eGraph: ${passed} passed, ${results.length - passed} failed`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error('[e2eGraph]', e.stack ?? e.message);
    process.exit(3);
  },
);
