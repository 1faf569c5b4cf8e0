/**
 * A static check of Compose files by the rules of the Compose specification that our files
 * use (compose-spec.io: the top-level elements, services, interpolation), for a machine
 * without `docker compose` (no engine runs here, and the docker client here has no compose
 * plugin). It reads a file as `docker compose config` would: YAML, then interpolation with
 * the given environment, then the structure. Each problem is one message naming the place.
 */
import { parse } from 'yaml';

const TOP_LEVEL = new Set(['name', 'services', 'volumes', 'secrets', 'networks', 'configs']);
const SERVICE_KEYS = new Set([
  'build',
  'image',
  'command',
  'entrypoint',
  'restart',
  'read_only',
  'tmpfs',
  'depends_on',
  'environment',
  'env_file',
  'volumes',
  'ports',
  'expose',
  'healthcheck',
  'secrets',
  'deploy',
  'user',
  'working_dir',
  'networks',
  'labels',
  'cap_drop',
  'security_opt',
  'stop_grace_period',
]);
const RESTART = new Set(['no', 'always', 'on-failure', 'unless-stopped']);
const CONDITIONS = new Set(['service_started', 'service_healthy', 'service_completed_successfully']);
const HEALTHCHECK_KEYS = new Set([
  'test',
  'interval',
  'timeout',
  'retries',
  'start_period',
  'start_interval',
  'disable',
]);
const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const PORT =
  /^(?:(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?(?:\d{1,5}(?:-\d{1,5})?:)?\d{1,5}(?:-\d{1,5})?(?:\/(?:tcp|udp))?$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

type Env = Record<string, string | undefined>;

/**
 * Compose interpolation (spec: "Interpolation"): $$ is a dollar; ${VAR}, $VAR, ${VAR:-default},
 * ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement}.
 */
export function interpolate(text: string, env: Env, where: string, problems: string[]): string {
  return text.replace(
    /\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*)|)/g,
    (whole, _all, braced: string | undefined, bare: string | undefined) => {
      if (whole === '$$') return '$';
      if (bare !== undefined) return env[bare] ?? '';
      if (braced === undefined) {
        problems.push(`${where}: a lone "$" (write "$$" for a dollar sign)`);
        return '';
      }
      if (braced.includes('${')) {
        problems.push(`${where}: nested substitutions are beyond this check; keep them flat`);
        return '';
      }
      const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s.exec(braced);
      if (!match) {
        problems.push(`${where}: "\${${braced}}" is not a valid substitution`);
        return '';
      }
      const [, name, colon, operator, argument = ''] = match;
      const value = env[name!];
      const unset = colon === ':' ? value === undefined || value === '' : value === undefined;
      if (operator === undefined) return value ?? '';
      if (operator === '-') return unset ? interpolate(argument, env, where, problems) : value!;
      if (operator === '+') return unset ? '' : interpolate(argument, env, where, problems);
      if (unset) problems.push(`${where}: required variable ${name} is missing: ${argument}`);
      return value ?? '';
    },
  );
}

function interpolateAll(node: unknown, env: Env, where: string, problems: string[]): unknown {
  if (typeof node === 'string') return interpolate(node, env, where, problems);
  if (Array.isArray(node))
    return node.map((item, i) => interpolateAll(item, env, `${where}[${i}]`, problems));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        interpolateAll(value, env, `${where}.${key}`, problems),
      ]),
    );
  }
  return node;
}

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

export interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: string[];
  read_only?: boolean;
  [key: string]: unknown;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
}

