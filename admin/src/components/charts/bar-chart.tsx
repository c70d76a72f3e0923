/**
 * @module
 * A small stacked bar chart in SVG: y axis with round ticks, x labels thinned to fit, a tooltip on
 * hover and on keyboard focus (every bar is focusable and labelled), and the same numbers in a
 * visually hidden table for screen readers. It draws at the width it is given (measured with a
 * ResizeObserver), so text stays 11 px on a phone instead of shrinking with a viewBox. Why not a
 * charting library: the smallest well-kept one, uPlot 1.6.32, is 51 KB minified (21.5 KiB gzipped)
 * and draws on a canvas, so focusable, labelled bars would still be ours to build; these ~200
 * lines are the whole stats chunk's charting (the chunk is ~4 KiB gzipped).
 */
import type { RefObject } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface BarDatum {
  /** Short x-axis label ("3 Nov", "14", "Mon"). */
  label: string;
  /** Long label for the tooltip and the table ("Monday 3 November 2026"). */
  fullLabel: string;
  values: Record<string, number>;
}

const M = { top: 10, right: 8, bottom: 24, left: 34 };

/** 0 and three or four round steps up to at least `max`. */
export function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= rough) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

function useWidth(): [RefObject<HTMLElement | null>, number] {
  const ref = useRef<HTMLElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

function total(d: BarDatum, series: Series[]): number {
  return series.reduce((n, s) => n + (d.values[s.key] ?? 0), 0);
}

function describe(d: BarDatum, series: Series[], unit: string): string {
  const t = total(d, series);
  const parts = series.filter((s) => (d.values[s.key] ?? 0) > 0).map((s) => `${d.values[s.key]} ${s.label}`);
  return `${d.fullLabel}: ${t} ${unit}${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`;
}

export function BarChart({ title, series, data, height = 200, unit = 'plays', testId }: { title: string; series: Series[]; data: BarDatum[]; height?: number; unit?: string; testId?: string }) {
  const [ref, width] = useWidth();
  const [active, setActive] = useState<number | null>(null);
  const max = Math.max(0, ...data.map((d) => total(d, series)));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1]!;
  const plotW = Math.max(0, width - M.left - M.right);
  const plotH = height - M.top - M.bottom;
  const band = data.length ? plotW / data.length : 0;
  const barW = Math.max(1, Math.min(band * 0.78, 42));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  // Keep x labels apart by about their own width (11 px text: ~6.5 px a character) plus a gap.
  const labelWidth = Math.max(...data.map((d) => d.label.length), 1) * 6.5 + 14;
  const every = Math.max(1, Math.ceil(labelWidth / Math.max(band, 1)));
  const activeDatum = active !== null ? data[active] : undefined;

  return (
    <figure class="chart" ref={ref} data-testid={testId} onMouseLeave={() => setActive(null)}>
      {width > 0 && (
        <svg width={width} height={height} role="group" aria-label={`${title}: ${data.reduce((n, d) => n + total(d, series), 0)} ${unit}`}>
          <g class="axis" aria-hidden="true">
            {ticks.map((t) => (
              <g key={t}>
                <line class="grid-line" x1={M.left} x2={width - M.right} y1={y(t)} y2={y(t)} stroke-dasharray={t === 0 ? undefined : '2 3'} />
                <text x={M.left - 6} y={y(t) + 4} text-anchor="end">
                  {t}
                </text>
              </g>
            ))}
            {data.map((d, i) =>
              i % every === 0 ? (
                <text key={i} x={M.left + band * i + band / 2} y={height - 6} text-anchor="middle">
                  {d.label}
                </text>
              ) : null,
            )}
          </g>
          {data.map((d, i) => {
            let acc = 0;
            const x = M.left + band * i + (band - barW) / 2;
            return (
              <g
                key={i}
                class="bar"
                tabIndex={0}
                role="img"
                aria-label={describe(d, series, unit)}
                onFocus={() => setActive(i)}
                onBlur={() => setActive(null)}
                onMouseEnter={() => setActive(i)}
              >
                <rect class="hit" x={M.left + band * i} y={M.top} width={band} height={plotH} />
                {series.map((s) => {
                  const v = d.values[s.key] ?? 0;
                  if (v <= 0) return null;
                  const y0 = y(acc);
                  acc += v;
                  const y1 = y(acc);
                  return <rect key={s.key} x={x} y={y1} width={barW} height={Math.max(0, y0 - y1)} fill={s.color} rx={barW > 6 ? 2 : 0} />;
                })}
              </g>
            );
          })}
        </svg>
      )}
      {width === 0 && <div style={{ height: `${height}px` }} />}
      {activeDatum && (
        <div class="chart-tip" role="presentation" style={{ left: `${M.left + band * active! + band / 2}px`, top: `${Math.max(M.top, y(total(activeDatum, series))) - 6}px` }}>
          <strong>{activeDatum.fullLabel}</strong>
          {series.map((s) => (
            <div key={s.key}>
              <span class="swatch" style={{ background: s.color }} /> {s.label}: {activeDatum.values[s.key] ?? 0}
            </div>
          ))}
        </div>
      )}
      {series.length > 1 && (
        <ul class="legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.key}>
              <span class="swatch" style={{ background: s.color }} /> {s.label}
            </li>
          ))}
        </ul>
      )}
      {/* A table is as wide as its content whatever its CSS width: hide it inside a clipped box. */}
      <div class="sr-only">
      <table>
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            {series.map((s) => (
              <th key={s.key} scope="col">
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.map((d, i) => (
            <tr key={i}>
              <th scope="row">{d.fullLabel}</th>
              {series.map((s) => (
                <td key={s.key}>{d.values[s.key] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}
