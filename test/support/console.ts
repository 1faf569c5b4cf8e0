/**
 * Driving the admin console in Chromium as an administrator does: the owner's setup page,
 * the console's sign-in, the accessibility check (axe-core, no serious or critical
 * violation), and screenshots. Screenshots go to a temporary folder; with
 * SCIMBRIDGE_UPDATE_SCREENSHOTS=1 they replace the ones in docs/screenshots/.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

export const UPDATE_SCREENSHOTS = process.env.SCIMBRIDGE_UPDATE_SCREENSHOTS === '1';
export const DOCS_SCREENSHOTS = path.resolve(import.meta.dirname, '../../docs/screenshots');

let axeSource: Promise<string> | undefined;

/** Runs axe-core on the page; fails naming every serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  axeSource ??= readFile(path.resolve(import.meta.dirname, '../../node_modules/axe-core/axe.min.js'), 'utf8');
  // The page's CSP allows only its own scripts: axe goes in through the browser's own channel.
  await page.evaluate(await axeSource);
  const violations = (await page.evaluate(`axe.run(document).then((result) =>
    result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')'))`)) as string[];
  assert.deepEqual(violations, [], `axe-core on ${what}`);
}

export async function screenshot(page: Page, dir: string, name: string): Promise<string> {
  const file = path.join(UPDATE_SCREENSHOTS ? DOCS_SCREENSHOTS : dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The link as printed, pointed at where the test's account server listens. */
export function localLink(link: string, accountAddress: string): string {
  const url = new URL(link);
  return `${accountAddress}${url.pathname}`;
}

/** Fills the console's sign-in form on the page already open and waits for the outcome. */
export async function consoleSignIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForSelector('h1:has-text("Overview"), #problem:not([hidden])');
}
