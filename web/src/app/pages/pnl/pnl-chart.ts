import {
  afterRenderEffect,
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  ElementRef,
  inject,
  input,
  viewChild,
} from '@angular/core';
import type { RealizedPnlEntry, SymbolPnlTotal } from '@lotwise/contracts';
import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  TooltipItem,
  Tooltip,
} from 'chart.js';
import { USER_LOCALE } from '../../core/browser';
import { formatDecimal } from '../../core/decimal';
import { formatDateTime } from '../../core/format.pipes';
import { ThemeMode, ThemeService } from '../../core/theme.service';
import { cumulativePnlSeries, PnlPoint, PnlSeries } from './pnl-series';

// Only what a line chart on a linear axis needs: chart.js is tree-shaken to these parts.
Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip, Legend);

const SERIES_COLORS: Record<ThemeMode, readonly string[]> = {
  light: ['#0061a4', '#b3261e', '#146c2e', '#8a5100', '#6750a4', '#006a6a', '#984061', '#5d5f00'],
  dark: ['#9ecaff', '#ffb4ab', '#6dd58c', '#ffb870', '#d0bcff', '#4cdada', '#ffb0c8', '#c8c869'],
};

const AXIS_COLORS: Record<ThemeMode, { text: string; grid: string; zero: string }> = {
  light: { text: '#44474e', grid: 'rgba(0, 0, 0, 0.08)', zero: 'rgba(0, 0, 0, 0.38)' },
  dark: { text: '#c4c6d0', grid: 'rgba(255, 255, 255, 0.1)', zero: 'rgba(255, 255, 255, 0.45)' },
};

type PnlChartType = Chart<'line', PnlPoint[], string>;

/** The time axis: all sales with a margin (at least 30 minutes, so a single sale is not a lone spike). */
function timeRange(series: readonly PnlSeries[]): { min: number; max: number } {
  const times = series.flatMap((s) => s.points.map((point) => point.x));
  if (times.length === 0) return { min: 0, max: 1 };
  const first = Math.min(...times);
  const last = Math.max(...times);
  const margin = Math.max((last - first) * 0.05, 30 * 60_000);
  return { min: first - margin, max: last + margin };
}

/** Cumulative realized P&L over the sells' execution time per symbol (chart.js line chart with steps). */
@Component({
  selector: 'lw-pnl-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="chart-box">
      <canvas #canvas role="img" [attr.aria-label]="summary()"></canvas>
    </div>
  `,
  styles: `
    :host {
      display: block;
    }
    .chart-box {
      position: relative;
      height: 280px;
    }
  `,
})
export class PnlChart {
  readonly entries = input.required<readonly RealizedPnlEntry[]>();
  /** The api's totals per symbol: each line ends there, whatever part of the entries is loaded. */
  readonly totals = input<readonly SymbolPnlTotal[]>([]);

  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private readonly theme = inject(ThemeService);
  private readonly locale = inject(USER_LOCALE);
  private chart: PnlChartType | null = null;

  protected readonly series = computed(() => cumulativePnlSeries(this.entries(), this.totals()));
  protected readonly summary = computed(
    () =>
      'Cumulative realized P&L over time: ' +
      this.series()
        .map((s) => `${s.symbol} ${formatDecimal(s.total, this.locale, { signed: true })}`)
        .join(', '),
  );

  constructor() {
    afterRenderEffect(() => this.render(this.series(), this.theme.mode()));
    inject(DestroyRef).onDestroy(() => {
      this.chart?.destroy();
      this.chart = null;
    });
  }

  private render(series: readonly PnlSeries[], mode: ThemeMode): void {
    const colors = SERIES_COLORS[mode];
    const axis = AXIS_COLORS[mode];
    const range = timeRange(series);
    const datasets = series.map((s, index) => {
      const color = colors[index % colors.length] ?? colors[0];
      // Every line starts at 0 on the left edge and runs on to the right edge.
      const [start, ...rest] = s.points;
      const end = s.points.at(-1);
      const data: PnlPoint[] =
        start && end ? [{ ...start, x: range.min }, ...rest, { ...end, x: range.max }] : [];
      return {
        label: s.symbol,
        data,
        parsing: false as const,
        stepped: 'before' as const,
        borderColor: color,
        backgroundColor: color,
        borderWidth: 2,
        pointRadius: 3,
        pointHoverRadius: 5,
      };
    });
    if (this.chart) {
      this.chart.data.datasets = datasets;
      const x = this.chart.options.scales?.['x'];
      if (x) {
        x.min = range.min;
        x.max = range.max;
      }
      this.applyColors(this.chart, axis);
      this.chart.update('none');
      return;
    }
    const canvas = this.canvas().nativeElement;
    if (!canvas.getContext('2d')) return; // no canvas support (e.g. a test DOM)
    const locale = this.locale;
    const chart: PnlChartType = new Chart(canvas, {
      type: 'line',
      data: { datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'nearest', axis: 'x', intersect: false },
        scales: {
          x: {
            type: 'linear',
            min: range.min,
            max: range.max,
            ticks: {
              maxTicksLimit: 6,
              callback: (value) => formatDateTime(new Date(Number(value)).toISOString(), locale, 'short'),
            },
          },
          y: {
            ticks: { callback: (value) => new Intl.NumberFormat(locale).format(Number(value)) },
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            callbacks: {
              title: (items: TooltipItem<'line'>[]) =>
                items[0] ? formatDateTime(new Date(items[0].parsed.x ?? 0).toISOString(), locale) : '',
              label: (item: TooltipItem<'line'>) => {
                const point = item.raw as PnlPoint;
                const value = formatDecimal(point.exact, locale, { signed: true, minFractionDigits: 2 });
                return `${item.dataset.label ?? ''}: ${value}`;
              },
            },
          },
        },
      },
    });
    this.applyColors(chart, axis);
    chart.update('none');
    this.chart = chart;
  }

  private applyColors(chart: PnlChartType, axis: { text: string; grid: string; zero: string }): void {
    const { x, y } = chart.options.scales ?? {};
    for (const scale of [x, y]) {
      if (!scale) continue;
      if (scale.ticks) scale.ticks.color = axis.text;
      if (scale.grid) scale.grid.color = axis.grid;
    }
    if (y?.grid) {
      // The zero line stands out: above it is profit, below it loss.
      y.grid.color = (context) => (context.tick?.value === 0 ? axis.zero : axis.grid);
    }
    const legend = chart.options.plugins?.legend?.labels;
    if (legend) legend.color = axis.text;
  }
}
