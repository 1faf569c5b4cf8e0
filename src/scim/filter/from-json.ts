/**
 * Reads a filter AST that crossed the account API as JSON. The bridge parsed the filter
 * text already; the account checks the shape again here because a JSON body is untrusted
 * input: unknown node kinds, wrong types, extra depth and oversized trees are refused.
 * The attribute names are checked later against the storage whitelist, like parsed ones.
 */
import type { AttrPath, CompareOp, Filter } from './ast.ts';
import { COMPARE_OPS, MAX_FILTER_DEPTH } from './parse.ts';

const MAX_NODES = 512;
const MAX_TEXT = 4096;
const NAME = /^[A-Za-z$][\w$-]{0,127}$/;

export class FilterJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterJsonError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function attrPathFromJson(value: unknown): AttrPath {
  if (!isRecord(value) || typeof value.attr !== 'string' || !NAME.test(value.attr)) {
    throw new FilterJsonError('an attribute path needs "attr", an attribute name');
  }
  const path: AttrPath = { attr: value.attr };
  if (value.sub !== undefined && value.sub !== null) {
    if (typeof value.sub !== 'string' || !NAME.test(value.sub))
      throw new FilterJsonError('"sub" must be an attribute name');
    path.sub = value.sub;
  }
  if (value.schema !== undefined && value.schema !== null) {
    if (typeof value.schema !== 'string' || !/^urn:[\w.:-]{1,250}$/.test(value.schema)) {
      throw new FilterJsonError('"schema" must be a schema URN');
    }
    path.schema = value.schema;
  }
  return path;
}

export function filterFromJson(value: unknown): Filter {
  let nodes = 0;
  const read = (node: unknown, depth: number): Filter => {
    if (++nodes > MAX_NODES) throw new FilterJsonError(`the filter has more than ${MAX_NODES} nodes`);
    if (depth > MAX_FILTER_DEPTH * 2) throw new FilterJsonError('the filter is nested too deeply');
    if (!isRecord(node) || typeof node.op !== 'string') throw new FilterJsonError('a filter node needs "op"');
    const { op } = node;
    if (op === 'and' || op === 'or')
      return { op, left: read(node.left, depth + 1), right: read(node.right, depth + 1) };
    if (op === 'not') return { op, filter: read(node.filter, depth + 1) };
    if (op === 'pr') return { op, path: attrPathFromJson(node.path) };
    if (op === 'valuePath')
      return { op, path: attrPathFromJson(node.path), filter: read(node.filter, depth + 1) };
    if (COMPARE_OPS.has(op)) {
      const v = node.value;
      const ok =
        v === null ||
        typeof v === 'boolean' ||
        (typeof v === 'number' && Number.isFinite(v)) ||
        (typeof v === 'string' && v.length <= MAX_TEXT);
      if (!ok)
        throw new FilterJsonError(
          'a comparison value must be a string, a finite number, true, false or null',
        );
      return {
        op: op as CompareOp,
        path: attrPathFromJson(node.path),
        value: v as string | number | boolean | null,
      };
    }
    throw new FilterJsonError(`unknown filter operator "${op.slice(0, 20)}"`);
  };
  return read(value, 0);
}
