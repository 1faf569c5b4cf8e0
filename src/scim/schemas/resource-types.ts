/** The resource types this service provider serves (RFC 7643 §6). */

import { ENTERPRISE_USER_SCHEMA } from './enterprise-user.ts';
import { GROUP_SCHEMA } from './group.ts';
import type { ResourceTypeDef } from './types.ts';
import { USER_SCHEMA } from './user.ts';

export const USER_RESOURCE_TYPE: ResourceTypeDef = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDef = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  extensions: [],
};

export const RESOURCE_TYPES: readonly ResourceTypeDef[] = [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE];
