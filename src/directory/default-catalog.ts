import type { Catalog, CatalogInput } from './catalog.ts';
import { validateCatalog } from './permissions.ts';

/*
 * The default roles & permissions, following the help pages our customers model themselves on
 * (reference/seeds): imgix's permission list, ImageKit's predefined roles, Gumlet's owner, composite admin and
 * per-product and source-specific roles. Ids are stable: they appear in ID tokens and stored bindings.
 *
 *   role                      expands to (implications included)
 *   owner                     everything
 *   account-admin             everything but organization:manage
 *   admin                     developer + analyst + accountant, without users:manage, billing:read
 *                             (so billing:manage) and api-keys:manage
 *   developer                 image-developer + video-developer + settings, media library, image analytics
 *   analyst                   image-analyst + video-analyst
 *   accountant                billing:manage (billing:read, invoices:pay, invoices:read), analytics:read
 *   marketer                  media-library-full
 *   image-admin / video-admin image-/video-developer + image-/video-analyst
 *   source-viewer             sources:read, analytics:read; bound to sources only
 *   video-collection-viewer   videos:read, video-analytics:read; bound to video collections only
 *   media-library-restricted  assets:edit, assets:browse; bound to folders only
 */

const permissions: CatalogInput['permissions'] = [
  // Account
  { id: 'organization:manage', label: 'Owner options', description: 'Rename or delete the organisation and transfer its ownership.' },
  { id: 'security:manage', label: 'Security', description: 'Choose login methods, enforce MFA, and configure identity providers and their group mapping.' },
  { id: 'users:read', label: 'View users', description: 'See the users and groups of the organisation and their roles.' },
  {
    id: 'users:manage',
    label: 'User management',
    description: 'Invite, edit and remove users and groups, and assign roles (never beyond one\'s own).',
    implies: ['users:read'],
  },
  { id: 'api-keys:manage', label: 'API keys', description: 'View, create and revoke API keys.' },
  {
    id: 'settings:manage',
    label: 'Settings & integrations',
    description: 'Account features and settings: image and video settings, integrations, performance center, developer section.',
  },
  // Billing
  { id: 'billing:read', label: 'View billing', description: 'See billing details: plan, subscription, payment method and billing address.' },
  {
    id: 'billing:manage',
    label: 'Billing',
    description: 'Edit billing information, change or cancel the subscription, update the payment method, view and pay invoices.',
    implies: ['billing:read', 'invoices:pay'],
  },
  { id: 'invoices:read', label: 'View invoices', description: 'View and download invoices.' },
  { id: 'invoices:pay', label: 'Pay invoices', description: 'Pay outstanding invoices.', implies: ['invoices:read'] },
  // Images
  { id: 'analytics:read', label: 'Analytics', description: 'Usage analytics and image insights, filterable by source.', scopeTypes: ['source'] },
  { id: 'sources:read', label: 'View sources', description: 'See sources and their configuration.', scopeTypes: ['source'] },
  { id: 'sources:edit', label: 'Sources', description: 'Create, edit, deploy and delete sources.', implies: ['sources:read'], scopeTypes: ['source'] },
  { id: 'cache:purge', label: 'Purge', description: 'Remove deleted or out-of-date assets from the caches.', scopeTypes: ['source'] },
  {
    id: 'assets:browse',
    label: 'Asset Manager Browse',
    description: 'View all content in the asset manager (media library).',
    scopeTypes: ['source', 'folder'],
  },
  {
    id: 'assets:edit',
    label: 'Asset Manager Edit',
    description: 'Upload, edit, move and delete assets in the asset manager; includes browsing.',
    implies: ['assets:browse'],
    scopeTypes: ['source', 'folder'],
  },
  { id: 'assets:audit', label: 'Media library audit log', description: 'View the audit log of changes to assets.', scopeTypes: ['source', 'folder'] },
  // Videos
  { id: 'videos:read', label: 'View videos', description: 'See video assets and collections.', scopeTypes: ['video-collection'] },
  { id: 'videos:edit', label: 'Videos', description: 'Create and delete video assets.', implies: ['videos:read'], scopeTypes: ['video-collection'] },
  { id: 'video-profiles:edit', label: 'Video profiles', description: 'Create, edit and delete video profiles.' },
  { id: 'video-analytics:read', label: 'Video analytics', description: 'Video usage analytics and insights.', scopeTypes: ['video-collection'] },
];

