/**
 * Reading the bridge's status page (P6) in Chromium the way an operator does: sign in with
 * the bearer token, then read each part's section as laid-out text ("OK: Connected",
 * "What to do: …"). Shared by the page's own test and the two-process e2e.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** The parts the page shows, by the id of their heading. */
export type StatusPart =
  | 'account'
  | 'provisioning'
  | 'credentials'
  | 'watcher'
  | 'requests'
  | 'replicas'
  | 'version';

export function partText(page: Page, part: StatusPart): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the test reads the page as a person sees it, laid out
  return page.locator(`section[aria-labelledby="${part}"]`).innerText();
}

/** Fills the sign-in form on the page already open; resolves once the report (or a refusal) shows. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel('Bearer token').fill(token);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
  await page.waitForSelector('h1:has-text("scimbridge bridge status"), [role="alert"]');
}

/**
 * Loads `address` again and again until every named part matches its pattern(s), and returns
 * the texts; the bridge and the account cache what they learn for about a second, so a change
 * shows within a few. Past `timeoutMs` it fails naming the part and what the page said.
 */
export async function waitForParts(
  page: Page,
  address: string,
  expected: Partial<Record<StatusPart, RegExp | RegExp[]>>,
  timeoutMs = 8000,
): Promise<Record<StatusPart, string>> {
  const deadline = Date.now() + timeoutMs;
  const parts = Object.keys(expected) as StatusPart[];
  for (;;) {
    await page.goto(address);
    const texts = {} as Record<StatusPart, string>;
    for (const part of parts) texts[part] = await partText(page, part);
    const mismatch = parts.find((part) =>
      [expected[part]!].flat().some((pattern) => !pattern.test(texts[part])),
    );
    if (mismatch === undefined) return texts;
    if (Date.now() > deadline) {
      for (const pattern of [expected[mismatch]!].flat()) {
        assert.match(texts[mismatch], pattern, `the status page's "${mismatch}" part after ${timeoutMs} ms`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
