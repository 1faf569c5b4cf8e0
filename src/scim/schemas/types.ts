/**
 * Schema definitions in the shape of RFC 7643 §7 ("Schema Definition"). The same objects
 * drive validation, PATCH, PUT, projection and filtering, and are served as-is by
 * `/Schemas`, so what is advertised is what is enforced.
 */

export type AttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';

export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';
export type Uniqueness = 'none' | 'server' | 'global';

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  /** The schema URN. */
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

/** A resource type with its core schema and extensions (RFC 7643 §6). */
export interface ResourceTypeDef {
  /** 'User' | 'Group' */
  name: string;
  /** '/Users' | '/Groups' */
  endpoint: string;
  description: string;
  schema: SchemaDef;
  extensions: Array<{ schema: SchemaDef; required: boolean }>;
}
