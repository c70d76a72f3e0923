/**
 * @module overseerr-sim/schema
 * Overseerr's SQLite schema as its TypeORM migrations leave it, for a faithful `db/db.sqlite3`.
 * Source: sct/overseerr@46a9b24 (2025-03-28), server/migration/*.ts — for each table, the columns
 * of the last migration that (re)creates it (TypeORM rebuilds SQLite tables through
 * `temporary_<table>`): user and media_request … 1616576677254-AddUserQuotaFields and
 * 1660714479373-AddMediaRequestIsAutoRequestedField, media 1611801511397-AddRatingKeysToMedia,
 * season 1610370640747-Add4kStatusFields, season_request 1606730060700-CascadeMigration, issue and
 * issue_comment 1634904083966-AddIssues, user_settings 1697393491630-AddUserPushoverSound,
 * user_push_subscription 1740717744278-UpdateWebPush, discover_slider 1672041273674-AddDiscoverSlider,
 * session 1603944374840-InitialMigration; plus TypeORM's own `migrations` table. Constraint names
 * are simplified (no generated hashes); columns, types, defaults and foreign keys follow the source.
 */

export const MIGRATIONS = [
  '1603944374840-InitialMigration', '1605085519544-SeasonStatus', '1606730060700-CascadeMigration', '1607928251245-DropImdbIdConstraint',
  '1608217312474-AddUserRequestDeleteCascades', '1608477467935-AddLastSeasonChangeMedia', '1608477467936-ForceDropImdbUniqueConstraint',
  '1609236552057-RemoveTmdbIdUniqueConstraint', '1610070934506-LocalUsers', '1610370640747-Add4kStatusFields', '1610522845513-AddMediaAddedFieldToMedia',
  '1611508672722-AddDisplayNameToUser', '1611757511674-SonarrRadarrSyncServiceFields', '1611801511397-AddRatingKeysToMedia',
  '1612482778137-AddResetPasswordGuidAndExpiryDate', '1612571545781-AddLanguageProfileId', '1613615266968-CreateUserSettings',
  '1613955393450-UpdateUserSettingsRegions', '1614334195680-AddTelegramSettingsToUserSettings', '1615333940450-AddPGPToUserSettings',
  '1616576677254-AddUserQuotaFields', '1617624225464-CreateTagsFieldonMediaRequest', '1617730837489-AddUserSettingsNotificationAgentsField',
  '1618912653565-CreateUserPushSubscriptions', '1619239659754-AddUserSettingsLocale', '1619339817343-AddUserSettingsNotificationTypes',
  '1634904083966-AddIssues', '1635079863457-AddPushbulletPushoverUserSettings', '1660632269368-AddWatchlistSyncUserSetting',
  '1660714479373-AddMediaRequestIsAutoRequestedField', '1672041273674-AddDiscoverSlider', '1697393491630-AddUserPushoverSound', '1740717744278-UpdateWebPush',
];

const now = "DEFAULT (datetime('now'))";

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS "migrations" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "timestamp" bigint NOT NULL, "name" varchar NOT NULL);
CREATE TABLE IF NOT EXISTS "user" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "email" varchar NOT NULL UNIQUE, "username" varchar, "plexId" integer,
  "plexToken" varchar, "permissions" integer NOT NULL DEFAULT (0), "avatar" varchar NOT NULL, "createdAt" datetime NOT NULL ${now},
  "updatedAt" datetime NOT NULL ${now}, "password" varchar, "userType" integer NOT NULL DEFAULT (1), "plexUsername" varchar,
  "resetPasswordGuid" varchar, "recoveryLinkExpirationDate" date, "movieQuotaLimit" integer, "movieQuotaDays" integer,
  "tvQuotaLimit" integer, "tvQuotaDays" integer);
CREATE TABLE IF NOT EXISTS "user_settings" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "notificationTypes" text, "discordId" varchar,
  "userId" integer UNIQUE REFERENCES "user" ("id") ON DELETE CASCADE, "region" varchar, "originalLanguage" varchar, "telegramChatId" varchar,
  "telegramSendSilently" boolean, "pgpKey" varchar, "locale" varchar NOT NULL DEFAULT (''), "pushbulletAccessToken" varchar,
  "pushoverApplicationToken" varchar, "pushoverUserKey" varchar, "watchlistSyncMovies" boolean, "watchlistSyncTv" boolean, "pushoverSound" varchar);
CREATE TABLE IF NOT EXISTS "media" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "mediaType" varchar NOT NULL, "tmdbId" integer NOT NULL,
  "tvdbId" integer UNIQUE, "imdbId" varchar, "status" integer NOT NULL DEFAULT (1), "createdAt" datetime NOT NULL ${now},
  "updatedAt" datetime NOT NULL ${now}, "lastSeasonChange" datetime NOT NULL DEFAULT (CURRENT_TIMESTAMP), "status4k" integer NOT NULL DEFAULT (1),
  "mediaAddedAt" datetime, "serviceId" integer, "serviceId4k" integer, "externalServiceId" integer, "externalServiceId4k" integer,
  "externalServiceSlug" varchar, "externalServiceSlug4k" varchar, "ratingKey" varchar, "ratingKey4k" varchar);
