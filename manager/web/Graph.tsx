// A time series graph (uPlot): one or two series over time, sized to its box.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: number[];
  color: string;
}

/** the last value of every series in words: "used 1.3 GiB, total 23.5 GiB" */
export function latest(series: Series[], format: (v: number) => string): string {
  return series
    .map((s) => {
      const v = s.values.at(-1);
      return `${s.label} ${v === undefined ? '-' : format(v)}`;
    })
    .join(', ');
}

export function Graph({
  title,
  times,
  series,
  format,
}: {
  title: string;
  times: number[];
  series: Series[];
  format(v: number): string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 180,
      series: [
        {},
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: `${s.color}22`,
          value: (_u: uPlot, v: number | null) => (v === null ? '-' : format(v)),
        })),
      ],
      axes: [{}, { values: (_u: uPlot, vals: number[]) => vals.map(format), size: 70 }],
      // the series key; the values are in the "now:" line above (the cursor shows them too)
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, [times, ...series.map((s) => s.values)], el);
    const ro = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(200, el.clientWidth), height: 180 }),
    );
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [times, series, format]);
  return (
    <figure style={{ margin: 0 }} aria-label={title}>
      <figcaption style={{ fontWeight: 600, fontSize: '0.9rem' }}>{title}</figcaption>
      <div style={{ fontSize: '0.8rem' }} data-latest>
        now: {latest(series, format)}
      </div>
      <div ref={box} className="uplot-box" aria-hidden="true" />
    </figure>
  );
}
