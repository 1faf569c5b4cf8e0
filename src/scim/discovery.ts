/**
 * Discovery documents (RFC 7644 §4; RFC 7643 §5, §6, §7). They are built from the same
 * schema objects that validation, PATCH and projection use, so the service advertises
 * exactly what it enforces. Documents are built once per base URL and then reused.
 */

import { RESOURCE_TYPES } from './schemas/resource-types.ts';
import type { ResourceTypeDef, SchemaDef } from './schemas/types.ts';
import { RESOURCE_TYPE_URN, SCHEMA_URN, SERVICE_PROVIDER_CONFIG_URN } from './schemas/urns.ts';

export interface ServiceProviderConfigOptions {
  documentationUri?: string;
  bulk: { maxOperations: number; maxPayloadSize: number };
  filterMaxResults: number;
  etag: boolean;
  changePassword: false;
  sort: boolean;
  /** When given, `meta.location` is set. */
  baseUrl?: string;
}

/** The ServiceProviderConfig document (RFC 7643 §5). */
export function serviceProviderConfig(opts: ServiceProviderConfigOptions): Record<string, unknown> {
  const doc: Record<string, unknown> = { schemas: [SERVICE_PROVIDER_CONFIG_URN] };
  if (opts.documentationUri) doc.documentationUri = opts.documentationUri;
  doc.patch = { supported: true };
  doc.bulk = {
    supported: true,
    maxOperations: opts.bulk.maxOperations,
    maxPayloadSize: opts.bulk.maxPayloadSize,
  };
  doc.filter = { supported: true, maxResults: opts.filterMaxResults };
  doc.changePassword = { supported: opts.changePassword };
  doc.sort = { supported: opts.sort };
  doc.etag = { supported: opts.etag };
  doc.authenticationSchemes = [
    {
      type: 'oauthbearertoken',
      name: 'OAuth Bearer Token',
      description: 'Authentication with the bearer token generated when provisioning was turned on.',
      specUri: 'https://www.rfc-editor.org/info/rfc6750',
      primary: true,
    },
  ];
  const meta: Record<string, string> = { resourceType: 'ServiceProviderConfig' };
  if (opts.baseUrl !== undefined) meta.location = `${trimSlash(opts.baseUrl)}/ServiceProviderConfig`;
  doc.meta = meta;
  return doc;
}

interface DiscoveryDocuments {
  resourceTypes: Record<string, unknown>[];
  resourceTypesByName: Map<string, Record<string, unknown>>;
  schemas: Record<string, unknown>[];
  schemasById: Map<string, Record<string, unknown>>;
}

const cache = new Map<string, DiscoveryDocuments>();
/** Base URLs come from configuration; the bound only guards against a caller passing per-request hosts. */
const MAX_CACHED_BASE_URLS = 16;

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function documentsFor(baseUrl: string): DiscoveryDocuments {
  const base = trimSlash(baseUrl);
  const cached = cache.get(base);
  if (cached) return cached;
  const resourceTypes = RESOURCE_TYPES.map((rt) => resourceTypeDocument(base, rt));
  const seen = new Set<string>();
  const schemaDefs: SchemaDef[] = [];
  for (const rt of RESOURCE_TYPES) {
    for (const schema of [rt.schema, ...rt.extensions.map((extension) => extension.schema)]) {
      if (!seen.has(schema.id)) {
        seen.add(schema.id);
        schemaDefs.push(schema);
      }
    }
  }
  const schemas = schemaDefs.map((schema) => schemaDocument(base, schema));
  const docs: DiscoveryDocuments = {
    resourceTypes,
    resourceTypesByName: new Map(resourceTypes.map((doc) => [String(doc.id).toLowerCase(), doc])),
    schemas,
    schemasById: new Map(schemas.map((doc) => [String(doc.id).toLowerCase(), doc])),
  };
  if (cache.size >= MAX_CACHED_BASE_URLS) cache.clear();
  cache.set(base, docs);
  return docs;
}

function resourceTypeDocument(base: string, rt: ResourceTypeDef): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_URN],
    id: rt.name,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema.id,
    schemaExtensions: rt.extensions.map(({ schema, required }) => ({ schema: schema.id, required })),
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${rt.name}` },
  };
}

function schemaDocument(base: string, schema: SchemaDef): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URN],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${schema.id}` },
  };
}

/** Every ResourceType document (RFC 7643 §6). Shared objects: do not mutate. */
export function resourceTypes(baseUrl: string): Record<string, unknown>[] {
  return documentsFor(baseUrl).resourceTypes;
}

/** The ResourceType named `name` (case-insensitive), or undefined. */
export function resourceType(baseUrl: string, name: string): Record<string, unknown> | undefined {
  return documentsFor(baseUrl).resourceTypesByName.get(name.toLowerCase());
}

/** Every Schema document (RFC 7643 §7): the schema definitions themselves plus `schemas` and `meta`. */
export function schemas(baseUrl: string): Record<string, unknown>[] {
  return documentsFor(baseUrl).schemas;
}

/** The Schema document whose id (URN, case-insensitive) is `id`, or undefined. */
export function schema(baseUrl: string, id: string): Record<string, unknown> | undefined {
  return documentsFor(baseUrl).schemasById.get(id.toLowerCase());
}
