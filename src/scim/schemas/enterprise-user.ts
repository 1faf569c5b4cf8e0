/** The Enterprise User extension (RFC 7643 §4.3, schema representation in §8.7.1). */

import { attribute } from './common.ts';
import type { SchemaDef } from './types.ts';
import { ENTERPRISE_USER_URN } from './urns.ts';

export const ENTERPRISE_USER_SCHEMA: SchemaDef = {
  id: ENTERPRISE_USER_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attribute('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to a person.'),
    attribute('costCenter', 'string', 'Identifies the name of a cost center.'),
    attribute('organization', 'string', 'Identifies the name of an organization.'),
    attribute('division', 'string', 'Identifies the name of a division.'),
    attribute('department', 'string', 'Identifies the name of a department.'),
    attribute('manager', 'complex', "The User's manager.", {
      subAttributes: [
        attribute('value', 'string', 'The id of the SCIM resource representing the manager.'),
        attribute('$ref', 'reference', 'The URI of the SCIM resource representing the manager.', {
          referenceTypes: ['User'],
        }),
        attribute('displayName', 'string', "The displayName of the User's manager.", {
          mutability: 'readOnly',
        }),
      ],
    }),
  ],
};
