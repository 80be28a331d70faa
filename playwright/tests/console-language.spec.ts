import { test, expect } from './support/console';

test('German and Dutch use the seeds’ terms, and the choice survives a reload', async ({ console: app, page }) => {
  await app.open('/');
  await app.languageSelect.selectOption('de');
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(app.navLink('overview', 'de')).toBeVisible();
  await expect(app.navLink('taskSequences', 'de')).toBeVisible();
  await expect(app.navLink('bootImages', 'de')).toBeVisible();
  await expect(app.scenario(/^Softwarecenter$/)).toBeVisible();
  await app.goTo('site', 'de');

  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(app.heading('site', 'de')).toBeVisible();

  await app.languageSelect.selectOption('nl');
  await expect(page.locator('html')).toHaveAttribute('lang', 'nl');
  await expect(app.navLink('taskSequences', 'nl')).toBeVisible();
  await expect(app.navLink('bootImages', 'nl')).toBeVisible();
  await expect(app.heading('site', 'nl')).toBeVisible();
  await expect(page.getByLabel('Sitecode')).toBeVisible();

  await app.languageSelect.selectOption('en');
  await expect(app.heading('site')).toBeVisible();
  await expect(page.getByLabel('Site code')).toBeVisible();
});
