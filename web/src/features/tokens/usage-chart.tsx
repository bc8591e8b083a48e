import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { type ReactNode, useId } from 'react';
import { ErrorAlert, Loading } from '../../components/messages';
import {
  DEFAULT_USAGE_RANGE,
  tokenUsageQuery,
  USAGE_RANGES,
  type UsageDay,
  type UsageRange,
} from './usage.operations';

const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const numberFormat = new Intl.NumberFormat();

/** `2024-05-03` → "May 3" (the date is a UTC calendar day). */
const formatDay = (date: string): string => {
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? date : dayFormat.format(parsed);
};

const count = (value: number) => numberFormat.format(value);
const requests = (value: number) => `${count(value)} ${value === 1 ? 'request' : 'requests'}`;

/** The three outcomes of a use (docs/api.md, "Usage"), bottom to top in the chart. */
const OUTCOMES = [
  { key: 'allowed', label: 'Allowed' },
  { key: 'denied', label: 'Denied' },
  { key: 'rateLimited', label: 'Rate-limited' },
] as const;

type Outcome = (typeof OUTCOMES)[number]['key'];
type Totals = Record<Outcome, number> & { total: number };

const totalOf = (day: UsageDay): number => day.allowed + day.denied + day.rateLimited;

function totalsOf(days: readonly UsageDay[]): Totals {
  const totals: Totals = { allowed: 0, denied: 0, rateLimited: 0, total: 0 };
  for (const day of days) {
    totals.allowed += day.allowed;
    totals.denied += day.denied;
    totals.rateLimited += day.rateLimited;
    totals.total += totalOf(day);
  }
  return totals;
}

/**
 * A token's usage over 7, 30 or 90 days (the range is kept in the page's `?days=` search param):
 * totals by outcome, requests per day as a stacked bar chart, and the same numbers as a table.
 */
export function TokenUsage({ tokenId }: { tokenId: string }) {
  const { days: chosen } = useSearch({ from: '/tokens/$id' });
  const range = chosen ?? DEFAULT_USAGE_RANGE;
  const navigate = useNavigate({ from: '/tokens/$id' });
  const query = useQuery(tokenUsageQuery(tokenId, range));
  const choose = (next: UsageRange) =>
    void navigate({
      search: (previous) => ({ ...previous, days: next === DEFAULT_USAGE_RANGE ? undefined : next }),
      replace: true,
      resetScroll: false,
    });

  let content: ReactNode;
  if (query.isPending) content = <Loading label="Loading usage…" />;
  else if (query.isError && !query.data) content = <ErrorAlert message={query.error.message} />;
  else if (query.data)
    content = (
      <UsageView
        days={query.data.token?.usage ?? []}
        range={query.isPlaceholderData ? null : range}
        busy={query.isPlaceholderData}
      />
    );

  return (
    <div className="usage">
      <RangePicker value={range} onChange={choose} />
      {content}
    </div>
  );
}

function RangePicker({ value, onChange }: { value: UsageRange; onChange: (range: UsageRange) => void }) {
  return (
    <fieldset className="segmented">
      <legend className="visually-hidden">Usage range</legend>
      {USAGE_RANGES.map((range) => (
        <button
          key={range}
          type="button"
          className="segmented-option"
          aria-pressed={range === value}
          onClick={() => onChange(range)}
        >
          {range} days
        </button>
      ))}
    </fieldset>
  );
}

type UsageViewProps = {
  days: readonly UsageDay[];
  /** The range shown; null while another range loads (the previous days stay on screen). */
  range: UsageRange | null;
  busy: boolean;
};

