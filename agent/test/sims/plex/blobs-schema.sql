-- com.plexapp.plugins.library.blobs.db: Plex keeps thumbnails and other binary data here.
CREATE TABLE IF NOT EXISTS "schema_migrations" ("version" varchar(255) NOT NULL, "rollback_sql" text, "optimize_on_rollback" boolean, "min_version" varchar(255));
CREATE UNIQUE INDEX IF NOT EXISTS "unique_schema_migrations" ON "schema_migrations" ("version");
CREATE TABLE IF NOT EXISTS "blobs" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "blob_type" integer, "linked_type" varchar(255), "linked_id" integer, "linked_guid" varchar(255), "blob" blob, "created_at" datetime, "updated_at" datetime);
CREATE INDEX IF NOT EXISTS "index_blobs_on_linked_guid" ON "blobs" ("linked_guid");
