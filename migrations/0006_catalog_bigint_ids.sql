ALTER TABLE "episodes" ALTER COLUMN "tmdb_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "episodes" ALTER COLUMN "tvdb_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "movies" ALTER COLUMN "tmdb_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "shows" ALTER COLUMN "tmdb_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "shows" ALTER COLUMN "tvdb_id" SET DATA TYPE bigint;