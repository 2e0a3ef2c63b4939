import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { AesGcmCodec } from '../../src/codec/aes-gcm-codec';
import { startCodecServer, type CodecServer } from '../../src/codec/server';
import { DEMO_REPORT_TARGET } from '../../src/dev/demo';
import { startDemoStack } from '../../src/dev/demo-stack';
import { startDevServer } from '../../src/dev/dev-server';
import { freePort } from '../../src/dev/free-port';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/worker/search-attributes';
import { repoRoot } from '../helpers/paths';
import { uniqueId } from '../helpers/temporal';
import { codecWorkflowBundle, ring } from '../codec/helpers';
import { launchChromium, type Browser } from './chromium';

const artifacts = path.join(repoRoot, 'test-artifacts');
const keys = ring('ui-key');
const SUMMARY = `fs.write ${DEMO_REPORT_TARGET} → allow (write-output)`;
const PROMPT = 'Summarise /workspace/data.csv';

/** An encrypted demo run on a fresh dev server whose UI has (or has not) a codec endpoint; returns the run page's text and a screenshot. */
async function openRun(browser: Browser, withCodec: boolean): Promise<string> {
  // The codec server listens first, so the UI's free port cannot be its own.
  const codec: CodecServer | undefined = withCodec
    ? await startCodecServer({ codec: new AesGcmCodec(keys), token: randomBytes(24).toString('base64url'), tokenInPath: true })
    : undefined;
  const uiPort = await freePort();
  codec?.allowOrigin(`http://127.0.0.1:${uiPort}`);
  try {
    const server = await startDevServer({
      ui: true,
      uiPort,
      searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
      ...(codec ? { uiCodecEndpoint: codec.endpoint } : {}),
    });
    try {
      const stack = await startDemoStack({
        address: server.address,
        taskQueue: uniqueId('codec-ui'),
        workflowBundle: await codecWorkflowBundle(),
        codecKeys: keys,
      });
      const workflowId = uniqueId('codec-ui');
      try {
        await assert.rejects((await stack.startRun(workflowId)).result(), WorkflowFailedError);
      } finally {
        await stack.close();
      }
      await uiAnswers(server.uiUrl ?? '');
      const page = await browser.context.newPage();
      await page.goto(`${server.uiUrl}/namespaces/default/workflows/${workflowId}`);
      // The timeline lists each activity by its type (readable either way) and, when decoded, its summary.
      await page.getByText('executeAction', { exact: false }).first().waitFor({ state: 'visible', timeout: 60_000 });
      if (withCodec) {
        await page.getByText(SUMMARY).first().waitFor({ state: 'visible', timeout: 60_000 });
        await page.getByText(PROMPT, { exact: false }).first().waitFor({ state: 'visible', timeout: 60_000 });
      }
      fs.mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: path.join(artifacts, `web-ui-codec-${withCodec ? 'with' : 'without'}.png`), fullPage: true });
      return await page.locator('body').innerText();
    } finally {
      await server.stop();
    }
  } finally {
    await codec?.close();
  }
}

/** Resolves once the Web UI answers HTTP (it may come up after the frontend does). */
async function uiAnswers(url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (attempt > 600) throw new Error(`the Web UI at ${url} never answered`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('web ui: an encrypted run → with the codec endpoint its summaries and input are readable; without it neither is (screenshots kept)', async () => {
  const browser = await launchChromium();
  try {
    const decoded = await openRun(browser, true);
    assert.ok(decoded.includes(SUMMARY), 'the decoded summary is shown');
    assert.ok(decoded.includes(PROMPT), 'the decoded input (the prompt) is shown');

    const encrypted = await openRun(browser, false);
    assert.ok(!encrypted.includes(SUMMARY) && !encrypted.includes('write-output'), 'no summary without the codec endpoint');
    assert.ok(!encrypted.includes(PROMPT), 'no input without the codec endpoint');
    assert.ok(encrypted.includes('executeAction'), 'activity types stay readable (docs/threat-model.md)');
  } finally {
    await browser.close();
  }
});