CREATE INDEX IF NOT EXISTS "IDX_media_tmdbId" ON "media" ("tmdbId");
CREATE INDEX IF NOT EXISTS "IDX_media_tvdbId" ON "media" ("tvdbId");
CREATE INDEX IF NOT EXISTS "IDX_media_imdbId" ON "media" ("imdbId");
CREATE TABLE IF NOT EXISTS "season" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "seasonNumber" integer NOT NULL, "status" integer NOT NULL DEFAULT (1),
  "createdAt" datetime NOT NULL ${now}, "updatedAt" datetime NOT NULL ${now}, "mediaId" integer REFERENCES "media" ("id") ON DELETE CASCADE,
  "status4k" integer NOT NULL DEFAULT (1));
CREATE TABLE IF NOT EXISTS "media_request" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "status" integer NOT NULL, "createdAt" datetime NOT NULL ${now},
  "updatedAt" datetime NOT NULL ${now}, "type" varchar NOT NULL, "mediaId" integer REFERENCES "media" ("id") ON DELETE CASCADE,
  "requestedById" integer REFERENCES "user" ("id") ON DELETE CASCADE, "modifiedById" integer REFERENCES "user" ("id") ON DELETE SET NULL,
  "is4k" boolean NOT NULL DEFAULT (0), "serverId" integer, "profileId" integer, "rootFolder" varchar, "languageProfileId" integer, "tags" text,
  "isAutoRequest" boolean NOT NULL DEFAULT (0));
CREATE TABLE IF NOT EXISTS "season_request" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "seasonNumber" integer NOT NULL, "status" integer NOT NULL DEFAULT (1),
  "createdAt" datetime NOT NULL ${now}, "updatedAt" datetime NOT NULL ${now}, "requestId" integer REFERENCES "media_request" ("id") ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS "issue" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "issueType" integer NOT NULL, "status" integer NOT NULL DEFAULT (1),
  "problemSeason" integer NOT NULL DEFAULT (0), "problemEpisode" integer NOT NULL DEFAULT (0), "createdAt" datetime NOT NULL ${now},
  "updatedAt" datetime NOT NULL ${now}, "mediaId" integer REFERENCES "media" ("id") ON DELETE CASCADE,
  "createdById" integer REFERENCES "user" ("id") ON DELETE CASCADE, "modifiedById" integer REFERENCES "user" ("id") ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS "issue_comment" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "message" text NOT NULL, "createdAt" datetime NOT NULL ${now},
  "updatedAt" datetime NOT NULL ${now}, "userId" integer REFERENCES "user" ("id") ON DELETE CASCADE, "issueId" integer REFERENCES "issue" ("id") ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS "session" ("expiredAt" bigint NOT NULL, "id" varchar(255) PRIMARY KEY NOT NULL, "json" text NOT NULL);
CREATE INDEX IF NOT EXISTS "IDX_session_expiredAt" ON "session" ("expiredAt");
CREATE TABLE IF NOT EXISTS "user_push_subscription" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "endpoint" varchar NOT NULL, "p256dh" varchar NOT NULL,
  "auth" varchar NOT NULL UNIQUE, "userId" integer REFERENCES "user" ("id") ON DELETE CASCADE, "userAgent" varchar DEFAULT NULL, "createdAt" datetime ${now});
CREATE TABLE IF NOT EXISTS "discover_slider" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL, "type" integer NOT NULL, "order" integer NOT NULL,
  "isBuiltIn" boolean NOT NULL DEFAULT (0), "enabled" boolean NOT NULL DEFAULT (1), "title" varchar, "data" varchar, "createdAt" datetime NOT NULL ${now},
  "updatedAt" datetime NOT NULL ${now});
`;

/** INSERTs for the `migrations` table (TypeORM records each applied migration by timestamp and class name). */
export function migrationRowsSql(): string {
  return MIGRATIONS.map((m) => {
    const [ts, name] = m.split('-') as [string, string];
    return `INSERT INTO "migrations" ("timestamp", "name") VALUES (${ts}, '${name}${ts}');`;
  }).join('\n');
}

/** The tables whose row counts the migration compares (Overseerr entity → table). */
export const COUNTED_TABLES = { users: 'user', requests: 'media_request', media: 'media', seasons: 'season', issues: 'issue' } as const;
export type Counts = Record<keyof typeof COUNTED_TABLES, number>;

export const countsSql = Object.entries(COUNTED_TABLES)
  .map(([k, t]) => `(SELECT count(*) FROM "${t}") AS ${k}`)
  .join(', ');
