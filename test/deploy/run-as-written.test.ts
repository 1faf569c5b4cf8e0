/**
 * The deployment files run as written (issue 13): each example's processes start with exactly
 * the command and environment its file gives — parsed from the file (and the image's
 * Dockerfile), not copied here — on loopback. The only changes are the ones a container
 * platform makes: listen address and ports, container host names, mounted paths, and the
 * operator's own values (public addresses, secrets, SMTP server). Then an IdP creates a
 * user and the member signs up through the link the real mail carries, signs in, and gets
 * the "account ready" mail, whose link also points at the configured address.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { parseAllDocuments } from 'yaml';
import { runMemberSignup } from '../../src/cli/commands/member-signup.ts';
import { deriveSignInProof } from '../../src/crypto/sign-in-proof.ts';
import { freePort } from '../support/processes.ts';
import { needsPostgres, TEST_DATABASE_URL } from '../support/requirements.ts';
import { type SmtpSink, startSmtpSink } from '../support/smtp-sink.ts';
import { USER_SCHEMA } from '../support/system.ts';
import { checkCompose, environmentOf } from './compose-rules.ts';
import { renderChart } from './helm-render.ts';
import { type Example, type Started, startExample } from './run-example.ts';

const DEPLOY = path.join(import.meta.dirname, '..', '..', 'deploy');
const PASSWORD = 'a password long enough for the sign-up page';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function freshDatabase(): Promise<string> {
  const name = `scimbridge_deploy_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  cleanups.push(async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The IdP creates a user; the member follows the mail's links. */
