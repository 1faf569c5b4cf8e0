/**
 * `scimbridge member signup`: what the sign-up page does, over HTTP, for scripts and tests.
 * The same crypto modules make the key pair, seal it and derive the sign-in proof; only
 * those are sent — the password stays in this process.
 */
import { readFile } from 'node:fs/promises';
import { createMemberKeys } from '../../crypto/member-keys.ts';
import { deriveSignInProof, newProofParameters, passwordProblem } from '../../crypto/sign-in-proof.ts';

export class MemberSignupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemberSignupError';
  }
}

export interface MemberSignupOutcome {
  email: string;
  accountName: string;
  state: string;
}

/** Reads the password: the file's content without one trailing line break; `-` is stdin. */
export async function readPasswordFile(
  path: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<string> {
  let text: string;
  if (path === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new MemberSignupError(
        `cannot read the password file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return text.replace(/\r?\n$/, '');
}

function signupUrl(link: string): URL {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new MemberSignupError('--invite-link must be the whole sign-up link from the invitation e-mail');
  }
  if (
    (url.protocol !== 'http:' && url.protocol !== 'https:') ||
    !/\/signup\/[A-Za-z0-9_-]+$/.test(url.pathname)
  ) {
    throw new MemberSignupError(
      '--invite-link must be the whole sign-up link from the invitation e-mail (…/signup/…)',
    );
  }
  return url;
}

async function readJson(response: Response): Promise<Record<string, unknown>> {
  try {
    return (await response.json()) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function failure(response: Response, body: Record<string, unknown>): MemberSignupError {
  const message =
    typeof body.message === 'string' ? body.message : `the account server answered HTTP ${response.status}`;
  return new MemberSignupError(message);
}

export async function runMemberSignup(options: {
  link: string;
  password: string;
}): Promise<MemberSignupOutcome> {
  const url = signupUrl(options.link);
  const problem = passwordProblem(options.password);
  if (problem) throw new MemberSignupError(problem);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' } });
  } catch {
    throw new MemberSignupError(`cannot reach the account server at ${url.origin}`);
  }
  const view = await readJson(response);
  if (response.status !== 200) throw failure(response, view);
  const iterations = Number(view.passwordIterations);
  const { material } = await createMemberKeys(options.password, { iterations });
  const parameters = newProofParameters(iterations);
  const proof = await deriveSignInProof(options.password, parameters);
  const submitted = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      publicKey: material.publicKey,
      encryptedPrivateKey: material.encryptedPrivateKey,
      proof,
      proofSalt: parameters.salt,
      proofIterations: parameters.iterations,
    }),
  });
  const result = await readJson(submitted);
  if (submitted.status !== 200) throw failure(submitted, result);
  return { email: String(view.email), accountName: String(view.accountName), state: String(result.state) };
}
