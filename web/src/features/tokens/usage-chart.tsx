import { useId } from 'react';
import type { TokenDetail } from './tokens.operations';

type TokenUsageDay = TokenDetail['usage'][number];

const WIDTH = 600;
const HEIGHT = 180;
const PAD = { top: 12, right: 8, bottom: 24, left: 36 };
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const numberFormat = new Intl.NumberFormat();

/** `2024-05-03` → "May 3" (the date is a UTC calendar day). */
const formatDay = (date: string): string => {
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? date : dayFormat.format(parsed);
};

const requests = (count: number) => `${numberFormat.format(count)} ${count === 1 ? 'request' : 'requests'}`;

/** Requests per day as an SVG bar chart, summarised for screen readers, with the numbers in a hidden table. */
export function UsageChart({ days }: { days: readonly TokenUsageDay[] }) {
  const id = useId();
  const total = days.reduce((sum, day) => sum + day.count, 0);
  const busiest = days.reduce<TokenUsageDay | null>(
    (top, day) => (!top || day.count > top.count ? day : top),
    null,
  );
  const max = Math.max(1, busiest?.count ?? 0);
  const title = `Requests per day, last ${days.length} days`;
  const summary =
    total === 0 || !busiest
      ? `No requests in the last ${days.length} days.`
      : `${requests(total)} in the last ${days.length} days; the busiest day was ${formatDay(busiest.date)} with ${requests(busiest.count)}.`;

  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(1, slot - 3);
  const first = days[0];
  const last = days[days.length - 1];

  return (
    <figure className="usage">
      <svg
        className="usage-chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <line className="axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={PAD.top} y2={PAD.top} />
        <line
          className="axis"
          x1={PAD.left}
          x2={WIDTH - PAD.right}
          y1={PAD.top + plotHeight}
          y2={PAD.top + plotHeight}
        />
        <text className="axis-label" x={PAD.left - 6} y={PAD.top + 4} textAnchor="end">
          {numberFormat.format(max)}
        </text>
        <text className="axis-label" x={PAD.left - 6} y={PAD.top + plotHeight} textAnchor="end">
          0
        </text>
        {days.map((day, index) => {
          const barHeight = (day.count / max) * plotHeight;
          return (
            <rect
              key={day.date}
              className="usage-bar"
              x={PAD.left + index * slot + (slot - barWidth) / 2}
              y={PAD.top + plotHeight - barHeight}
              width={barWidth}
              height={barHeight}
            >
              <title>{`${formatDay(day.date)}: ${requests(day.count)}`}</title>
            </rect>
          );
        })}
        {first ? (
          <text className="axis-label" x={PAD.left} y={HEIGHT - 6} textAnchor="start">
            {formatDay(first.date)}
          </text>
        ) : null}
        {last && last !== first ? (
          <text className="axis-label" x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end">
            {formatDay(last.date)}
          </text>
        ) : null}
      </svg>
      <figcaption className="muted">{summary}</figcaption>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Requests</th>
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.date}>
              <th scope="row">{day.date}</th>
              <td>{day.count}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
