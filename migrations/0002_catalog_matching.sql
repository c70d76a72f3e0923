CREATE TABLE "episodes" (
	"id" text PRIMARY KEY NOT NULL,
	"show_id" text NOT NULL,
	"season" integer NOT NULL,
	"episode" integer NOT NULL,
	"title" text,
	"tmdb_id" integer,
	"tvdb_id" integer,
	"imdb_id" text,
	"runtime_minutes" integer,
	"air_date" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "match_conflicts" (
	"id" text PRIMARY KEY NOT NULL,
	"mapping_id" text NOT NULL,
	"candidates" jsonb NOT NULL,
	"reason" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"resolution" jsonb,
	"resolved_by" text,
	"resolved_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "movies" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"year" integer,
	"tmdb_id" integer,
	"imdb_id" text,
	"runtime_minutes" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "movies_tmdb_id_unique" UNIQUE("tmdb_id")
);
--> statement-breakpoint
CREATE TABLE "plex_mappings" (
	"id" text PRIMARY KEY NOT NULL,
	"server_uuid" text NOT NULL,
	"plex_guid" text NOT NULL,
	"plex_rating_key" text,
	"kind" text NOT NULL,
	"plex_title" text,
	"plex_year" integer,
	"show_id" text,
	"movie_id" text,
	"confidence" numeric(3, 2),
	"method" text,
	"status" text NOT NULL,
	"sync_enabled" boolean DEFAULT true NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "shows" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"original_title" text,
	"year" integer,
	"tmdb_id" integer,
	"tvdb_id" integer,
	"imdb_id" text,
	"total_episodes" integer,
	"status" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shows_tmdb_id_unique" UNIQUE("tmdb_id")
);
--> statement-breakpoint
CREATE TABLE "tmdb_cache" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "episodes" ADD CONSTRAINT "episodes_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "match_conflicts" ADD CONSTRAINT "match_conflicts_mapping_id_plex_mappings_id_fk" FOREIGN KEY ("mapping_id") REFERENCES "public"."plex_mappings"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plex_mappings" ADD CONSTRAINT "plex_mappings_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plex_mappings" ADD CONSTRAINT "plex_mappings_movie_id_movies_id_fk" FOREIGN KEY ("movie_id") REFERENCES "public"."movies"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "episodes_show_season_episode_uq" ON "episodes" USING btree ("show_id","season","episode");--> statement-breakpoint
CREATE UNIQUE INDEX "match_conflicts_open_uq" ON "match_conflicts" USING btree ("mapping_id") WHERE status = 'open';--> statement-breakpoint
CREATE INDEX "match_conflicts_status_idx" ON "match_conflicts" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "movies_title_trgm_idx" ON "movies" USING gin (lower("title") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "movies_imdb_idx" ON "movies" USING btree ("imdb_id");--> statement-breakpoint
CREATE UNIQUE INDEX "plex_mappings_server_guid_uq" ON "plex_mappings" USING btree ("server_uuid","plex_guid");--> statement-breakpoint
CREATE INDEX "plex_mappings_status_idx" ON "plex_mappings" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "plex_mappings_show_idx" ON "plex_mappings" USING btree ("show_id");--> statement-breakpoint
CREATE INDEX "shows_title_trgm_idx" ON "shows" USING gin (lower("title") gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "shows_tvdb_idx" ON "shows" USING btree ("tvdb_id");--> statement-breakpoint
CREATE INDEX "shows_imdb_idx" ON "shows" USING btree ("imdb_id");