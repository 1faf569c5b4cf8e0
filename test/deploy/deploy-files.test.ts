/**
 * The deployment files, checked statically (issue 13): Compose files by the Compose rules
 * they use (compose-rules.ts), Kubernetes manifests and the Helm chart's rendered output
 * against the Kubernetes API schemas (kubernetes-models), and the properties an operator
 * relies on: public addresses set, the SCIM path only on the bridge's host, probes on /ping,
 * read-only root filesystems, selectors that select, Services whose ports exist.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { checkCompose, environmentOf, interpolate } from './compose-rules.ts';
import { ChartRenderError, renderChart, renderTemplate } from './helm-render.ts';

const DEPLOY = path.join(import.meta.dirname, '..', '..', 'deploy');
const COMPOSE_ENV = {
  POSTGRES_PASSWORD: 'change-me',
  SCIMBRIDGE_ACCOUNT_URL: 'https://accounts.example.com',
  SCIMBRIDGE_PUBLIC_URL: 'https://scim.example.com',
  SCIMBRIDGE_OUTBOX_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
};

describe('Compose files', () => {
  const files = readdirSync(path.join(DEPLOY, 'compose')).filter((name) => name.endsWith('.yml'));

  test('there is one per shape: one process on SQLite, split, replicas', () => {
    assert.deepEqual(files.sort(), ['replicas.yml', 'single.yml', 'split.yml']);
  });

  for (const name of files) {
    test(`${name} follows the Compose rules, runs read-only, and sets the public addresses`, () => {
      const text = readFileSync(path.join(DEPLOY, 'compose', name), 'utf8');
      const { file, problems } = checkCompose(text, COMPOSE_ENV);
      assert.deepEqual(problems, []);
      const ours = Object.entries(file.services).filter(
        ([, service]) => service.image === 'scimbridge:latest',
      );
      assert.ok(ours.length > 0);
      for (const [service, definition] of ours) {
        assert.equal(definition.read_only, true, `${service} has a read-only root filesystem`);
        const env = environmentOf(definition);
        assert.equal(
          env.SCIMBRIDGE_PUBLIC_URL,
          'https://scim.example.com',
          `${service} sets the SCIM address`,
        );
        const serves = (definition.command as string[]).slice(2).join(' ');
        if (serves !== 'bridge serve') {
          assert.equal(
            env.SCIMBRIDGE_ACCOUNT_URL,
            'https://accounts.example.com',
            `${service}: the members' address`,
          );
        }
        for (const port of definition.ports ?? [])
          assert.match(port, /^127\.0\.0\.1:/, 'published on loopback only');
      }
      // Without the public addresses the file refuses to start instead of mailing localhost links.
      const bare = checkCompose(text, { POSTGRES_PASSWORD: 'x', SCIMBRIDGE_OUTBOX_KEY: 'x' });
      assert.ok(
        bare.problems.some((problem) => /required variable SCIMBRIDGE_ACCOUNT_URL is missing/.test(problem)),
      );
    });
  }

  test('the rules catch what docker compose config would refuse', () => {
    const broken = `
name: Bad
services:
  a:
    restart: sometimes
    ports: ["80:eighty"]
    depends_on: [b]
    volumes: ["undeclared:/data"]
    secrets: [nope]
    healthcheck: { test: ["RUN", "x"], interval: soon }
    environment: { A: "\${B:?B is needed}", C: "cost $ 5" }
    colour: blue
  c:
    image: x
    deploy: { replicas: two }
wat: 1
`;
    const { problems } = checkCompose(broken, {});
    const expected = [
      /unknown top-level element "wat"/,
      /name "Bad"/,
      /services\.a: unknown attribute "colour"/,
      /services\.a: needs image or build/,
      /restart: "sometimes"/,
      /ports\[0\]: "80:eighty"/,
      /depends_on: no service "b"/,
      /volume "undeclared" is not declared/,
      /secret "nope" is not declared/,
      /healthcheck\.test/,
      /healthcheck\.interval: "soon"/,
      /required variable B is missing: B is needed/,
      /a lone "\$"/,
      /deploy\.replicas/,
    ];
    for (const pattern of expected)
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `${pattern}: ${problems.join('\n')}`,
      );
    assert.equal(problems.length, expected.length, problems.join('\n'));
    const p: string[] = [];
    assert.equal(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose substitutions, not JavaScript ones
      interpolate('$$HOME ${X:-a $Y b} ${Z-d} ${E:-e} ${E-f} ${S:+set}', { Y: 'y', E: '', S: '1' }, 'x', p),
      '$HOME a y b d e  set',
    );
    assert.deepEqual(p, []);
  });
});

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

// biome-ignore lint/suspicious/noExplicitAny: manifests are read as plain YAML objects
type Manifest = any;

function documents(texts: Iterable<[string, string]>): Array<{ file: string; doc: Manifest }> {
  return [...texts].flatMap(([file, text]) =>
    parseAllDocuments(text).map((document) => {
      assert.deepEqual(document.errors, [], file);
      return { file, doc: document.toJSON() as Manifest };
    }),
  );
}

function directory(dir: string): Array<[string, string]> {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .map((name) => [path.join(path.basename(dir), name), readFileSync(path.join(dir, name), 'utf8')]);
}

const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** Everything an operator relies on, for one set of manifests meant to be applied together. */
function checkManifests(
  all: Array<{ file: string; doc: Manifest }>,
  expect: { accountHost: string; scimHost: string },
) {
  for (const { file, doc } of all) {
    const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    assert.ok(model, `${file}: ${doc.apiVersion} ${doc.kind} is not a kind these files should use`);
    new model(doc as never).validate();
  }
  const kinds = (kind: string) => all.filter(({ doc }) => doc.kind === kind).map(({ doc }) => doc);
  const deployments = kinds('Deployment');
  assert.ok(deployments.length > 0);
  for (const deployment of deployments) {
    const pod = deployment.spec.template;
    assert.ok(
      selects(deployment.spec.selector.matchLabels, pod.metadata.labels),
      `${deployment.metadata.name} selects its pods`,
    );
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    for (const container of pod.spec.containers) {
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
      for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
        assert.equal(container[probe].httpGet.path, '/ping', `${container.name} ${probe}`);
        assert.ok(container.ports.some((port: Manifest) => port.name === container[probe].httpGet.port));
      }
      const env = Object.fromEntries(
        container.env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]),
      );
      assert.equal(
        new URL(env.SCIMBRIDGE_PUBLIC_URL).host,
        expect.scimHost,
        `${container.name}: SCIMBRIDGE_PUBLIC_URL`,
      );
      if (container.command.join(' ') !== 'node bin/scimbridge.js bridge serve') {
        assert.equal(
          env.SCIMBRIDGE_ACCOUNT_URL,
          `https://${expect.accountHost}`,
          `${container.name}: the members' address`,
        );
      }
      for (const mount of container.volumeMounts) {
        assert.ok(
          pod.spec.volumes.some((volume: Manifest) => volume.name === mount.name),
          `${mount.name} is a volume`,
        );
      }
    }
  }
  const podsOf = (selector: Record<string, string>) =>
    deployments.filter((deployment) => selects(selector, deployment.spec.template.metadata.labels));
  const services = kinds('Service');
  for (const service of services) {
    const [target] = podsOf(service.spec.selector);
    assert.ok(target, `Service ${service.metadata.name} selects a Deployment's pods`);
    const ports = target.spec.template.spec.containers.flatMap((c: Manifest) =>
      c.ports.map((p: Manifest) => p.name),
    );
    for (const port of service.spec.ports)
      assert.ok(ports.includes(port.targetPort), `${service.metadata.name}: port ${port.targetPort}`);
  }
  for (const budget of kinds('PodDisruptionBudget')) {
    assert.equal(
      podsOf(budget.spec.selector.matchLabels).length,
      1,
      `${budget.metadata.name} covers one Deployment`,
    );
  }
  for (const policy of kinds('NetworkPolicy'))
    assert.ok(podsOf(policy.spec.podSelector.matchLabels).length > 0);
  const [ingress] = kinds('Ingress');
  assert.ok(ingress, 'an Ingress');
  assert.deepEqual(
    ingress.spec.tls[0].hosts.sort(),
    [expect.accountHost, expect.scimHost].sort(),
    'TLS for both hosts',
  );
  const rule = (host: string) => ingress.spec.rules.find((r: Manifest) => r.host === host);
  const routes = (host: string) =>
    rule(host).http.paths.map((p: Manifest) => {
      const service = services.find((s) => s.metadata.name === p.backend.service.name);
      assert.ok(service, `the Ingress names Service ${p.backend.service.name}`);
      const port = service.spec.ports.find((q: Manifest) => q.name === p.backend.service.port.name);
      assert.ok(port, `${service.metadata.name} has port ${p.backend.service.port.name}`);
      return `${p.path} → ${port.port}`;
    });
  assert.deepEqual(routes(expect.accountHost), ['/ → 8080'], 'members reach the account server');
  assert.deepEqual(routes(expect.scimHost), ['/scim/v2 → 3002'], 'only the SCIM path on the bridge host');
}

