/**
 * Draws every `[data-chart]` figure on the page. Bundled by Astro into a hashed /_astro/*.js module
 * (the CSP forbids inline scripts). The page already shows the same numbers as a table, so this is an
 * enhancement: on any problem the canvas simply stays hidden.
 */
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import { isChartSpec } from '../lib/charts.ts';
import type { ChartSpec } from '../lib/charts.ts';

// Registering only what a line chart needs keeps the bundle well under the full Chart.js build.
Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

/** Colours come from the stylesheet's custom properties so charts follow light and dark mode. */
function themeColour(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value || fallback;
}

// Series differ by dash pattern and point shape as well as colour.
const DASHES: number[][] = [[], [6, 4], [2, 3]];
const POINTS = ['circle', 'rectRot', 'triangle'] as const;

function draw(figure: HTMLElement): void {
  const canvas = figure.querySelector('canvas');
  const holder = figure.querySelector<HTMLElement>('[data-chart-canvas]');
  if (!canvas || !holder) return;
  let spec: ChartSpec;
  try {
    const parsed: unknown = JSON.parse(figure.dataset.chart ?? '');
    if (!isChartSpec(parsed)) return;
    spec = parsed;
  } catch {
    return;
  }
  // Unhide before drawing: Chart.js measures the container.
  holder.hidden = false;
  const colours = [themeColour('--chart-1', '#1f6feb'), themeColour('--chart-2', '#b35900'), themeColour('--chart-3', '#6e40c9')];
  const grid = themeColour('--chart-grid', 'rgba(127,127,127,0.25)');
  const text = themeColour('--fg-muted', '#555');
  new Chart(canvas, {
    type: 'line',
    data: {
      labels: spec.labels,
      datasets: spec.series.map((s) => {
        const colour = colours[s.slot % colours.length] ?? '#1f6feb';
        return {
          label: s.label,
          data: s.values,
          borderColor: colour,
          backgroundColor: colour,
          borderDash: DASHES[s.slot % DASHES.length] ?? [],
          pointStyle: POINTS[s.slot % POINTS.length] ?? 'circle',
          pointRadius: 3,
          spanGaps: false,
          tension: 0,
        };
      }),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      scales: {
        y: {
          min: 0,
          max: 100,
          ticks: { color: text, callback: (v) => `${String(v)}%` },
          grid: { color: grid },
        },
        x: { ticks: { color: text }, grid: { color: grid } },
      },
      plugins: {
        legend: { display: spec.series.length > 1, labels: { color: text, usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (ctx) => `${ctx.dataset.label ?? ''}: ${ctx.parsed.y === null ? 'no finished runs' : `${ctx.parsed.y}%`}`,
          },
        },
      },
    },
  });
}

for (const figure of document.querySelectorAll<HTMLElement>('[data-chart]')) draw(figure);
