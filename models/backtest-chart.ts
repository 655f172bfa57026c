/**
 * The backtests as one SVG (written next to each version's manifest as backtest.svg, linked from the model
 * card): a panel per measure, NDCG@10 per window for the shipped model and each baseline, tuning windows
 * shaded. A mean hides a bad fortnight; a line per window shows it.
 */
import type { Manifest } from '../lib/recs/manifest';

type Metrics = Manifest['metrics'];
interface Panel {
  title: string;
  starts: string[];
  reportedFrom: number;
  lines: Record<string, number[]>;
}

const COLOURS = ['#b4413c', '#3c6bb4', '#6b9e3c', '#9e7b3c', '#7b3c9e', '#3c9e95', '#777', '#c47cb0'];

function panels(m: Metrics): Panel[] {
  const out: Panel[] = [];
  const t = m.towerBacktest;
  if (t) {
    const starts = t.windows.map((w) => w.start);
    const reportedFrom = t.windows.findIndex((w) => w.role === 'reported');
    for (const measure of ['all', 'explore', 'repeat'] as const) {
      const lines = Object.fromEntries(Object.entries(t.reported).map(([name, byMeasure]) => [name, [...t.tuning[name]![measure]!.windows, ...byMeasure[measure]!.windows]]));
      out.push({ title: `${measure}: NDCG@10 per 15-day window`, starts, reportedFrom, lines });
    }
  }
  const b = m.basketBacktest;
  if (b) {
    const reported = b.windows.filter((w) => w.role === 'reported');
    out.push({ title: 'basket: NDCG@10 per reported fortnight', starts: reported.map((w) => w.start), reportedFrom: 0, lines: Object.fromEntries(Object.entries(b.reported).map(([k, s]) => [k, s.windows])) });
  }
  return out;
}

function panelSvg(p: Panel, top: number, W: number, H: number): string {
  const pad = 44;
  const all = Object.values(p.lines).flat();
  const max = Math.max(...all, 1e-6);
  const n = Math.max(p.starts.length, 2);
  const x = (i: number) => pad + (i / (n - 1)) * (W - 2 * pad - 150);
  const y = (v: number) => top + H - 24 - (v / max) * (H - 48);
  const shade = p.reportedFrom > 0 ? `<rect x="${pad}" y="${top + 20}" width="${x(p.reportedFrom - 0.5) - pad}" height="${H - 44}" fill="#f1efe9"/><text x="${pad + 4}" y="${top + 34}" fill="#888">tuning</text>` : '';
  const lines = Object.entries(p.lines).map(([name, v], k) => {
    const colour = name === 'two-tower' || name === 'complement' ? COLOURS[0]! : COLOURS[(k % (COLOURS.length - 1)) + 1]!;
    const width = colour === COLOURS[0] ? 2.5 : 1.2;
    const d = v.map((val, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)} ${y(val).toFixed(1)}`).join(' ');
    return `<path d="${d}" fill="none" stroke="${colour}" stroke-width="${width}"/><text x="${W - pad - 140}" y="${top + 34 + k * 13}" fill="${colour}">${name}</text>`;
  });
  const ticks = p.starts.map((s, i) => `<text x="${x(i)}" y="${top + H - 6}" text-anchor="middle" fill="#555">${s.slice(5)}</text>`);
  return [`<text x="${pad}" y="${top + 14}" font-weight="bold">${p.title}</text>`, shade, `<text x="4" y="${y(max) + 4}">${max.toFixed(3)}</text><text x="4" y="${y(0) + 4}">0</text>`, ...lines, ...ticks].join('');
}

export function backtestSvg(m: Metrics): string {
  const W = 720;
  const H = 190;
  const ps = panels(m);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H * ps.length}" font-family="sans-serif" font-size="11"><rect width="${W}" height="${H * ps.length}" fill="#fff"/>${ps.map((p, i) => panelSvg(p, i * H, W, H)).join('')}</svg>\n`;
}