const roles: CatalogInput['roles'] = [
  { id: 'owner', label: 'Owner', description: 'Has all the access, including owner options, users, billing and API keys.', allPermissions: true },
  {
    id: 'account-admin',
    label: 'Account Administrator',
    description: 'Manages the entire account, including users and groups; only the owner manages the organisation itself.',
    allPermissions: true,
    excludes: ['organization:manage'],
  },
  {
    id: 'admin',
    label: 'Admin',
    description: 'Developer, analyst and accountant together, but cannot add users, see billing details or access API keys.',
    includes: ['developer', 'analyst', 'accountant'],
    excludes: ['users:manage', 'billing:read', 'api-keys:manage'],
  },
  {
    id: 'developer',
    label: 'Developer',
    description: 'All account features and settings except user management, billing and subscription: sources, purge, media library, analytics, video assets and profiles.',
    includes: ['image-developer', 'video-developer'],
    permissions: ['settings:manage', 'assets:edit', 'assets:audit', 'analytics:read'],
  },
  { id: 'analyst', label: 'Analyst', description: 'The complete analytics dashboard, images and videos.', includes: ['image-analyst', 'video-analyst'] },
  {
    id: 'accountant',
    label: 'Accountant',
    description: 'The complete billing panel: view and pay invoices, change the subscription plan and payment method; usage analytics.',
    permissions: ['billing:manage', 'analytics:read'],
  },
  { id: 'marketer', label: 'Marketer', description: 'The media library only.', includes: ['media-library-full'] },
  {
    id: 'media-library-full',
    label: 'Media Library Full Access',
    description: 'Upload, delete and manage assets and view the media library audit log; no account settings, users or billing.',
    permissions: ['assets:edit', 'assets:audit'],
  },
  {
    id: 'media-library-viewer',
    label: 'Media Library View-only Access',
    description: 'View assets and the media library audit log. Bind it to folders to share only those.',
    permissions: ['assets:browse', 'assets:audit'],
    scopeTypes: ['folder'],
  },
  {
    id: 'media-library-restricted',
    label: 'Media Library Restricted Access',
    description: 'Works only on the folders shared with the user (bound to those folders).',
    permissions: ['assets:edit'],
    scopeTypes: ['folder'],
    scopeRequired: true,
  },
  {
    id: 'image-admin',
    label: 'Image admin',
    description: 'Source creation and deletion, usage analytics and image insights.',
    includes: ['image-developer', 'image-analyst'],
  },
  {
    id: 'image-developer',
    label: 'Image developer',
    description: 'Source creation and deletion, and cache purges. May be bound to specific sources.',
    permissions: ['sources:edit', 'cache:purge'],
    scopeTypes: ['source'],
  },
  { id: 'image-analyst', label: 'Image analyst', description: 'Usage analytics and image insights.', permissions: ['analytics:read'], scopeTypes: ['source'] },
  {
    id: 'source-viewer',
    label: 'Source-specific',
    description: 'Specific sources and their analytics (bound to those sources).',
    permissions: ['sources:read', 'analytics:read'],
    scopeTypes: ['source'],
    scopeRequired: true,
  },
  {
    id: 'video-admin',
    label: 'Video admin',
    description: 'Video asset and profile creation and deletion, usage analytics and insights.',
    includes: ['video-developer', 'video-analyst'],
  },
  {
    id: 'video-developer',
    label: 'Video developer',
    description: 'Create and delete video assets and video profiles.',
    permissions: ['videos:edit', 'video-profiles:edit'],
  },
  {
    id: 'video-analyst',
    label: 'Video analyst',
    description: 'Video usage analytics and insights.',
    permissions: ['video-analytics:read'],
    scopeTypes: ['video-collection'],
  },
  {
    id: 'video-collection-viewer',
    label: 'Video source-specific',
    description: 'Specific video collections, their usage and insights (bound to those collections).',
    permissions: ['videos:read', 'video-analytics:read'],
    scopeTypes: ['video-collection'],
    scopeRequired: true,
  },
];

/** The default catalog, validated when this module loads (a broken default stops the process at start). */
export const defaultCatalog: Catalog = deepFreeze(validateCatalog({ permissions, roles }));

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
