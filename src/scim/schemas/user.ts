/**
 * The core User schema, attribute by attribute as RFC 7643 §4.1 describes it and with the
 * characteristics of its §8.7.1 schema representation. The common attributes (`id`,
 * `externalId`, `meta`) are in `common.ts`: RFC 7643 §3.1 keeps them out of every schema.
 */

import { attribute, multiValuedAttribute } from './common.ts';
import type { SchemaDef } from './types.ts';
import { USER_URN } from './urns.ts';

const nameAttribute = attribute('name', 'complex', "The components of the user's real name.", {
  subAttributes: [
    attribute(
      'formatted',
      'string',
      "The full name, formatted for display (e.g. 'Ms. Barbara J Jensen, III').",
    ),
    attribute('familyName', 'string', 'The family name of the User, or last name in most Western languages.'),
    attribute('givenName', 'string', 'The given name of the User, or first name in most Western languages.'),
    attribute('middleName', 'string', 'The middle name(s) of the User.'),
    attribute('honorificPrefix', 'string', "The honorific prefix(es) of the User (e.g. 'Ms.')."),
    attribute('honorificSuffix', 'string', "The honorific suffix(es) of the User (e.g. 'III')."),
  ],
});

const addressesAttribute = attribute('addresses', 'complex', 'A physical mailing address for this User.', {
  multiValued: true,
  subAttributes: [
    attribute('formatted', 'string', 'The full mailing address, formatted for display.'),
    attribute('streetAddress', 'string', 'The full street address component.'),
    attribute('locality', 'string', 'The city or locality component.'),
    attribute('region', 'string', 'The state or region component.'),
    attribute('postalCode', 'string', 'The zip code or postal code component.'),
    attribute('country', 'string', 'The country name component, as an ISO 3166-1 alpha-2 code.'),
    attribute('type', 'string', "A label indicating the address's function.", {
      canonicalValues: ['work', 'home', 'other'],
    }),
    attribute('primary', 'boolean', 'A Boolean value indicating the preferred address.'),
  ],
});

/** RFC 7643 §4.1.2: membership is derived by the service provider, so every part is readOnly. */
const groupsAttribute = attribute('groups', 'complex', 'The groups to which the user belongs.', {
  multiValued: true,
  mutability: 'readOnly',
  subAttributes: [
    attribute('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
    attribute('$ref', 'reference', "The URI of the corresponding 'Group' resource.", {
      mutability: 'readOnly',
      referenceTypes: ['User', 'Group'],
    }),
    attribute('display', 'string', 'A human-readable name of the group.', { mutability: 'readOnly' }),
    attribute('type', 'string', "Whether membership is 'direct' or 'indirect'.", {
      mutability: 'readOnly',
      canonicalValues: ['direct', 'indirect'],
    }),
  ],
});

export const USER_SCHEMA: SchemaDef = {
  id: USER_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    attribute('userName', 'string', 'Unique identifier for the User, typically used to sign in.', {
      required: true,
      uniqueness: 'server',
    }),
    nameAttribute,
    attribute('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attribute('nickName', 'string', 'The casual way to address the user in real life.'),
    attribute('profileUrl', 'reference', "A fully qualified URL pointing to the User's online profile.", {
      referenceTypes: ['external'],
    }),
    attribute('title', 'string', "The user's title, such as 'Vice President'."),
    attribute('userType', 'string', 'The relationship between the organization and the user.'),
    attribute(
      'preferredLanguage',
      'string',
      "The User's preferred written or spoken language (e.g. 'en-US').",
    ),
    attribute('locale', 'string', "The User's default location for localizing values (e.g. 'en-US')."),
    attribute('timezone', 'string', "The User's time zone in IANA format (e.g. 'Europe/Amsterdam')."),
    attribute('active', 'boolean', "A Boolean value indicating the User's administrative status."),
    // RFC 7643 §4.1.1: never returned. The product also never stores it (members set their own).
    attribute(
      'password',
      'string',
      "The User's cleartext password; accepted and discarded by this service.",
      {
        mutability: 'writeOnly',
        returned: 'never',
      },
    ),
    // Required here (RFC 7643 leaves it optional): a member is invited and signs in by
    // e-mail, so the service cannot hold a user without an address.
    {
      ...multiValuedAttribute(
        'emails',
        "Email addresses for the user. Required: the member's address is the primary value, else the first of type work, else the first.",
        {
          valueDescription: 'Email address for the User, in RFC 5321 form.',
          canonicalTypes: ['work', 'home', 'other'],
        },
      ),
      required: true,
    },
    multiValuedAttribute('phoneNumbers', 'Phone numbers for the User.', {
      valueDescription: 'Phone number of the User, preferably in RFC 3966 form.',
      canonicalTypes: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
    }),
    multiValuedAttribute('ims', 'Instant messaging addresses for the User.', {
      valueDescription: 'Instant messaging address for the User.',
      canonicalTypes: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
    }),
    multiValuedAttribute('photos', 'URLs of photos of the User.', {
      valueType: 'reference',
      valueDescription: 'URL of a photo of the User.',
      referenceTypes: ['external'],
      canonicalTypes: ['photo', 'thumbnail'],
    }),
    addressesAttribute,
    groupsAttribute,
    multiValuedAttribute('entitlements', 'A list of entitlements for the User.', {
      valueDescription: 'The value of an entitlement.',
    }),
    multiValuedAttribute('roles', 'A list of roles for the User.', {
      valueDescription: 'The value of a role.',
    }),
    multiValuedAttribute('x509Certificates', 'A list of certificates issued to the User.', {
      valueType: 'binary',
      valueDescription: 'The value of an X.509 certificate (DER, base64-encoded).',
    }),
  ],
};