describe('Kubernetes manifests', () => {
  for (const shape of ['single', 'split']) {
    test(`deploy/kubernetes/${shape} validates against the Kubernetes API schemas and hangs together`, () => {
      const all = documents(directory(path.join(DEPLOY, 'kubernetes', shape)));
      checkManifests(all, { accountHost: 'accounts.example.com', scimHost: 'scim.example.com' });
    });
  }
  test('the split shape has what replicas need: a session Secret, PodDisruptionBudgets, a shared outbox key', () => {
    const all = documents(directory(path.join(DEPLOY, 'kubernetes', 'split'))).map(({ doc }) => doc);
    assert.equal(all.filter((doc) => doc.kind === 'PodDisruptionBudget').length, 2);
    const bridge = all.find((doc) => doc.kind === 'Deployment' && doc.metadata.name === 'scimbridge-bridge');
    assert.equal(
      bridge.spec.template.spec.volumes.find((v: Manifest) => v.name === 'session').secret.secretName,
      'scimbridge-session',
    );
    const account = all.find(
      (doc) => doc.kind === 'Deployment' && doc.metadata.name === 'scimbridge-account',
    );
    const outbox = account.spec.template.spec.containers[0].env.find(
      (e: Manifest) => e.name === 'SCIMBRIDGE_OUTBOX_KEY',
    );
    assert.equal(outbox.valueFrom.secretKeyRef.name, 'scimbridge-account');
  });
});

