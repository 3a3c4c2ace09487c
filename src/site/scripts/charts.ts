/**
 * Draws every `[data-chart]` figure on the page. Bundled by Astro into a hashed /_astro/*.js module
 * (the CSP forbids inline scripts). The page already shows the same numbers as a table, so this is an
 * enhancement: on any problem the canvas simply stays hidden.
 *
 * Pages with many small charts (regressions, disruption) draw each one when it scrolls near the
 * viewport, so a long page does not draw hundreds of canvases up front.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { ChartDataset } from 'chart.js';
import { isChartSpec } from '../lib/charts.ts';
import type { ChartSpec } from '../lib/charts.ts';

// Registering only what these charts need keeps the bundle well under the full Chart.js build.
Chart.register(LineController, LineElement, PointElement, BarController, BarElement, LinearScale, CategoryScale, Tooltip, Legend);

/** Draw everything at once up to this many charts; beyond it, draw on approach. */
const EAGER_LIMIT = 6;

/** Colours come from the stylesheet's custom properties so charts follow light and dark mode. */
function themeColour(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

// Series differ by dash pattern and point shape as well as colour.
const DASHES: number[][] = [[], [6, 4], [2, 3]];
const POINTS = ['circle', 'rectRot', 'triangle'] as const;

const format = (spec: ChartSpec, v: number | null): string => (v === null ? 'no data' : spec.unit === 'percent' ? `${v}%` : `${v} s`);

function datasets(spec: ChartSpec, colours: string[]): ChartDataset<'line' | 'bar', unknown[]>[] {
  const out: ChartDataset<'line' | 'bar', unknown[]>[] = [];
  for (const s of spec.series) {
    const colour = colours[s.slot % colours.length] ?? '#1f6feb';
    const style = {
      borderColor: colour,
      backgroundColor: colour,
      borderDash: DASHES[s.slot % DASHES.length] ?? [],
      pointStyle: POINTS[s.slot % POINTS.length] ?? 'circle',
    };
    if (spec.kind === 'hbar') {
      out.push({ type: 'bar', label: s.label, data: s.values, backgroundColor: colour, borderColor: colour, borderWidth: 1 });
    } else if (spec.kind === 'interval') {
      // The interval as a floating bar, the rate as a point on it.
      out.push({
        type: 'bar',
        label: `${s.label}: 95% interval`,
        data: (s.ranges ?? []).map((r) => r ?? null),
        backgroundColor: `${colour}55`,
        borderColor: colour,
        borderWidth: 1,
        barPercentage: 0.35,
      });
      out.push({ type: 'line', label: s.label, data: s.values, ...style, showLine: false, pointRadius: 6, pointHoverRadius: 7 });
    } else {
      out.push({ type: 'line', label: s.label, data: s.values, ...style, pointRadius: 3, spanGaps: false, tension: 0 });
    }
  }
  return out;
}

function draw(figure: HTMLElement): void {
  const canvas = figure.querySelector('canvas');
  const holder = figure.querySelector<HTMLElement>('[data-chart-canvas]');
  if (!canvas || !holder || figure.dataset.drawn) return;
  let spec: ChartSpec;
  try {
    const parsed: unknown = JSON.parse(figure.dataset.chart ?? '');
    if (!isChartSpec(parsed)) return;
    spec = parsed;
  } catch {
    return;
  }
  figure.dataset.drawn = 'true';
  // Unhide before drawing: Chart.js measures the container.
  holder.hidden = false;
  const colours = [themeColour('--chart-1', '#1f6feb'), themeColour('--chart-2', '#b35900'), themeColour('--chart-3', '#6e40c9')];
  const grid = themeColour('--chart-grid', 'rgba(127,127,127,0.25)');
  const text = themeColour('--fg-muted', '#555');
  const horizontal = spec.kind === 'hbar';
  const valueAxis = {
    min: 0,
    ...(spec.unit === 'percent' ? { max: 100 } : {}),
    ticks: { color: text, callback: (v: string | number) => (spec.unit === 'percent' ? `${String(v)}%` : `${String(v)} s`) },
    grid: { color: grid },
    title: { display: spec.unit === 'seconds', text: 'seconds', color: text },
  };
  // Long category names (backend · variant) would be cut at the canvas edge: shorten, the tooltip has them whole.
  const categoryAxis = {
    ticks: {
      color: text,
      autoSkip: !horizontal,
      callback(this: { getLabelForValue(v: number): string }, value: string | number): string {
        const label = this.getLabelForValue(Number(value));
        return label.length > 48 ? `${label.slice(0, 47)}…` : label;
      },
    },
    grid: { color: grid },
  };
  new Chart(canvas, {
    type: horizontal || spec.kind === 'interval' ? 'bar' : 'line',
    data: { labels: spec.labels, datasets: datasets(spec, colours) as ChartDataset<'bar' | 'line', unknown[]>[] } as never,
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      indexAxis: horizontal ? 'y' : 'x',
      interaction: { mode: 'index', intersect: false },
      scales: horizontal ? { x: valueAxis, y: categoryAxis } : { y: valueAxis, x: categoryAxis },
      plugins: {
        legend: { display: spec.series.length > 1 || spec.kind === 'interval', labels: { color: text, usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (ctx) => {
              const raw: unknown = ctx.raw;
              if (Array.isArray(raw)) return `${ctx.dataset.label ?? ''}: ${format(spec, raw[0] as number)} to ${format(spec, raw[1] as number)}`;
              return `${ctx.dataset.label ?? ''}: ${format(spec, typeof raw === 'number' ? raw : null)}`;
            },
          },
        },
      },
    },
  });
}

const figures = [...document.querySelectorAll<HTMLElement>('[data-chart]')];
if (figures.length <= EAGER_LIMIT || !('IntersectionObserver' in window)) {
  for (const figure of figures) draw(figure);
} else {
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        draw(entry.target as HTMLElement);
      }
    },
    { rootMargin: '300px 0px' },
  );
  for (const figure of figures) observer.observe(figure);
}
