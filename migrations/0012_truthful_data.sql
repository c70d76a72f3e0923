CREATE TABLE "catalog_merges" (
	"from_id" text PRIMARY KEY NOT NULL,
	"into_id" text NOT NULL,
	"kind" text NOT NULL,
	"from_title" text NOT NULL,
	"summary" jsonb NOT NULL,
	"merged_by" text NOT NULL,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
DROP INDEX "movies_title_trgm_idx";--> statement-breakpoint
DROP INDEX "shows_title_trgm_idx";--> statement-breakpoint
ALTER TABLE "tracker_accounts" ALTER COLUMN "last_seen_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sign_in_links" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "offline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "tracker_accounts" ADD COLUMN "display_name" text;--> statement-breakpoint
CREATE INDEX "catalog_merges_into_idx" ON "catalog_merges" USING btree ("into_id");--> statement-breakpoint
CREATE INDEX "movies_title_trgm_idx" ON "movies" USING gin (plexops_fold("title") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "shows_title_trgm_idx" ON "shows" USING gin (plexops_fold("title") gin_trgm_ops);