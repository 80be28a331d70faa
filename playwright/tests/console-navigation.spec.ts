import { test, expect, PAGES, PageName } from './support/console';

test('every page has its own address, and back and forward retrace the visit', async ({ console: app, page }) => {
  await app.open('/');
  await expect(app.heading('overview')).toBeVisible();
  const visited: PageName[] = ['site', 'boundaryGroups', 'clientSettings', 'content', 'bootImages', 'taskSequences', 'deployments', 'media', 'devices', 'certificates'];
  for (const name of visited) {
    await app.goTo(name);
    await expect(app.navLink(name)).toHaveAttribute('aria-current', 'page');
  }
  await page.goBack();
  await expect(page).toHaveURL(/\/devices$/);
  await expect(app.heading('devices')).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/\/media$/);
  await expect(app.heading('media')).toBeVisible();
  await page.goForward();
  await expect(page).toHaveURL(/\/devices$/);
  await expect(app.heading('devices')).toBeVisible();
});

test('a page opens directly from its address, and an unknown address says so', async ({ console: app, page }) => {
  await app.open(PAGES.deployments.path);
  await expect(app.heading('deployments')).toBeVisible();
  await app.open('/no-such-page');
  await expect(page.getByRole('heading', { name: 'There is no such page' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the overview' }).click();
  await expect(app.heading('overview')).toBeVisible();
});

test('the keyboard reaches the page past the navigation, with a visible focus', async ({ console: app, page }) => {
  await app.open('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the page' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.locator('main')).toBeFocused();
  await app.navLink('site').focus();
  const outline = await app.navLink('site').evaluate((element) => getComputedStyle(element).outlineStyle);
  expect(outline).not.toBe('none');
  await page.keyboard.press('Enter');
  await expect(app.heading('site')).toBeVisible();
});

test('the theme follows the switch and is remembered', async ({ console: app, page }) => {
  await app.open('/');
  await app.themeSelect.selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await app.themeSelect.selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(light).not.toBe(dark);
});

for (const viewport of [{ width: 1280, height: 720 }, { width: 390, height: 800 }]) {
  test(`the console fits a ${viewport.width}×${viewport.height} window`, async ({ console: app, page }) => {
    await page.setViewportSize(viewport);
    await app.open('/site');
    await expect(app.navLink('certificates')).toBeVisible();
    await expect(app.preflight).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  });
}