function UsageView({ days, range, busy }: UsageViewProps) {
  const id = useId();
  const totals = totalsOf(days);
  const period = `last ${range ?? days.length} days`;
  const busiest = days.reduce<UsageDay | null>(
    (top, day) => (totalOf(day) > 0 && (!top || totalOf(day) > totalOf(top)) ? day : top),
    null,
  );
  const title = `Requests per day, ${period}`;
  const summary =
    totals.total === 0 || !busiest
      ? `No requests in the ${period}.`
      : `${requests(totals.total)} in the ${period}: ${count(totals.allowed)} allowed, ${count(totals.denied)} denied, ${count(totals.rateLimited)} rate-limited. The busiest day was ${formatDay(busiest.date)} with ${requests(totalOf(busiest))}.`;

  return (
    <figure className="usage-figure" aria-busy={busy || undefined} aria-labelledby={`${id}-caption`}>
      <dl className="usage-totals">
        <div className="usage-total">
          <dt>Total requests</dt>
          <dd>{count(totals.total)}</dd>
        </div>
        {OUTCOMES.map((outcome) => (
          <div key={outcome.key} className={`usage-total usage-total-${outcome.key}`}>
            <dt>
              <span className={`swatch swatch-${outcome.key}`} aria-hidden="true" />
              {outcome.label}
            </dt>
            <dd>{count(totals[outcome.key])}</dd>
          </div>
        ))}
      </dl>
      <UsageBars days={days} title={title} summary={summary} />
      <figcaption id={`${id}-caption`} className="muted">
        {summary}
      </figcaption>
      <details className="usage-numbers">
        <summary>Numbers per day</summary>
        <div className="table-wrap">
          <table className="table table-compact">
            <caption className="visually-hidden">{`${title}, newest first`}</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {OUTCOMES.map((outcome) => (
                  <th key={outcome.key} scope="col" className="numeric">
                    {outcome.label}
                  </th>
                ))}
                <th scope="col" className="numeric">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {[...days].reverse().map((day) => (
                <tr key={day.date}>
                  <th scope="row">
                    <time dateTime={day.date}>{formatDay(day.date)}</time>
                  </th>
                  {OUTCOMES.map((outcome) => (
                    <td key={outcome.key} className="numeric">
                      {count(day[outcome.key])}
                    </td>
                  ))}
                  <td className="numeric">{count(totalOf(day))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/**
 * The stacked bars. The SVG stretches to any width (one unit per day) and holds no text: the axis
 * labels are HTML around it, so they stay legible on a phone.
 */
function UsageBars({ days, title, summary }: { days: readonly UsageDay[]; title: string; summary: string }) {
  const id = useId();
  const max = Math.max(1, ...days.map(totalOf));
  const barWidth = days.length <= 7 ? 0.5 : 0.7;
  const first = days[0];
  const last = days[days.length - 1];
  return (
    <div className="usage-plot">
      <div className="usage-y" aria-hidden="true">
        <span>{count(max)}</span>
        <span>0</span>
      </div>
      <svg
        className="usage-chart"
        viewBox={`0 0 ${Math.max(1, days.length)} 100`}
        preserveAspectRatio="none"
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{summary}</desc>
        <line
          className="gridline"
          x1={0}
          x2={days.length}
          y1={50}
          y2={50}
          vectorEffect="non-scaling-stroke"
        />
        {days.map((day, index) => {
          let base = 100;
          return (
            <g key={day.date}>
              <title>
                {`${formatDay(day.date)}: ${requests(totalOf(day))} (${count(day.allowed)} allowed, ${count(day.denied)} denied, ${count(day.rateLimited)} rate-limited)`}
              </title>
              <rect className="usage-hit" x={index} y={0} width={1} height={100} />
              {OUTCOMES.map((outcome) => {
                const height = (day[outcome.key] / max) * 100;
                base -= height;
                return height > 0 ? (
                  <rect
                    key={outcome.key}
                    className={`usage-bar usage-bar-${outcome.key}`}
                    x={index + (1 - barWidth) / 2}
                    y={base}
                    width={barWidth}
                    height={height}
                  />
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      <div className="usage-x" aria-hidden="true">
        <span>{first ? formatDay(first.date) : ''}</span>
        <span>{last && last !== first ? formatDay(last.date) : ''}</span>
      </div>
    </div>
  );
}
