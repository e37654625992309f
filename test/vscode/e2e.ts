/**
 * The extension as a user sees it, in a real VS Code (code-server) driven through headless chromium:
 *  1. `npm run package` makes the VSIX, and code-server installs it offline into a scratch extensions folder
 *     (E2E_EXTENSION=dev loads the project as a development extension instead, without packaging);
 *  2. open sidecar.json from the Explorer; hover the cluster name of route "default" and read the hover widget;
 *  3. F12 on it: the cursor lands on the cluster's definition (read from the status bar "Ln X, Col Y");
 *  4. the Problems panel lists the dangling mirror cluster as unknown-cluster;
 *  5. screenshots into test-output/ (and media/screenshot.png with UPDATE_SCREENSHOT=1).
 *
 *   node out/test/vscode/e2e.js
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import {
  codeServerCli, EXTENSION_ID, extensionBuilt, launchBrowser, log, makeWorkspace, OUTPUT, remoteUri, ROOT, scratch,
  startServer, testEnv, workbenchUrl, type Server,
} from './harness';
import { check, StepRecorder, until } from './steps';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const MIRROR = 'outbound|9080||mirror.default.svc.cluster.local';
const rec = new StepRecorder();
const results = rec.results;
const since = () => rec.since();
const step = (name: string, fn: () => Promise<string | void>) => rec.step(name, fn);

/** 1-based line and column of `needle` (+ offset into it) in a fixture. */
function lineCol(text: string, needle: string, into = 0): { line: number; col: number } {
  const i = text.indexOf(needle);
  check(i >= 0, `${needle} not in the fixture`);
  const before = text.slice(0, i + into);
  const line = before.split('\n').length;
  return { line, col: i + into - before.lastIndexOf('\n') };
}


