import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { DEMO_DENIED_TARGET, DEMO_REPORT_TARGET } from '../../src/dev/demo';
import { startDemoStack } from '../../src/dev/demo-stack';
import { startDevServer } from '../../src/dev/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/worker/search-attributes';
import { repoRoot } from '../helpers/paths';
import { uniqueId, workflowBundle } from '../helpers/temporal';
import { launchChromium } from './chromium';

const artifacts = path.join(repoRoot, 'test-artifacts');

test("web ui: the demo run's page → the denied write and its compensation are visible by their summaries (screenshot kept)", async () => {
  const browser = await launchChromium();
  try {
    const server = await startDevServer({ ui: true, searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
    try {
      assert.ok(server.uiUrl, 'the dev server was started with ui: true');
      const stack = await startDemoStack({ address: server.address, taskQueue: uniqueId('demo-ui'), workflowBundle: await workflowBundle() });
      try {
        const workflowId = uniqueId('demo-ui');
        const handle = await stack.startRun(workflowId);
        await assert.rejects(handle.result(), WorkflowFailedError);
        // The compensation really ran: the report the run wrote is gone again.
        assert.equal(fs.existsSync(path.join(stack.workspace, 'output', 'report.md')), false);

        const page = await browser.context.newPage();
        await page.goto(`${server.uiUrl}/namespaces/default/workflows/${workflowId}`);
        // The timeline lists each activity as "<type> • <summary>".
        const denied = page.getByText(`fs.write ${DEMO_DENIED_TARGET} → DENIED (no capability)`);
        const undone = page.getByText(`undo fs.write ${DEMO_REPORT_TARGET}`, { exact: false });
        const applied = page.getByText(`fs.write ${DEMO_REPORT_TARGET} → allow (write-output)`);
        await denied.first().waitFor({ state: 'visible', timeout: 60_000 });
        await undone.first().waitFor({ state: 'visible', timeout: 60_000 });
        await applied.first().waitFor({ state: 'visible', timeout: 60_000 });
        assert.match(await undone.first().innerText(), /undoAction • undo fs\.write \/workspace\/output\/report\.md/);

        fs.mkdirSync(artifacts, { recursive: true });
        const shot = path.join(artifacts, 'web-ui-demo-run.png');
        await page.screenshot({ path: shot, fullPage: true });
        assert.ok(fs.statSync(shot).size > 10_000, `${shot} holds a real screenshot`);
        // The run's status badge.
        await page
          .getByText(/^failed$/i)
          .filter({ visible: true })
          .first()
          .waitFor({ state: 'visible', timeout: 10_000 });
      } finally {
        await stack.close();
      }
    } finally {
      await server.stop();
    }
  } finally {
    await browser.close();
  }
});
