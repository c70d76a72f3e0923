CREATE TABLE "plex_config" (
	"id" text PRIMARY KEY NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"auto_add_shows" boolean DEFAULT true NOT NULL,
	"auto_mark_watched" boolean DEFAULT true NOT NULL,
	"watched_threshold" double precision DEFAULT 0.9 NOT NULL,
	"tracked_account_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"server_uuid" text,
	"plex_token_enc" text,
	"tmdb_api_key_enc" text,
	"rate_limit_per_minute" integer DEFAULT 100 NOT NULL,
	"play_window_minutes" integer DEFAULT 360 NOT NULL,
	"secret_grace_hours" integer DEFAULT 24 NOT NULL,
	"log_retention_days" integer DEFAULT 90 NOT NULL,
	"last_webhook_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plex_webhook_secrets" (
	"id" text PRIMARY KEY NOT NULL,
	"secret_hash" text NOT NULL,
	"secret_enc" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "plex_webhook_secrets_secret_hash_unique" UNIQUE("secret_hash")
);
--> statement-breakpoint
CREATE TABLE "webhook_dedup" (
	"key" text PRIMARY KEY NOT NULL,
	"event_id" text NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_events" (
	"id" text PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"secret_id" text,
	"server_uuid" text,
	"account_id" text,
	"account_title" text,
	"event" text NOT NULL,
	"rating_key" text,
	"media_type" text,
	"title" text,
	"show_title" text,
	"season" integer,
	"episode" integer,
	"status" text NOT NULL,
	"action" text,
	"error" text,
	"processing_ms" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"locked_until" timestamp with time zone,
	"processed_at" timestamp with time zone,
	"waiting_conflict_id" text,
	"dedup_key" text,
	"payload" jsonb NOT NULL,
	"headers" jsonb NOT NULL,
	"source_ip" text
);
--> statement-breakpoint
CREATE TABLE "webhook_rate_windows" (
	"secret_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "webhook_rate_windows_secret_id_window_start_pk" PRIMARY KEY("secret_id","window_start")
);
--> statement-breakpoint
CREATE TABLE "playback_progress" (
	"account_id" text NOT NULL,
	"item_id" text NOT NULL,
	"kind" text NOT NULL,
	"episode_id" text,
	"movie_id" text,
	"view_offset_ms" integer NOT NULL,
	"duration_ms" integer,
	"state" text NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"event_id" text,
	CONSTRAINT "playback_progress_account_id_item_id_pk" PRIMARY KEY("account_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "plays" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"item_id" text NOT NULL,
	"kind" text NOT NULL,
	"episode_id" text,
	"movie_id" text,
	"show_id" text,
	"played_at" timestamp with time zone NOT NULL,
	"window_end" timestamp with time zone NOT NULL,
	"duration_ms" integer,
	"source" text NOT NULL,
	"event_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ratings" (
	"account_id" text NOT NULL,
	"item_id" text NOT NULL,
	"kind" text NOT NULL,
	"show_id" text,
	"episode_id" text,
	"movie_id" text,
	"rating" double precision NOT NULL,
	"rated_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "ratings_account_id_item_id_pk" PRIMARY KEY("account_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "tracker_accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"title" text,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "watch_state" (
	"account_id" text NOT NULL,
	"item_id" text NOT NULL,
	"kind" text NOT NULL,
	"episode_id" text,
	"movie_id" text,
	"show_id" text,
	"watched" boolean DEFAULT false NOT NULL,
	"watched_at" timestamp with time zone,
	"plays" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "watch_state_account_id_item_id_pk" PRIMARY KEY("account_id","item_id")
);
--> statement-breakpoint
ALTER TABLE "playback_progress" ADD CONSTRAINT "playback_progress_episode_id_episodes_id_fk" FOREIGN KEY ("episode_id") REFERENCES "public"."episodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "playback_progress" ADD CONSTRAINT "playback_progress_movie_id_movies_id_fk" FOREIGN KEY ("movie_id") REFERENCES "public"."movies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plays" ADD CONSTRAINT "plays_episode_id_episodes_id_fk" FOREIGN KEY ("episode_id") REFERENCES "public"."episodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plays" ADD CONSTRAINT "plays_movie_id_movies_id_fk" FOREIGN KEY ("movie_id") REFERENCES "public"."movies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "plays" ADD CONSTRAINT "plays_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_episode_id_episodes_id_fk" FOREIGN KEY ("episode_id") REFERENCES "public"."episodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ratings" ADD CONSTRAINT "ratings_movie_id_movies_id_fk" FOREIGN KEY ("movie_id") REFERENCES "public"."movies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watch_state" ADD CONSTRAINT "watch_state_episode_id_episodes_id_fk" FOREIGN KEY ("episode_id") REFERENCES "public"."episodes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watch_state" ADD CONSTRAINT "watch_state_movie_id_movies_id_fk" FOREIGN KEY ("movie_id") REFERENCES "public"."movies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "watch_state" ADD CONSTRAINT "watch_state_show_id_shows_id_fk" FOREIGN KEY ("show_id") REFERENCES "public"."shows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "plex_webhook_secrets_expires_idx" ON "plex_webhook_secrets" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "webhook_events_received_idx" ON "webhook_events" USING btree ("received_at","id");--> statement-breakpoint
CREATE INDEX "webhook_events_status_idx" ON "webhook_events" USING btree ("status","received_at");--> statement-breakpoint
CREATE INDEX "webhook_events_retry_idx" ON "webhook_events" USING btree ("next_attempt_at") WHERE status = 'failed' AND next_attempt_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX "webhook_events_waiting_idx" ON "webhook_events" USING btree ("waiting_conflict_id") WHERE waiting_conflict_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "plays_event_uq" ON "plays" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "plays_account_item_idx" ON "plays" USING btree ("account_id","item_id");--> statement-breakpoint
CREATE INDEX "plays_show_idx" ON "plays" USING btree ("show_id","account_id");--> statement-breakpoint
CREATE INDEX "plays_played_at_idx" ON "plays" USING btree ("played_at");--> statement-breakpoint
CREATE INDEX "watch_state_show_idx" ON "watch_state" USING btree ("show_id","account_id");