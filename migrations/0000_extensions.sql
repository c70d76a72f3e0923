-- Trigram similarity powers fuzzy title matching of Plex items to TMDB (GIN index on titles).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
