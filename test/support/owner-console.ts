// biome-ignore-all lint/performance/useDomNodeTextContent: the heading is read as a person sees it, laid out
/**
 * The set-up the console's browser tests share: a test system whose owner has signed up
 * through the setup link, Chromium, a folder for screenshots, and a page signed in to the
 * console as the owner. Also the IdP's push of one user, which several of them seed with.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { launchChromium } from './chromium.ts';
import { consoleSignIn, localLink } from './console.ts';
import { startTestSystem, type TestSystem, USER_SCHEMA } from './system.ts';

export const OWNER_EMAIL = 'owner@example.com';

export interface OwnerConsole {
  sys: TestSystem;
  browser: Browser;
  /** A temporary folder for this file's screenshots. */
  shots: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function openOwnerConsole(options: {
  ownerPassword: string;
  /** Names the screenshots' folder. */
  name: string;
  system?: Parameters<typeof startTestSystem>[0];
  /** Runs after the owner signed up and before the console sign-in. */
  prepare?: (sys: TestSystem) => Promise<void>;
}): Promise<OwnerConsole> {
  const sys = await startTestSystem({
    ...options.system,
    env: { SCIMBRIDGE_PASSWORD_ITERATIONS: '1000', ...options.system?.env },
  });
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let shots: string | undefined;
  const close = async () => {
    await context?.close();
    await browser?.close();
    await sys.close();
    if (shots) await rm(shots, { recursive: true, force: true });
  };
  try {
    browser = await launchChromium();
    shots = await mkdtemp(path.join(tmpdir(), `scimbridge-${options.name}-shots-`));
    await runMemberSignup({
      link: localLink(sys.system.ownerSetupLink!, sys.system.accountAddress),
      password: options.ownerPassword,
    });
    await options.prepare?.(sys);
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${sys.system.accountAddress}/`);
    await consoleSignIn(page, OWNER_EMAIL, options.ownerPassword);
    assert.equal(await page.locator('h1').innerText(), 'Overview');
    return { sys, browser, shots, context, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The IdP pushes an active user with one primary address; returns the member's id. */
export async function provisionUser(sys: TestSystem, email: string, displayName: string): Promise<string> {
  const created = await sys.scim('POST', '/Users', {
    schemas: [USER_SCHEMA],
    userName: email,
    displayName,
    emails: [{ value: email, primary: true }],
    active: true,
  });
  assert.equal(created.status, 201, created.text);
  return created.body.id as string;
}
