/**
 * The filter AST (RFC 7644 §3.4.2.2). Produced by the pure parser in `parse.ts`, compiled to
 * SQL by the storage layer, and evaluated in memory only against single resources (PATCH
 * value filters), never over a table. It is plain JSON so it can cross the account API.
 */

/** An attribute path as written: `[schemaUrn:]attr[.sub]`. Names keep the client's case;
 * consumers compare them case-insensitively (RFC 7643 §2.1). */
export interface AttrPath {
  /** Schema URN when the client qualified the name, e.g. the Enterprise User extension. */
  schema?: string;
  attr: string;
  sub?: string;
}

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';

export type FilterValue = string | number | boolean | null;

export type Filter =
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  | { op: 'pr'; path: AttrPath }
  | { op: CompareOp; path: AttrPath; value: FilterValue }
  /**
   * `emails[type eq "work" and value co "@x"]`: the inner filter's paths name
   * sub-attributes of `path` (their `attr` is the sub-attribute name), and all of them must
   * hold for one and the same element. Entra's `emails[type eq "work"].value eq "x"` is
   * parsed to this node too, with the trailing comparison and-ed into the inner filter.
   */
  | { op: 'valuePath'; path: AttrPath; filter: Filter };
