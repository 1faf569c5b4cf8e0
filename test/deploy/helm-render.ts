/**
 * Renders the scimbridge Helm chart without helm (none is installed here, and CI installs
 * none). The chart's templates are kept to plain substitution on purpose — `{{ .Values.a.b }}`,
 * `{{ .Release.Name }}`, `{{ .Release.Namespace }}`, `{{ .Chart.Name }}`, `{{ .Chart.Version }}` —
 * so that this renderer and helm give the same text. Anything else (a function, a pipeline,
 * a condition, trimming dashes) is refused rather than guessed, and so is a value that Go's
 * templates would print differently from JavaScript (maps, lists, large or fractional numbers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export class ChartRenderError extends Error {}

export interface Release {
  name: string;
  namespace: string;
}

const ACTION = /\{\{(.*?)\}\}/gs;
const REFERENCE =
  /^ (\.Values(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.Release\.Name|\.Release\.Namespace|\.Chart\.Name|\.Chart\.Version) $/;

function lookup(root: unknown, dotted: string, where: string): unknown {
  let value = root;
  for (const key of dotted.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) {
      throw new ChartRenderError(`${where}: no value ${dotted}`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function printed(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  // Helm reads YAML numbers as float64 and prints 1e+06 from a million: only small whole numbers print alike.
  if (typeof value === 'number' && Number.isInteger(value) && Math.abs(value) < 1_000_000)
    return String(value);
  throw new ChartRenderError(
    `${where}: ${JSON.stringify(value)} is not a plain value this chart may substitute`,
  );
}

/** One template's text with every action replaced. */
export function renderTemplate(
  text: string,
  context: { values: unknown; release: Release; chart: { name: string; version: string } },
  file: string,
): string {
  return text.replace(ACTION, (_whole, inner: string, offset: number) => {
    const line = text.slice(0, offset).split('\n').length;
    const where = `${file}:${line}`;
    const match = REFERENCE.exec(inner);
    if (!match) throw new ChartRenderError(`${where}: {{${inner}}} is not plain substitution`);
    const reference = match[1]!;
    if (reference === '.Release.Name') return context.release.name;
    if (reference === '.Release.Namespace') return context.release.namespace;
    if (reference === '.Chart.Name') return context.chart.name;
    if (reference === '.Chart.Version') return context.chart.version;
    return printed(lookup(context.values, reference.slice('.Values.'.length), where), where);
  });
}

/** Deep merge of values files, later ones winning (helm's -f order). */
function merge(base: unknown, over: unknown): unknown {
  if (typeof base !== 'object' || base === null || typeof over !== 'object' || over === null) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(over)) out[key] = merge(out[key], value);
  return out;
}

/** Every template of the chart in `dir`, rendered: file name → YAML text. */
export function renderChart(dir: string, release: Release, overrides: unknown = {}): Map<string, string> {
  const chart = parse(readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as {
    name: string;
    version: string;
  };
  const values = merge(parse(readFileSync(path.join(dir, 'values.yaml'), 'utf8')), overrides);
  const rendered = new Map<string, string>();
  const templates = path.join(dir, 'templates');
  for (const file of readdirSync(templates).sort()) {
    if (!file.endsWith('.yaml')) continue;
    const text = readFileSync(path.join(templates, file), 'utf8');
    rendered.set(file, renderTemplate(text, { values, release, chart }, `templates/${file}`));
  }
  return rendered;
}
