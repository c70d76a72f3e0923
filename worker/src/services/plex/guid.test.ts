import { describe, expect, it } from 'vitest';
import { parseGuid, parseGuidList, type ExternalId } from './guid';

describe('parseGuid', () => {
  const cases: Array<[string, string, ExternalId | null, ('episode' | 'movie' | 'show')?]> = [
    ['legacy tvdb episode', 'com.plexapp.agents.thetvdb://468006/1/1?lang=en', { source: 'tvdb', id: '468006', season: 1, episode: 1, scope: 'episode' }],
    ['legacy tvdb season', 'com.plexapp.agents.thetvdb://468006/1?lang=en', { source: 'tvdb', id: '468006', season: 1, scope: 'season' }],
    ['legacy tvdb show', 'com.plexapp.agents.thetvdb://468006?lang=en', { source: 'tvdb', id: '468006', scope: 'show' }],
    ['legacy tvdb no query', 'com.plexapp.agents.thetvdb://70327', { source: 'tvdb', id: '70327', scope: 'show' }],
    ['tvdb dvd order', 'com.plexapp.agents.thetvdbdvdorder://73739/2/14?lang=de', { source: 'tvdb', id: '73739', season: 2, episode: 14, scope: 'episode' }],
    ['themoviedb bare', 'com.plexapp.agents.themoviedb://1234?lang=en', { source: 'tmdb', id: '1234', scope: 'unknown' }],
    ['themoviedb tv episode', 'com.plexapp.agents.themoviedb://1399/3/9?lang=en', { source: 'tmdb', id: '1399', season: 3, episode: 9, scope: 'episode' }],
    ['imdb agent', 'com.plexapp.agents.imdb://tt0111161?lang=en', { source: 'imdb', id: 'tt0111161', scope: 'movie' }],
    ['hama tvdb', 'com.plexapp.agents.hama://tvdb-81797', { source: 'tvdb', id: '81797', scope: 'show' }],
    ['hama tvdb2 with S/E', 'com.plexapp.agents.hama://tvdb2-81797/1/5?lang=en', { source: 'tvdb', id: '81797', season: 1, episode: 5, scope: 'episode' }],
    ['hama tvdb3', 'com.plexapp.agents.hama://tvdb3-1', { source: 'tvdb', id: '1', scope: 'show' }],
    ['hama tvdb4', 'com.plexapp.agents.hama://tvdb4-42?lang=ja', { source: 'tvdb', id: '42', scope: 'show' }],
    ['hama tvdb5', 'com.plexapp.agents.hama://tvdb5-9/0/1', { source: 'tvdb', id: '9', season: 0, episode: 1, scope: 'episode' }],
    ['hama anidb', 'com.plexapp.agents.hama://anidb-69', { source: 'anidb', id: '69', scope: 'show' }],
    ['hama anidb S/E', 'com.plexapp.agents.hama://anidb-69/1/12?lang=en', { source: 'anidb', id: '69', season: 1, episode: 12, scope: 'episode' }],
    ['xbmcnfo imdb', 'com.plexapp.agents.xbmcnfo://tt0133093?lang=xn', { source: 'imdb', id: 'tt0133093', scope: 'movie' }],
    ['xbmcnfo tmdb', 'com.plexapp.agents.xbmcnfo://603?lang=xn', { source: 'tmdb', id: '603', scope: 'movie' }],
    ['xbmcnfotv', 'com.plexapp.agents.xbmcnfotv://73739/1/2?lang=xn', { source: 'tvdb', id: '73739', season: 1, episode: 2, scope: 'episode' }],
    ['plex episode', 'plex://episode/5d9c086c46115600200aa2fe', { source: 'plex', id: '5d9c086c46115600200aa2fe', scope: 'episode' }],
    ['plex show', 'plex://show/5d9c0874ffd9ef001e99607a', { source: 'plex', id: '5d9c0874ffd9ef001e99607a', scope: 'show' }],
    ['plex movie', 'plex://movie/5D776834880197001EC93294', { source: 'plex', id: '5d776834880197001ec93294', scope: 'movie' }],
    ['plex season', 'plex://season/602e67d31d3358002c411c3e', { source: 'plex', id: '602e67d31d3358002c411c3e', scope: 'season' }],
    ['Guid[] imdb with hint', 'imdb://tt28476983', { source: 'imdb', id: 'tt28476983', scope: 'episode' }, 'episode'],
    ['Guid[] tmdb with hint', 'tmdb://6065761', { source: 'tmdb', id: '6065761', scope: 'episode' }, 'episode'],
    ['Guid[] tvdb with hint', 'tvdb://10368107', { source: 'tvdb', id: '10368107', scope: 'movie' }, 'movie'],
    ['Guid[] no hint', 'tvdb://1', { source: 'tvdb', id: '1', scope: 'unknown' }],
    ['local', 'local://12345', null],
    ['none agent', 'com.plexapp.agents.none://12345?lang=xn', null],
    ['unknown agent', 'com.plexapp.agents.lastfm://artist/abc?lang=en', null],
    ['missing id', 'com.plexapp.agents.thetvdb://?lang=en', null],
    ['non-numeric tvdb', 'com.plexapp.agents.thetvdb://abc/1/1', null],
    ['non-numeric season', 'com.plexapp.agents.thetvdb://1/x/1', null],
    ['too deep', 'com.plexapp.agents.thetvdb://1/2/3/4', null],
    ['plex bad kind', 'plex://artist/5d9c086c46115600200aa2fe', null],
    ['plex not hex', 'plex://episode/zzzz-not-hex', null],
    ['imdb without tt', 'imdb://0111161', null],
    ['tmdb negative', 'tmdb://-5', null],
    ['empty', '', null],
    ['no scheme', 'tt0111161', null],
    ['unicode', 'com.plexapp.agents.thetvdb://４６８/1/1', null],
    ['emoji', 'plex://show/🎬🎬', null],
    ['bad percent escape', 'com.plexapp.agents.thetvdb://%E0%A4%A/1/1', null],
    ['newline injection', 'tmdb://1\n2', null],
    ['huge', 'com.plexapp.agents.thetvdb://' + '1'.repeat(100_000), null],
    ['huge id digits', 'tmdb://' + '9'.repeat(40), null],
  ];

  it.each(cases)('%s', (_name, input, expected, hint) => {
    expect(parseGuid(input, hint)).toEqual(expected);
  });

  it('returns null for non-strings without throwing', () => {
    for (const v of [null, undefined, 42, {}, [], true, Symbol('x')]) expect(parseGuid(v)).toBeNull();
  });

  it('stays fast on pathological input (no catastrophic backtracking)', () => {
    const evil = 'com.plexapp.agents.hama://' + 'tvdb-'.repeat(80) + '!';
    expect(parseGuid(evil)).toBeNull();
    expect(parseGuid('a://' + '/'.repeat(400))).toBeNull();
  });
});

