import { readFileSync } from 'node:fs';
import { test, expect, example } from './support/console';

test('the document survives a reload and a closed tab', async ({ console: app, page, context }) => {
  await app.open('/site');
  const code = page.getByLabel('Site code');
  await code.fill('XYZ');
  await app.saved();
  await page.reload();
  await expect(page.getByLabel('Site code')).toHaveValue('XYZ');

  // A closed tab: the page goes away without any chance to save; a new one finds the work.
  await page.close({ runBeforeUnload: false });
  const next = await context.newPage();
  await next.goto('/site');
  await expect(next.getByLabel('Site code')).toHaveValue('XYZ');
});

test('an example imports, shows its scenario ready, exports and undoes', async ({ console: app, page }) => {
  await app.open('/');
  await app.import('boot-media-over-gateway.toml', example('boot-media-over-gateway.toml'));
  await expect(app.scenario(/^Boot media over a gateway$/)).toHaveAttribute('data-state', 'ready');
  await expect(app.scenario(/^Software Center$/)).toHaveAttribute('data-state', 'not-configured');
  await expect(page.getByTestId('plan-status')).toHaveAttribute('data-ready', 'true');
  await app.goTo('deployments');
  await expect(page.getByRole('row').filter({ hasText: 'ABC20001' }).first()).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export JSON' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('osdgate-abc.json');
  const exported = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(exported.schema).toBe('osdgate/v1');
  expect(exported.site.code).toBe('ABC');

  await page.getByRole('button', { name: 'Undo' }).click();
  await app.goTo('site');
  await expect(page.getByLabel('Site code')).toHaveValue('');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(page.getByLabel('Site code')).toHaveValue('ABC');
});

test('a file that is not a document is refused with its position, and nothing changes', async ({ console: app, page }) => {
  await app.open('/site');
  await page.getByLabel('Site code').fill('KEP');
  await app.saved();
  await page.getByLabel('Import…').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"schema": "osdgate/v1",\n "site": 7}') });
  await expect(page.getByRole('alert')).toContainText('broken.json is not a valid osdgate document (JSON): line 2');
  await expect(page.getByLabel('Site code')).toHaveValue('KEP');
});
