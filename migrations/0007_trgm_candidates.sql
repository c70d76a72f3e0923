-- Fuzzy title candidates for the matcher, in one round trip. pg_trgm's `%` operator reads its
-- threshold from the pg_trgm.similarity_threshold setting, and the GIN index prunes with it: the
-- default 0.3 lets common words ("the", "of") pull thousands of rows into the recheck. These
-- functions raise it for their own query only (set_config local, restored before returning), so
-- callers get an index-pruned search at the threshold they ask for without a SET round trip.
CREATE OR REPLACE FUNCTION trgm_show_candidates(q text, min_similarity real, max_rows integer)
RETURNS TABLE (id text, title text, original_title text, year integer, tmdb_id bigint, score real)
LANGUAGE plpgsql AS $$
DECLARE
  previous text := coalesce(current_setting('pg_trgm.similarity_threshold', true), '0.3');
BEGIN
  PERFORM set_config('pg_trgm.similarity_threshold', greatest(least(min_similarity, 1), 0)::text, true);
  RETURN QUERY
    SELECT s.id, s.title, s.original_title, s.year, s.tmdb_id, similarity(lower(s.title), q)
    FROM shows s
    WHERE lower(s.title) % q
    ORDER BY similarity(lower(s.title), q) DESC, s.id
    LIMIT max_rows;
  PERFORM set_config('pg_trgm.similarity_threshold', previous, true);
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION trgm_movie_candidates(q text, min_similarity real, max_rows integer)
RETURNS TABLE (id text, title text, year integer, tmdb_id bigint, score real)
LANGUAGE plpgsql AS $$
DECLARE
  previous text := coalesce(current_setting('pg_trgm.similarity_threshold', true), '0.3');
BEGIN
  PERFORM set_config('pg_trgm.similarity_threshold', greatest(least(min_similarity, 1), 0)::text, true);
  RETURN QUERY
    SELECT m.id, m.title, m.year, m.tmdb_id, similarity(lower(m.title), q)
    FROM movies m
    WHERE lower(m.title) % q
    ORDER BY similarity(lower(m.title), q) DESC, m.id
    LIMIT max_rows;
  PERFORM set_config('pg_trgm.similarity_threshold', previous, true);
END
$$;
