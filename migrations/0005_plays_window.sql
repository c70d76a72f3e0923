-- At most one completed play per account and item within the completion window, for every writer
-- and under any concurrency: [played_at, window_end) ranges of one account+item may not overlap.
-- INSERT ... ON CONFLICT DO NOTHING skips a play that falls inside an existing one's window.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "plays" ADD CONSTRAINT "plays_one_per_window"
  EXCLUDE USING gist ("account_id" WITH =, "item_id" WITH =, tstzrange("played_at", "window_end") WITH &&);
--> statement-breakpoint
ALTER TABLE "plays" ADD CONSTRAINT "plays_window_valid" CHECK ("window_end" > "played_at");
