/**
 * @module
 * A poster in a box of fixed size and 2:3 ratio, so nothing moves when it loads (or fails). The
 * URL comes ready-made from the API (`posterUrl`); with none, or when the image is missing, the box
 * shows the title's initials instead. Decorative: the title is always written next to it.
 */
import { useState } from 'preact/hooks';

export type PosterSize = 'xs' | 'sm' | 'md' | 'lg';

function initials(title: string | null | undefined): string {
  const words = (title ?? '').replace(/^(the|a|an)\s+/i, '').split(/\s+/).filter(Boolean);
  return words.slice(0, 2).map((w) => w[0]!.toUpperCase()).join('') || '?';
}

export function Poster({ url, title, size = 'sm' }: { url: string | null | undefined; title: string | null | undefined; size?: PosterSize }) {
  const [failed, setFailed] = useState<string | null>(null);
  const show = url && failed !== url;
  return (
    <span class={`poster poster-${size}`} aria-hidden="true">
      {show ? <img src={url} alt="" loading="lazy" decoding="async" onError={() => setFailed(url)} /> : <span class="poster-initials">{initials(title)}</span>}
    </span>
  );
}