async function signUpThroughMail(started: Started, sink: SmtpSink, accountUrl: string): Promise<void> {
  const email = `member-${randomBytes(3).toString('hex')}@example.com`;
  const created = await fetch(`${started.bridgeUrl}/scim/v2/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${started.token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [USER_SCHEMA],
      userName: email,
      emails: [{ value: email, primary: true }],
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  const mailTo = async (subject: RegExp) => {
    for (let i = 0; i < 600; i++) {
      const mail = sink.received.find((m) => m.envelopeTo.includes(email) && subject.test(m.subject));
      if (mail) return mail;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no mail ${subject} to ${email}; got ${sink.received.map((m) => m.subject).join(', ')}`);
  };
  const invitation = await mailTo(/invit|join/i);
  const link = /https?:\/\/\S+\/signup\/[\w-]+/.exec(invitation.text)?.[0];
  assert.ok(link, invitation.text);
  assert.ok(link.startsWith(`${accountUrl}/signup/`), `the link uses the configured address: ${link}`);
  assert.equal((await runMemberSignup({ link, password: PASSWORD })).state, 'pending');

  const parameters = await (
    await fetch(`${accountUrl}/signin/parameters`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    })
  ).json();
  const signedIn = await fetch(`${accountUrl}/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, proof: await deriveSignInProof(PASSWORD, parameters) }),
  });
  assert.equal(signedIn.status, 200);
  await signedIn.text();

  const ready = await mailTo(/ready|confirmed/i);
  assert.ok(ready.text.includes(accountUrl), 'the account-ready mail links to the configured address');
}

describe('deployment examples run as written', () => {
  test('compose/single.yml: one process on SQLite', async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const accountPort = await freePort();
    const accountUrl = `http://127.0.0.1:${accountPort}`;
    const bridgePort = await freePort();
    // What the operator exports before `docker compose up` (the file's first lines say so).
    const operator = {
      SCIMBRIDGE_ACCOUNT_URL: accountUrl,
      SCIMBRIDGE_PUBLIC_URL: `http://127.0.0.1:${bridgePort}`,
    };
    const { file, problems } = checkCompose(
      await readFile(path.join(DEPLOY, 'compose', 'single.yml'), 'utf8'),
      operator,
    );
    assert.deepEqual(problems, []);
    const service = file.services.scimbridge!;
    const example: Example = {
      processes: [{ role: 'single', command: service.command as string[], env: environmentOf(service) }],
      ports: { account: accountPort, bridge: bridgePort },
      smtpUrl: sink.url,
      redisPrefix: `deploy-${randomBytes(4).toString('hex')}:`,
    };
    const started = await startExample(example, cleanups);
    await signUpThroughMail(started, sink, accountUrl);
  });

  test('compose/split.yml: account server on PostgreSQL and a separate bridge', needsPostgres, async () => {
    const sink = await startSmtpSink();
    cleanups.push(() => sink.close());
    const accountPort = await freePort();
    const bridgePort = await freePort();
    const accountUrl = `http://127.0.0.1:${accountPort}`;
    const operator = {
      POSTGRES_PASSWORD: 'unused-here',
      SCIMBRIDGE_ACCOUNT_URL: accountUrl,
      SCIMBRIDGE_PUBLIC_URL: `http://127.0.0.1:${bridgePort}`,
    };
    const { file, problems } = checkCompose(
      await readFile(path.join(DEPLOY, 'compose', 'split.yml'), 'utf8'),
      operator,
    );
    assert.deepEqual(problems, []);
    const started = await startExample(
      {
        processes: ['account', 'bridge'].map((role) => ({
          role: role as 'account' | 'bridge',
          command: file.services[role]!.command as string[],
          env: environmentOf(file.services[role]!),
        })),
        ports: { account: accountPort, bridge: bridgePort },
        smtpUrl: sink.url,
        redisPrefix: `deploy-${randomBytes(4).toString('hex')}:`,
        databaseUrl: await freshDatabase(),
      },
      cleanups,
    );
    await signUpThroughMail(started, sink, accountUrl);
  });

  test(
    'helm chart (the split shape with replicas on Kubernetes), one replica of each',
    needsPostgres,
    async () => {
      const sink = await startSmtpSink();
      cleanups.push(() => sink.close());
      const accountPort = await freePort();
      const bridgePort = await freePort();
      const accountUrl = `http://127.0.0.1:${accountPort}`;
      const rendered = renderChart(
        path.join(DEPLOY, 'helm', 'scimbridge'),
        { name: 'team', namespace: 'default' },
        {
          accountUrl,
          publicUrl: `http://127.0.0.1:${bridgePort}`,
        },
      );
      const docs = [...rendered.values()].flatMap((text) =>
        parseAllDocuments(text).map((doc) => doc.toJSON()),
      );
      const outboxKey = randomBytes(32).toString('base64');
      const databaseUrl = await freshDatabase();
      // The Secrets an operator creates (deploy/kubernetes/split/secrets.example.yaml).
      const secrets: Record<string, Record<string, string>> = {
        'scimbridge-account': {
          'database-url': databaseUrl,
          'outbox-key': outboxKey,
          'smtp-url': sink.url,
          'monitor-token': `sbm_${randomBytes(32).toString('base64url')}`,
        },
        'scimbridge-redis': { url: 'redis://127.0.0.1:6379/0' },
      };
      const processes = ['account', 'bridge'].map((role) => {
        const deployment = docs.find(
          (doc) => doc.kind === 'Deployment' && doc.metadata.name === `team-${role}`,
        );
        const container = deployment.spec.template.spec.containers[0];
        const env: Record<string, string> = {};
        for (const entry of container.env as Array<{
          name: string;
          value?: string;
          valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } };
        }>) {
          if (entry.value !== undefined) env[entry.name] = entry.value;
          else {
            const ref = entry.valueFrom!.secretKeyRef;
            const value = secrets[ref.name]?.[ref.key];
            if (value !== undefined) env[entry.name] = value;
            else assert.ok(ref.optional, `the Secret ${ref.name} needs ${ref.key}`);
          }
        }
        return { role: role as 'account' | 'bridge', command: container.command as string[], env };
      });
      const started = await startExample(
        {
          processes,
          ports: { account: accountPort, bridge: bridgePort },
          smtpUrl: sink.url,
          redisPrefix: `deploy-${randomBytes(4).toString('hex')}:`,
          databaseUrl,
        },
        cleanups,
      );
      await signUpThroughMail(started, sink, accountUrl);
    },
  );
});
