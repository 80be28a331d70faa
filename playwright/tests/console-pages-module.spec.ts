// The on-demand pages module (web-ui/pages) inside the console: its pages edit the one working
// document through the main module's store (autosave, undo in the top bar, preflight), findings
// lead to fields inside it, it speaks the console's language, and it comes and goes with its route.
import { test, expect, example } from './support/console';
import { BoundaryGroupsPage, pageHost } from './support/pages-module';

const CLOUD = 'cloud-content-from-boot-media.toml';

test('a module page edits the document: autosave, reload, undo in the top bar', async ({ console: app, page }) => {
  await app.open('/');
  await app.import(CLOUD, example(CLOUD));
  await app.goTo('boundaryGroups');
  const groups = new BoundaryGroupsPage(page);
  await groups.shown();
  const branch = groups.group(/^Branch office/);
  await expect(branch).toHaveCount(1);

  await branch.getByLabel('Name', { exact: true }).fill('Branch office east');
  await expect(branch.getByRole('group', { name: /^Boundary 1$/ })).toBeVisible();

  // Undo in the main module's top bar reaches the page in the module: the typed name was one step.
  // (The undo history lives in memory, like an editor's: a reload keeps the document, not the steps.)
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(groups.group(/^Branch office/).getByLabel('Name', { exact: true })).toHaveValue('Branch office');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(groups.group(/^Branch office/).getByLabel('Name', { exact: true })).toHaveValue('Branch office east');

  await app.saved();
  await page.reload();
  await groups.shown();
  await expect(groups.group(/^Branch office/).getByLabel('Name', { exact: true })).toHaveValue('Branch office east');
});

test('a subnet is read as it is typed: a wrong one is shown at the field and never saved', async ({ console: app, page }) => {
  await app.open('/');
  await app.import(CLOUD, example(CLOUD));
  await app.goTo('boundaryGroups');
  const groups = new BoundaryGroupsPage(page);
  await groups.shown();
  const first = groups.boundary(groups.group(/^Branch office/), 1);
  const subnet = first.getByLabel('Subnet (CIDR)');
  await expect(subnet).toHaveValue('10.30.0.0/16');

  await subnet.fill('10.31.0.0/33');
  await expect(subnet).toHaveAttribute('aria-invalid', 'true');
  await expect(first.getByText('Not a subnet in CIDR notation')).toBeVisible();
  await app.saved();
  await page.reload();
  await groups.shown();
  const reloaded = groups.boundary(groups.group(/^Branch office/), 1).getByLabel('Subnet (CIDR)');
  await expect(reloaded).toHaveValue('10.30.0.0/16');

  await reloaded.fill('10.31.0.0/16');
  await expect(reloaded).toHaveAttribute('aria-invalid', 'false');
  await app.saved();
  await page.reload();
  await groups.shown();
  await expect(groups.boundary(groups.group(/^Branch office/), 1).getByLabel('Subnet (CIDR)')).toHaveValue('10.31.0.0/16');

  // A range that starts after it ends reads, and preflight says why it holds no address, at the field.
  const second = groups.boundary(groups.group(/^Branch office/), 2);
  await second.getByLabel('Starting IP address').fill('192.168.50.250');
  await expect(second.getByText('OSDG-BOUNDARY-004')).toBeVisible();
  await second.getByLabel('Starting IP address').fill('192.168.50.1');
  await expect(second.getByText('OSDG-BOUNDARY-004')).toHaveCount(0);
});

test('a finding leads to its field inside the module page, and back/forward mount it once', async ({ console: app, page }) => {
  await app.open('/site');
  const broken = example(CLOUD).replace('prefer_cloud_sources = true', 'prefer_cloud_sources = false');
  expect(broken).toContain('prefer_cloud_sources = false');
  await app.import('no-cloud-preference.toml', broken);
  await app.goTo('overview');
  const finding = app.finding('OSDG-BOUNDARY-002');
  await expect(finding).toBeVisible();
  await finding.getByRole('button', { name: /boundary_groups\[0\]\.prefer_cloud_sources/ }).click();
  await expect(page).toHaveURL(/\/boundary-groups$/);
  const preference = page.getByLabel('Prefer cloud based sources over on-premises sources');
  await expect(preference).toBeFocused();
  await expect(preference).toHaveClass(/field-highlight/);

  await preference.check();
  await expect(app.finding('OSDG-BOUNDARY-002')).toHaveCount(0);

  await app.goTo('site');
  await expect(pageHost(page, 'boundary-groups')).toHaveCount(0);
  await page.goBack();
  await expect(page).toHaveURL(/\/boundary-groups$/);
  const groups = new BoundaryGroupsPage(page);
  await groups.shown();
  await expect(groups.group(/^Branch office/)).toHaveCount(1);
  await page.goForward();
  await expect(app.heading('site')).toBeVisible();
  await page.goBack();
  await groups.shown();
  await expect(pageHost(page, 'boundary-groups')).toHaveCount(1);
  await expect(groups.group(/^Branch office/)).toHaveCount(1);
  await expect(page.getByLabel('Prefer cloud based sources over on-premises sources')).toBeChecked();
});

test('the module page speaks the console’s language and follows a switch', async ({ console: app, page }) => {
  await app.open('/');
  await app.import(CLOUD, example(CLOUD));
  await app.goTo('boundaryGroups');
  const groups = new BoundaryGroupsPage(page);
  await groups.shown();
  await app.languageSelect.selectOption('de');
  await expect(app.heading('boundaryGroups', 'de')).toBeVisible();
  await expect(page.getByLabel('Cloudbasierte Quellen gegenüber lokalen Quellen bevorzugen')).toBeChecked();
  await expect(groups.boundary(groups.group(/^Branch office/), 1).getByLabel('Typ')).toHaveValue('subnet');
  await expect(page.getByRole('button', { name: 'Begrenzungsgruppe hinzufügen' })).toBeVisible();

  // Opened in German from the start (a reload): the module starts in the console's language.
  await page.reload();
  await groups.shown();
  await expect(page.getByRole('button', { name: 'Begrenzungsgruppe hinzufügen' })).toBeVisible();

  await app.languageSelect.selectOption('nl');
  await expect(page.getByLabel('Cloudbronnen verkiezen boven on-premises bronnen')).toBeChecked();
  await app.languageSelect.selectOption('en');
  await expect(page.getByRole('button', { name: 'Add boundary group' })).toBeVisible();
});
