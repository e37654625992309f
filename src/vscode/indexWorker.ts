/**
 * Worker thread that indexes large documents off the extension host's main thread (the core is pure, so it runs
 * here unchanged). One request at a time: { id, uri, text, languageId } in, { id, analysis } or { id, error } out.
 */
import { parentPort } from 'node:worker_threads';
import { analyze } from '../core/facade';

interface Request {
  id: number;
  uri: string;
  text: string | Uint8Array;
  languageId: string;
}

parentPort?.on('message', (req: Request) => {
  try {
    const analysis = analyze(req.uri, req.text, { languageId: req.languageId });
    parentPort?.postMessage({ id: req.id, analysis });
  } catch (e) {
    parentPort?.postMessage({ id: req.id, error: (e as Error).message ?? String(e) });
  }
});