describe('Helm chart', () => {
  const chart = path.join(DEPLOY, 'helm', 'scimbridge');

  test('rendered with its default values, the output validates and hangs together', () => {
    const rendered = renderChart(chart, { name: 'team', namespace: 'default' });
    checkManifests(documents(rendered), {
      accountHost: 'accounts.example.com',
      scimHost: 'scim.example.com',
    });
  });

  test('every value reaches the output: hosts, addresses, replicas, secrets', () => {
    const rendered = renderChart(
      chart,
      { name: 'acme', namespace: 'idp' },
      {
        accountUrl: 'https://join.acme.test',
        publicUrl: 'https://provisioning.acme.test',
        ingress: { accountHost: 'join.acme.test', scimHost: 'provisioning.acme.test' },
        account: { replicas: 3, secretName: 'acme-account' },
        bridge: { replicas: 4, sessionSecretName: 'acme-session' },
      },
    );
    const all = documents(rendered).map(({ doc }) => doc);
    checkManifests(documents(rendered), {
      accountHost: 'join.acme.test',
      scimHost: 'provisioning.acme.test',
    });
    const byName = (name: string) =>
      all.find((doc) => doc.kind === 'Deployment' && doc.metadata.name === name);
    assert.equal(byName('acme-account').spec.replicas, 3);
    assert.equal(byName('acme-bridge').spec.replicas, 4);
    assert.equal(byName('acme-bridge').spec.template.spec.volumes[0].secret.secretName, 'acme-session');
    const text = [...rendered.values()].join('\n');
    assert.doesNotMatch(text, /example\.com|\{\{/);
  });

  test('the renderer refuses what it does not implement instead of guessing', () => {
    const context = {
      values: { a: { b: 'x' }, n: 1_000_000, list: [1] },
      release: { name: 'r', namespace: 'n' },
      chart: { name: 'c', version: '1' },
    };
    assert.equal(renderTemplate('v: {{ .Values.a.b }}-{{ .Release.Name }}', context, 't'), 'v: x-r');
    for (const [template, message] of [
      ['{{ .Values.a.b | quote }}', /not plain substitution/],
      ['{{- .Values.a.b }}', /not plain substitution/],
      ['{{ if .Values.a }}x{{ end }}', /not plain substitution/],
      ['{{ .Values.a.missing }}', /no value a\.missing/],
      ['{{ .Values.n }}', /not a plain value/],
      ['{{ .Values.list }}', /not a plain value/],
    ] as const) {
      assert.throws(
        () => renderTemplate(template, context, 't'),
        (error: unknown) => error instanceof ChartRenderError && message.test(String(error)),
      );
    }
  });
});
