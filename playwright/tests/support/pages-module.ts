// Pages rendered by the console's on-demand pages module (web-ui/pages): the host element the main
// module renders, and the boundary groups editor as a page object. Role and label locators only.
import { expect, Locator, Page } from '@playwright/test';

/** The host of an on-demand page; `data-state` is `loading`, `shown` or `failed`. */
export function pageHost(page: Page, name: string): Locator {
  return page.locator(`[data-pages-module="${name}"]`);
}

/** Waits until the module has mounted the page `name`. */
export async function shown(page: Page, name: string) {
  await expect(pageHost(page, name)).toHaveAttribute('data-state', 'shown');
}

export class BoundaryGroupsPage {
  constructor(readonly page: Page) {}

  async shown() {
    await shown(this.page, 'boundary-groups');
  }

  /** A boundary group's fieldset, named by its legend (its name, or its ID while unnamed). */
  group(name: RegExp | string): Locator {
    return this.page.getByRole('group', { name });
  }

  boundary(group: Locator, number: number): Locator {
    return group.getByRole('group', { name: new RegExp(`^(Boundary|Begrenzung|Grens) ${number}$`) });
  }
}
