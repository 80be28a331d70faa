import { expect, test } from "@playwright/test";

test("the console's first page shows the relay's name, version and storage", async ({ page, request }) => {
  const health = await (await request.get("/api/v1/health")).json();
  expect(health.name).toBe("osdgate");
  expect(health.version).toMatch(/^\d+\.\d+\.\d+/);

  const consoleErrors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.goto("/");
  await expect(page.getByTestId("relay-name")).toHaveText("osdgate");
  await expect(page.getByTestId("relay-version")).toHaveText(health.version);
  await expect(page.getByTestId("relay-build")).toHaveText(health.build);
  for (const binding of health.bindings) {
    await expect(page.getByTestId(`binding-${binding.name}`)).toContainText(
      binding.reachable ? "reachable" : "unreachable",
    );
  }
  expect(consoleErrors).toEqual([]);
});

test("the console's pages carry the security headers", async ({ request }) => {
  const response = await request.get("/");
  expect(response.status()).toBe(200);
  const headers = response.headers();
  expect(headers["content-security-policy"]).toContain("default-src 'self'");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
});
