-- Diacritics folded for title search: "Shogun" must find "Shōgun". unaccent() is only STABLE (it
-- reads a dictionary), so an index needs an IMMUTABLE wrapper that names the dictionary and the
-- schema explicitly (search_path cannot change what it means). Both embedded Postgres and Neon
-- ship unaccent. The trigram indexes move from lower(title) to plexops_fold(title) in the next
-- (generated) migration; the candidate functions below already search by the folded title and
-- also return the external ids, so the matcher can tell a typo from a different show.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION plexops_fold(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;
--> statement-breakpoint
DROP FUNCTION IF EXISTS trgm_show_candidates(text, real, integer);
--> statement-breakpoint
DROP FUNCTION IF EXISTS trgm_movie_candidates(text, real, integer);
--> statement-breakpoint
CREATE FUNCTION trgm_show_candidates(q text, min_similarity real, max_rows integer)
RETURNS TABLE (id text, title text, original_title text, year integer, tmdb_id bigint, tvdb_id bigint, imdb_id text, score real)
LANGUAGE plpgsql AS $$
DECLARE
  previous text := coalesce(current_setting('pg_trgm.similarity_threshold', true), '0.3');
  fq text := plexops_fold(q);
BEGIN
  PERFORM set_config('pg_trgm.similarity_threshold', greatest(least(min_similarity, 1), 0)::text, true);
  RETURN QUERY
    SELECT s.id, s.title, s.original_title, s.year, s.tmdb_id, s.tvdb_id, s.imdb_id, similarity(plexops_fold(s.title), fq)
    FROM shows s
    WHERE plexops_fold(s.title) % fq
    ORDER BY similarity(plexops_fold(s.title), fq) DESC, s.id
    LIMIT max_rows;
  PERFORM set_config('pg_trgm.similarity_threshold', previous, true);
END
$$;
--> statement-breakpoint
CREATE FUNCTION trgm_movie_candidates(q text, min_similarity real, max_rows integer)
RETURNS TABLE (id text, title text, year integer, tmdb_id bigint, imdb_id text, score real)
LANGUAGE plpgsql AS $$
DECLARE
  previous text := coalesce(current_setting('pg_trgm.similarity_threshold', true), '0.3');
  fq text := plexops_fold(q);
BEGIN
  PERFORM set_config('pg_trgm.similarity_threshold', greatest(least(min_similarity, 1), 0)::text, true);
  RETURN QUERY
    SELECT m.id, m.title, m.year, m.tmdb_id, m.imdb_id, similarity(plexops_fold(m.title), fq)
    FROM movies m
    WHERE plexops_fold(m.title) % fq
    ORDER BY similarity(plexops_fold(m.title), fq) DESC, m.id
    LIMIT max_rows;
  PERFORM set_config('pg_trgm.similarity_threshold', previous, true);
END
$$;
