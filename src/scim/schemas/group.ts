/**
 * The core Group schema (RFC 7643 §4.2, §8.7.1). Deviation from the RFC listing, on purpose:
 * `displayName` is required, because a team group without a name cannot be shown to anyone.
 */

import { attribute } from './common.ts';
import type { SchemaDef } from './types.ts';
import { GROUP_URN } from './urns.ts';

export const GROUP_SCHEMA: SchemaDef = {
  id: GROUP_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', 'A human-readable name for the Group.', { required: true }),
    attribute('members', 'complex', 'A list of members of the Group.', {
      multiValued: true,
      subAttributes: [
        attribute('value', 'string', 'Identifier of the member of this Group.', {
          caseExact: true,
          mutability: 'immutable',
        }),
        attribute('$ref', 'reference', 'The URI of the member resource.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        // Computed by the service provider from the member itself; what a client sends is ignored.
        attribute('display', 'string', 'A human-readable name of the member.', { mutability: 'readOnly' }),
        attribute('type', 'string', 'The type of the member resource.', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
    }),
  ],
};