/** Makes the VSIX with `npm run package`'s script into a scratch folder. */
function packageVsix(): string {
  const dir = scratch('vsix');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '--out', dir], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm run package failed:\n${r.stdout}${r.stderr}`);
  const vsix = readdirSync(dir).find((f) => f.endsWith('.vsix'));
  check(vsix, 'no .vsix was made');
  return path.join(dir, vsix);
}

/** The status bar's cursor position, e.g. { line: 29, col: 20 }. */
async function cursor(page: Page): Promise<{ line: number; col: number } | undefined> {
  const text = await page.locator('#status\\.editor\\.selection').innerText({ timeout: 2000 }).catch(() => '');
  const m = /Ln (\d+), Col (\d+)/.exec(text);
  return m ? { line: +m[1], col: +m[2] } : undefined;
}

/** Screen box of the `"NAME"` token right after `"KEY": ` on a rendered editor line. */
async function tokenBox(page: Page, key: string, name: string): Promise<{ x: number; y: number; width: number; height: number } | undefined> {
  return page.evaluate(
    ([k, n]) => {
      const quoted = `"${n}"`;
      for (const line of Array.from(document.querySelectorAll('.editor-instance .view-lines .view-line'))) {
        const text = (line.textContent ?? '').replace(/\u00a0/g, ' ');
        if (!text.includes(`"${k}": ${quoted}`)) continue;
        const spans = Array.from(line.querySelectorAll('span > span'));
        for (let i = 0; i < spans.length; i++) {
          if ((spans[i].textContent ?? '') !== quoted) continue;
          const prev = spans.slice(Math.max(0, i - 3), i).map((s) => s.textContent ?? '').join('').replace(/\u00a0/g, ' ');
          if (!prev.includes(`"${k}"`)) continue;
          const r = spans[i].getBoundingClientRect();
          return { x: r.x, y: r.y, width: r.width, height: r.height };
        }
      }
      return undefined;
    },
    [key, name] as const,
  );
}

/**
 * The token's box once it is fully inside the editor: the go-to-line reveal leaves a long line's far end at the
 * right edge, so scroll the editor sideways (mouse wheel) until the token sits comfortably inside.
 */
async function onScreen(page: Page, key: string, name: string): Promise<{ x: number; y: number; width: number; height: number }> {
  const editor = page.locator('.editor-instance .monaco-scrollable-element.editor-scrollable').first();
  return until(`"${name}" on screen`, async () => {
    const b = await tokenBox(page, key, name);
    const e = await editor.boundingBox();
    if (!b || !e) return undefined;
    if (b.x >= e.x + 20 && b.x + b.width <= e.x + e.width - 40) return b;
    await page.mouse.move(e.x + e.width / 2, e.y + e.height / 2);
    await page.mouse.wheel(b.x + b.width / 2 - (e.x + e.width / 2), 0);
    return undefined;
  });
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

async function main(): Promise<number> {
  const fromDev = process.env.E2E_EXTENSION === 'dev';
  check(extensionBuilt(), 'the extension is not built (npm run build) or package.json has no "main"');
  const env = testEnv();
  mkdirSync(OUTPUT, { recursive: true });
  const fixture = readFileSync(path.join(ROOT, 'test', 'fixtures', 'sidecar.json'), 'utf8');
  const route = lineCol(fixture, `"cluster": "${RATINGS}"`, '"cluster": "'.length + 5);
  const definition = lineCol(fixture, `"name": "${RATINGS}"`);

  let vsix = '';
  let server: Server | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const workspace = makeWorkspace();
  let page: Page | undefined;
  try {
    if (!fromDev) {
      await step('npm run package makes a VSIX', async () => {
        vsix = packageVsix();
        return path.basename(vsix);
      });
    }
    server = await startServer({
      env,
      settings: { 'editor.hover.delay': 200, 'workbench.editor.enablePreview': false, 'files.autoSave': 'off' },
      beforeStart: fromDev
        ? undefined
        : ({ extensionsDir, userDataDir, env: procEnv }) => {
            // Offline install, as a user would from a downloaded VSIX.
            const r = codeServerCli(env, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix], procEnv);
            const installed = readdirSync(extensionsDir).find((d) => d.startsWith(`${EXTENSION_ID}-`));
            if (r.status !== 0 || !installed) {
              results.push({ name: 'the VSIX installs into code-server offline', ok: false });
              throw new Error(`code-server --install-extension failed (${r.status}):\n${r.output}`);
            }
            results.push({ name: 'the VSIX installs into code-server offline', ok: true, detail: installed });
            console.log(`ok - the VSIX installs into code-server offline (${installed})`);
            // The installed copy must be the bundle alone: no sources, no node_modules.
            const files = readdirSync(path.join(extensionsDir, installed));
            if (files.includes('node_modules') || files.includes('src')) throw new Error(`the VSIX carries ${files.join(', ')}`);
          },
    });
    log('e2e', `code-server ${server.url} (${since()})`);
    browser = await launchBrowser(env, { width: 1600, height: 1000 });
    page = browser.page;
    const p = page;
    const payload: Array<[string, string]> = fromDev ? [['extensionDevelopmentPath', remoteUri(server, ROOT)], ['skipWelcome', 'true']] : [];
    await p.goto(workbenchUrl(server, workspace, payload));

    await step('the Explorer lists the fixtures', async () => {
      await p.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      await p.locator('.explorer-folders-view .monaco-list-row', { hasText: 'sidecar.json' }).first().waitFor({ timeout: 60_000 });
    });

    await step('open sidecar.json from the Explorer', async () => {
      await p.locator('.explorer-folders-view .monaco-list-row', { hasText: /^sidecar\.json$/ }).first().dblclick();
      await p.locator('.tabs-container .tab.active', { hasText: 'sidecar.json' }).waitFor({ timeout: 30_000 });
      await p.locator('.editor-instance .view-lines .view-line').first().waitFor({ timeout: 30_000 });
      // The extension's status bar item appears once the dump is indexed.
      const item = p.locator('.statusbar-item', { hasText: /Envoy/ }).first();
      await item.waitFor({ timeout: 60_000 });
      return (await item.innerText()).replace(/\s+/g, ' ').trim();
    });

    let box: { x: number; y: number; width: number; height: number } | undefined;
    await step(`hover the cluster of route "default" (line ${route.line})`, async () => {
      // Bring the route's cluster on screen: Go to Line/Column, as a user would for a 200-column line.
      await p.keyboard.press('Control+G');
      const input = p.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(`:${route.line}:${route.col}`);
      await p.keyboard.press('Enter');
      await until('the cursor on the route line', async () => (await cursor(p))?.line === route.line);
      box = await onScreen(p, 'cluster', RATINGS);
      const b = box;
      // Activation and indexing are asynchronous: hover again until the extension's hover shows.
      const text = await until(
        'the hover widget with the cluster',
        async () => {
          await p.mouse.move(b.x + b.width / 2, b.y - 40);
          await p.mouse.move(b.x + Math.min(60, b.width / 2), b.y + b.height / 2, { steps: 3 });
          const hover = p.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-resizable-hover .monaco-hover-content');
          await hover.first().waitFor({ state: 'visible', timeout: 4000 }).catch(() => undefined);
          const t = (await hover.allInnerTexts().catch(() => [] as string[])).join('\n');
          return t.includes('Cluster') && t.includes(RATINGS) ? t : undefined;
        },
        60_000,
      );
      check(/outbound to service ratings/.test(text), `hover text: ${text}`);
      await p.screenshot({ path: path.join(OUTPUT, 'e2e-hover.png') });
      return JSON.stringify(text.split('\n')[0]);
    });

    await step(`F12 jumps to the cluster's definition (line ${definition.line})`, async () => {
      await p.keyboard.press('Escape');
      const b = box!;
      await p.mouse.click(b.x + Math.min(60, b.width / 2), b.y + b.height / 2);
      await until('the click to place the cursor', async () => (await cursor(p))?.line === route.line, 10_000);
      await p.keyboard.press('F12');
      const at = await until('the cursor on the definition', async () => {
        const c = await cursor(p);
        return c && c.line !== route.line ? c : undefined;
      });
      check(at.line === definition.line, `cursor at Ln ${at.line}, Col ${at.col}; the definition is on line ${definition.line}`);
      check(at.col >= definition.col && at.col <= definition.col + '"name": "'.length + 1, `cursor at Col ${at.col}, the name starts near col ${definition.col + 9}`);
      await p.screenshot({ path: path.join(OUTPUT, 'e2e-definition.png') });
      return `Ln ${at.line}, Col ${at.col}`;
    });

    await step('the Problems panel lists the dangling mirror cluster', async () => {
      await p.keyboard.press('Control+Shift+M');
      await p.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: 15_000 }).catch(async () => {
        await runCommand(p, 'View: Focus Problems');
        await p.locator('.markers-panel').first().waitFor({ state: 'visible', timeout: 15_000 });
      });
      // Narrow the list with the panel's filter box, as a user would in a long list.
      const filter = p.locator('.viewpane-filter input, .markers-panel-action-filter input').first();
      await filter.waitFor({ state: 'visible', timeout: 10_000 });
      await filter.fill('mirror');
      const rows = p.locator('.markers-panel .monaco-list-row');
      // Filtered: the file row and the one problem that mentions the mirror.
      await until('the filtered Problems list', async () => (await rows.count()) === 2);
      const row = rows.filter({ hasText: 'unknown-cluster' }).filter({ hasText: 'mirror' });
      await row.first().waitFor({ timeout: 10_000 });
      const text = (await row.first().innerText()).replace(/\s+/g, ' ');
      check(text.includes(MIRROR) && /envoy-lens/.test(text), `problem row: ${text}`);
      await p.screenshot({ path: path.join(OUTPUT, 'e2e-problems.png') });
      await filter.fill('unknown-cluster');
      return text.slice(0, 120);
    });

    await step('a screenshot of the dump with hover and Problems panel', async () => {
      const b = box!;
      await p.keyboard.press('Control+1'); // focus the editor
      await p.keyboard.press('Control+G');
      await p.locator('.quick-input-widget input').fill(`:${route.line}:${route.col}`);
      await p.keyboard.press('Enter');
      await until('the hover widget again', async () => {
        await p.mouse.move(b.x + Math.min(60, b.width / 2), b.y - 40);
        const nb = await onScreen(p, 'cluster', RATINGS);
        await p.mouse.move(nb.x + Math.min(60, nb.width / 2), nb.y + nb.height / 2, { steps: 3 });
        const hover = p.locator('.monaco-hover:not(.hidden) .monaco-hover-content, .monaco-resizable-hover .monaco-hover-content');
        await hover.first().waitFor({ state: 'visible', timeout: 4000 }).catch(() => undefined);
        return (await hover.allInnerTexts().catch(() => [] as string[])).join('\n').includes(RATINGS);
      }, 30_000);
      const shot = path.join(OUTPUT, 'e2e-screenshot.png');
      await p.screenshot({ path: shot });
      if (process.env.UPDATE_SCREENSHOT === '1') {
        mkdirSync(path.join(ROOT, 'media'), { recursive: true });
        copyFileSync(shot, path.join(ROOT, 'media', 'screenshot.png'));
        return `${path.relative(ROOT, shot)}, copied to media/screenshot.png`;
      }
      return path.relative(ROOT, shot);
    });
    return 0;
  } catch {
    if (page) await page.screenshot({ path: path.join(OUTPUT, 'e2e-failure.png') }).catch(() => undefined);
    if (server) {
      writeFileSync(path.join(OUTPUT, 'e2e-server.log'), server.output());
      console.log(`[e2e] failure screenshot and server log in ${path.relative(ROOT, OUTPUT)}/`);
    }
    return 1;
  } finally {
    await browser?.close();
    await server?.stop();
    rmSync(workspace, { recursive: true, force: true, maxRetries: 3 });
    if (vsix && existsSync(vsix)) rmSync(path.dirname(vsix), { recursive: true, force: true });
    const passed = results.filter((r) => r.ok).length;
    console.log(`[e2e] done in ${since()}`);
    console.log(`e2e: ${passed} passed, ${results.length - passed} failed`);
  }
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error('[e2e]', e.stack ?? e.message);
    console.log(`e2e: ${results.filter((r) => r.ok).length} passed, ${results.filter((r) => !r.ok).length + 1} failed`);
    process.exit(3);
  },
);
