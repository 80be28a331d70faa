// The console as a page object: role and label locators only, in whatever language is shown, and a
// `test` whose every page fails the test on a browser-console error or an uncaught exception.
import { test as base, expect, Locator, Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

export function example(name: string): string {
  return readFileSync(join(EXAMPLES, name), 'utf8');
}

/** Navigation names in English, German and Dutch (web-ui/locales). */
export const PAGES = {
  overview: { path: '/', en: 'Overview', de: 'Übersicht', nl: 'Overzicht' },
  site: { path: '/site', en: 'Site and gateways', de: 'Standort und Gateways', nl: 'Site en gateways' },
  boundaryGroups: { path: '/boundary-groups', en: 'Boundary groups', de: 'Begrenzungsgruppen', nl: 'Grensgroepen' },
  clientSettings: { path: '/client-settings', en: 'Client settings', de: 'Clienteinstellungen', nl: 'Clientinstellingen' },
  content: { path: '/content', en: 'Content', de: 'Inhalt', nl: 'Inhoud' },
  bootImages: { path: '/boot-images', en: 'Boot images', de: 'Startabbilder', nl: 'Opstartinstallatiekopieën' },
  taskSequences: { path: '/task-sequences', en: 'Task sequences', de: 'Tasksequenzen', nl: 'Takenreeksen' },
  deployments: { path: '/deployments', en: 'Deployments', de: 'Bereitstellungen', nl: 'Implementaties' },
  media: { path: '/media', en: 'Media', de: 'Medien', nl: 'Media' },
  devices: { path: '/devices', en: 'Devices and monitoring', de: 'Geräte und Überwachung', nl: 'Apparaten en bewaking' },
  certificates: { path: '/certificates', en: 'Certificates', de: 'Zertifikate', nl: 'Certificaten' },
} as const;

export type PageName = keyof typeof PAGES;
export type Language = 'en' | 'de' | 'nl';

export class Console {
  constructor(readonly page: Page) {}

  async open(path = '/') {
    await this.page.goto(path);
    await expect(this.saveStatus).toHaveAttribute('data-state', 'saved');
  }

  get navigation(): Locator {
    return this.page.getByRole('navigation', { name: /^(Pages|Seiten|Pagina's)$/ });
  }

  navLink(name: PageName, language: Language = 'en'): Locator {
    return this.navigation.getByRole('link', { name: new RegExp(`^${PAGES[name][language]}`) });
  }

  heading(name: PageName, language: Language = 'en'): Locator {
    return this.page.getByRole('heading', { level: 1, name: PAGES[name][language], exact: true });
  }

  async goTo(name: PageName, language: Language = 'en') {
    await this.navLink(name, language).click();
    await expect(this.page).toHaveURL(new RegExp(`${PAGES[name].path}$`));
    await expect(this.heading(name, language)).toBeVisible();
  }

  get languageSelect(): Locator {
    return this.page.getByLabel(/^(Language|Sprache|Taal)$/);
  }

  get themeSelect(): Locator {
    return this.page.getByLabel(/^(Theme|Darstellung|Weergave)$/);
  }

  get saveStatus(): Locator {
    return this.page.getByTestId('save-status');
  }

  get preflight(): Locator {
    return this.page.getByRole('complementary', { name: /^(Preflight|Vorabprüfung|Voorcontrole)$/ });
  }

  get preflightSummary(): Locator {
    return this.preflight.getByTestId('preflight-summary');
  }

  finding(rule: string): Locator {
    return this.preflight.getByRole('listitem').filter({ has: this.page.getByText(rule, { exact: true }) });
  }

  async import(name: string, text: string) {
    const input = this.page.getByLabel(/^(Import…|Importieren …|Importeren…)$/);
    await input.setInputFiles({ name, mimeType: 'text/plain', buffer: Buffer.from(text, 'utf8') });
    await expect(this.page.getByRole('status').filter({ hasText: name })).toBeVisible();
    await this.saved();
  }

  /** Waits until every change is in IndexedDB. */
  async saved() {
    await expect(this.saveStatus).toHaveAttribute('data-state', 'saved');
  }

  scenario(name: RegExp): Locator {
    return this.page.getByRole('article').filter({ has: this.page.getByRole('heading', { name }) });
  }
}

export const test = base.extend<{ console: Console; consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      await use(errors);
      expect(errors, 'errors in the browser console').toEqual([]);
    },
    { auto: true },
  ],
  console: async ({ page }, use) => {
    await use(new Console(page));
  },
});

export { expect };
