/** `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) on any request that returns a resource. */
import type { AttrPath } from '../../scim/filter/ast.ts';
import { parseAttrPathList } from '../../scim/filter/parse.ts';

export interface ProjectionParams {
  attributes?: AttrPath[];
  excludedAttributes?: AttrPath[];
}

export function projectionFor(query: Record<string, unknown>): ProjectionParams {
  const params: ProjectionParams = {};
  if (typeof query.attributes === 'string') params.attributes = parseAttrPathList(query.attributes);
  if (typeof query.excludedAttributes === 'string') {
    params.excludedAttributes = parseAttrPathList(query.excludedAttributes);
  }
  return params;
}

/** Whether the request names `attributes` or `excludedAttributes` at all. */
export function hasProjection(params: ProjectionParams): boolean {
  return Boolean(params.attributes?.length || params.excludedAttributes?.length);
}

/** Whether a top-level attribute will survive the projection, so that costly ones can be skipped. */
export function wantsAttribute(params: ProjectionParams, name: string): boolean {
  if (!hasProjection(params)) return true;
  const lower = name.toLowerCase();
  const names = (paths: AttrPath[] | undefined) => (paths ?? []).map((path) => path.attr.toLowerCase());
  if (params.attributes && params.attributes.length > 0) return names(params.attributes).includes(lower);
  if (params.excludedAttributes) {
    return !params.excludedAttributes.some(
      (path) => path.attr.toLowerCase() === lower && path.sub === undefined,
    );
  }
  return true;
}