describe('parseGuidList', () => {
  it('parses Guid[] objects and strings, keeping every source in order', () => {
    const ids = parseGuidList([{ id: 'imdb://tt28476983' }, { id: 'tmdb://6065761' }, 'tvdb://10368107'], 'episode');
    expect(ids.map((i) => `${i.source}:${i.id}:${i.scope}`)).toEqual(['imdb:tt28476983:episode', 'tmdb:6065761:episode', 'tvdb:10368107:episode']);
  });

  it('keeps a repeated source with different ids and drops exact duplicates', () => {
    const ids = parseGuidList(
      [{ id: 'imdb://tt0000001' }, { id: 'imdb://tt0959621' }, { id: 'imdb://tt0000001' }, { id: 'tvdb://349232' }, { id: 'tvdb://349232' }],
      'episode',
    );
    expect(ids.map((i) => i.id)).toEqual(['tt0000001', 'tt0959621', '349232']);
  });

  it('skips junk entries and tolerates non-arrays', () => {
    expect(parseGuidList([null, 5, { id: 7 }, { nope: 'tmdb://1' }, 'garbage', { id: 'tmdb://2' }])).toEqual([
      { source: 'tmdb', id: '2', scope: 'unknown' },
    ]);
    expect(parseGuidList('tmdb://1')).toEqual([]);
    expect(parseGuidList(undefined)).toEqual([]);
    expect(parseGuidList({ length: 3 })).toEqual([]);
  });

  it('caps the number of entries it looks at', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: `tmdb://${i + 1}` }));
    expect(parseGuidList(many).length).toBe(50);
  });
});
