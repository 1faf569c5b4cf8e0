/**
 * Building blocks shared by the schema definitions: a compact attribute constructor whose
 * defaults are RFC 7643 §2.2's ("required" false, "caseExact" false, "mutability"
 * readWrite, "returned" default, "uniqueness" none), and the common attributes `id`,
 * `externalId` and `meta` of RFC 7643 §3.1, which belong to every resource but to no schema.
 */

import type { AttributeDef, AttributeType } from './types.ts';

type AttributeOptions = Partial<Omit<AttributeDef, 'name' | 'type' | 'description'>>;

/** An attribute definition with RFC 7643 §2.2 defaults; keys come out in the RFC's order. */
export function attribute(
  name: string,
  type: AttributeType,
  description: string,
  options: AttributeOptions = {},
): AttributeDef {
  const def: AttributeDef = {
    name,
    type,
    multiValued: options.multiValued ?? false,
    description,
    required: options.required ?? false,
    caseExact: options.caseExact ?? false,
    mutability: options.mutability ?? 'readWrite',
    returned: options.returned ?? 'default',
    uniqueness: options.uniqueness ?? 'none',
  };
  if (options.canonicalValues) def.canonicalValues = options.canonicalValues;
  if (options.referenceTypes) def.referenceTypes = options.referenceTypes;
  if (options.subAttributes) def.subAttributes = options.subAttributes;
  return def;
}

/**
 * The `value`/`display`/`type`/`primary` quartet that RFC 7643 §2.4 gives most multi-valued
 * attributes (emails, phoneNumbers, ims, photos, entitlements, roles, x509Certificates).
 */
export function multiValuedAttribute(
  name: string,
  description: string,
  item: {
    valueType?: AttributeType;
    valueDescription: string;
    referenceTypes?: string[];
    canonicalTypes?: string[];
  },
): AttributeDef {
  const valueOptions: AttributeOptions = {};
  if (item.referenceTypes) valueOptions.referenceTypes = item.referenceTypes;
  const typeOptions: AttributeOptions = {};
  if (item.canonicalTypes) typeOptions.canonicalValues = item.canonicalTypes;
  return attribute(name, 'complex', description, {
    multiValued: true,
    subAttributes: [
      attribute('value', item.valueType ?? 'string', item.valueDescription, valueOptions),
      attribute('display', 'string', 'A human-readable name, primarily used for display purposes.'),
      attribute('type', 'string', `A label indicating the function of the ${name} value.`, typeOptions),
      attribute(
        'primary',
        'boolean',
        'A Boolean value indicating the preferred value of this attribute; at most one value may be primary.',
      ),
    ],
  });
}

/** RFC 7643 §3.1 `id`: assigned by the service provider, always returned, never changed. */
export const ID_ATTRIBUTE = attribute(
  'id',
  'string',
  'Unique identifier of the resource, issued by the service provider.',
  {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  },
);

/** RFC 7643 §3.1 `externalId`: the client's own identifier, compared case-exactly. */
export const EXTERNAL_ID_ATTRIBUTE = attribute(
  'externalId',
  'string',
  'Identifier of the resource as defined by the provisioning client.',
  { caseExact: true },
);

/** RFC 7643 §3.1 `meta`: resource metadata, all of it set by the service provider. */
export const META_ATTRIBUTE = attribute(
  'meta',
  'complex',
  'Resource metadata maintained by the service provider.',
  {
    mutability: 'readOnly',
    subAttributes: [
      attribute('resourceType', 'string', 'The name of the resource type of the resource.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
      attribute('created', 'dateTime', 'The date and time the resource was added to the service provider.', {
        mutability: 'readOnly',
      }),
      attribute('lastModified', 'dateTime', 'The date and time the resource was last modified.', {
        mutability: 'readOnly',
      }),
      attribute('location', 'reference', 'The URI of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
        referenceTypes: ['uri'],
      }),
      attribute('version', 'string', 'The version (ETag) of the resource being returned.', {
        caseExact: true,
        mutability: 'readOnly',
      }),
    ],
  },
);

/** The common attributes, in the order resources are rendered. */
export const COMMON_ATTRIBUTES: readonly AttributeDef[] = [
  ID_ATTRIBUTE,
  EXTERNAL_ID_ATTRIBUTE,
  META_ATTRIBUTE,
];