/** The file as `docker compose config` would see it, and every rule it breaks. */
export function checkCompose(text: string, env: Env): { file: ComposeFile; problems: string[] } {
  const problems: string[] = [];
  const raw = parse(text) as unknown;
  if (!isMap(raw)) return { file: { services: {} }, problems: ['the file is not a YAML mapping'] };
  const file = interpolateAll(raw, env, '', problems) as Record<string, unknown>;
  for (const key of Object.keys(file)) {
    if (!TOP_LEVEL.has(key) && !key.startsWith('x-')) problems.push(`unknown top-level element "${key}"`);
  }
  if (file.name !== undefined && !/^[a-z0-9][a-z0-9_-]*$/.test(String(file.name))) {
    problems.push(`name "${String(file.name)}" must be lower-case letters, digits, dashes and underscores`);
  }
  const services = file.services;
  if (!isMap(services) || Object.keys(services).length === 0) problems.push('no services');
  const volumes = isMap(file.volumes) ? file.volumes : {};
  const secrets = isMap(file.secrets) ? file.secrets : {};
  for (const [name, secret] of Object.entries(secrets)) {
    if (!isMap(secret) || !['file', 'environment', 'external'].some((key) => key in secret)) {
      problems.push(`secrets.${name}: needs file, environment or external`);
    }
  }
  for (const [name, service] of Object.entries(isMap(services) ? services : {})) {
    const at = `services.${name}`;
    if (!isMap(service)) {
      problems.push(`${at}: not a mapping`);
      continue;
    }
    for (const key of Object.keys(service)) {
      if (!SERVICE_KEYS.has(key) && !key.startsWith('x-')) problems.push(`${at}: unknown attribute "${key}"`);
    }
    if (service.image === undefined && service.build === undefined)
      problems.push(`${at}: needs image or build`);
    if (service.restart !== undefined && !RESTART.has(String(service.restart))) {
      problems.push(`${at}.restart: "${String(service.restart)}" is not one of ${[...RESTART].join(', ')}`);
    }
    if (service.read_only !== undefined && typeof service.read_only !== 'boolean') {
      problems.push(`${at}.read_only: must be true or false`);
    }
    if (
      service.command !== undefined &&
      typeof service.command !== 'string' &&
      !isStringList(service.command)
    ) {
      problems.push(`${at}.command: a string or a list of strings`);
    }
    const environment = service.environment;
    if (environment !== undefined) {
      const ok = isMap(environment)
        ? Object.values(environment).every(
            (value) => value === null || ['string', 'number', 'boolean'].includes(typeof value),
          )
        : isStringList(environment) && environment.every((item) => /^[^=]+(=.*)?$/s.test(item));
      if (!ok) problems.push(`${at}.environment: a mapping of plain values or a list of NAME=value`);
    }
    const dependsOn = service.depends_on;
    if (dependsOn !== undefined) {
      const entries = Array.isArray(dependsOn)
        ? dependsOn.map((item) => [String(item), {}] as const)
        : Object.entries(isMap(dependsOn) ? dependsOn : {});
      for (const [other, how] of entries) {
        if (!isMap(services) || !(other in services))
          problems.push(`${at}.depends_on: no service "${other}"`);
        if (isMap(how) && how.condition !== undefined && !CONDITIONS.has(String(how.condition))) {
          problems.push(`${at}.depends_on.${other}.condition: "${String(how.condition)}" is not a condition`);
        }
      }
    }
    for (const [i, port] of (Array.isArray(service.ports) ? service.ports : []).entries()) {
      if (typeof port !== 'string' || !PORT.test(port))
        problems.push(`${at}.ports[${i}]: "${String(port)}" is not a port mapping`);
    }
    for (const [i, volume] of (Array.isArray(service.volumes) ? service.volumes : []).entries()) {
      const source = String(volume).split(':')[0]!;
      if (String(volume).split(':').length < 2)
        problems.push(`${at}.volumes[${i}]: "${String(volume)}" needs source:target`);
      else if (!source.startsWith('.') && !source.startsWith('/')) {
        if (!VOLUME_NAME.test(source)) problems.push(`${at}.volumes[${i}]: "${source}" is not a volume name`);
        else if (!(source in volumes))
          problems.push(`${at}.volumes[${i}]: volume "${source}" is not declared under volumes`);
      }
    }
    for (const secret of Array.isArray(service.secrets) ? service.secrets : []) {
      const secretName = isMap(secret) ? String(secret.source) : String(secret);
      if (!(secretName in secrets))
        problems.push(`${at}.secrets: secret "${secretName}" is not declared under secrets`);
    }
    const healthcheck = service.healthcheck;
    if (healthcheck !== undefined) {
      if (!isMap(healthcheck)) problems.push(`${at}.healthcheck: not a mapping`);
      else {
        for (const key of Object.keys(healthcheck)) {
          if (!HEALTHCHECK_KEYS.has(key)) problems.push(`${at}.healthcheck: unknown attribute "${key}"`);
        }
        const test = healthcheck.test;
        if (
          !(
            typeof test === 'string' ||
            (isStringList(test) && ['CMD', 'CMD-SHELL', 'NONE'].includes(test[0]!))
          )
        ) {
          problems.push(`${at}.healthcheck.test: a string, or a list starting with CMD, CMD-SHELL or NONE`);
        }
        for (const key of ['interval', 'timeout', 'start_period', 'start_interval']) {
          if (healthcheck[key] !== undefined && !DURATION.test(String(healthcheck[key]))) {
            problems.push(`${at}.healthcheck.${key}: "${String(healthcheck[key])}" is not a duration`);
          }
        }
      }
    }
    if (service.deploy !== undefined) {
      const replicas = isMap(service.deploy) ? service.deploy.replicas : undefined;
      if (replicas !== undefined && !(Number.isInteger(replicas) && (replicas as number) >= 0)) {
        problems.push(`${at}.deploy.replicas: a whole number`);
      }
    }
  }
  return { file: file as unknown as ComposeFile, problems };
}

/** A service's environment as name → text, as the container gets it. */
export function environmentOf(service: ComposeService): Record<string, string> {
  const environment = service.environment;
  if (environment === undefined) return {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((item) => {
        const at = item.indexOf('=');
        return at === -1 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]),
  );
}
