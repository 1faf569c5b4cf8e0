/** SCIM Group ⇄ account group. */

import type { GroupInput } from '../../account/client.ts';
import type { Group, GroupMemberRef } from '../../account/model.ts';
import { invalidValue } from '../../scim/errors.ts';
import { etagFor } from '../../scim/etag.ts';
import { GROUP_URN } from '../../scim/schemas/urns.ts';

export function toScimGroup(
  group: Group,
  members: readonly GroupMemberRef[] | undefined,
  baseUrl: string,
): Record<string, unknown> {
  const doc: Record<string, unknown> = { schemas: [GROUP_URN], id: group.id };
  if (group.externalId !== null) doc.externalId = group.externalId;
  doc.displayName = group.displayName;
  if (members !== undefined) {
    doc.members = members.map((member) => ({
      value: member.id,
      $ref: `${baseUrl}/Users/${member.id}`,
      display: member.display ?? undefined,
      type: 'User',
    }));
  }
  doc.meta = {
    resourceType: 'Group',
    created: group.createdAt,
    lastModified: group.updatedAt,
    location: `${baseUrl}/Groups/${group.id}`,
    version: etagFor(group.version),
  };
  return doc;
}

export function toGroupInput(doc: Record<string, unknown>): GroupInput {
  const displayName = doc.displayName;
  if (typeof displayName !== 'string' || displayName.trim() === '')
    throw invalidValue('displayName is required');
  const externalId = typeof doc.externalId === 'string' && doc.externalId !== '' ? doc.externalId : null;
  return { displayName: displayName.trim(), externalId };
}
