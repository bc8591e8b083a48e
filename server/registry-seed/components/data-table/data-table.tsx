import { type ReactNode, useId, useMemo, useState } from 'react';
import './data-table.css';

export interface Column<Row> {
  /** A stable key, also the default accessor: row[key]. */
  key: string;
  header: string;
  /** The value used to sort and filter; defaults to row[key]. */
  value?: (row: Row) => string | number | Date | null | undefined;
  /** How the cell renders; defaults to the value as text. */
  render?: (row: Row) => ReactNode;
  sortable?: boolean;
  align?: 'start' | 'end';
}

export interface DataTableProps<Row> {
  rows: readonly Row[];
  columns: readonly Column<Row>[];
  /** A unique key per row. */
  rowKey: (row: Row) => string;
  caption: string;
  pageSize?: number;
  /** Shows a text filter over every column's value. */
  filterable?: boolean;
  emptyMessage?: string;
}

type SortState = { key: string; direction: 'ascending' | 'descending' } | null;

function cellValue<Row>(column: Column<Row>, row: Row) {
  return column.value ? column.value(row) : (row as Record<string, unknown>)[column.key];
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

export function DataTable<Row>({
  rows,
  columns,
  rowKey,
  caption,
  pageSize = 10,
  filterable = true,
  emptyMessage = 'Nothing to show.',
}: DataTableProps<Row>) {
  const filterId = useId();
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortState>(null);
  const [page, setPage] = useState(0);

  const visible = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const filtered = needle
      ? rows.filter((row) =>
          columns.some((column) =>
            String(cellValue(column, row) ?? '')
              .toLowerCase()
              .includes(needle),
          ),
        )
      : [...rows];
    const column = sort ? columns.find((candidate) => candidate.key === sort.key) : undefined;
    if (sort && column) {
      const sign = sort.direction === 'ascending' ? 1 : -1;
      filtered.sort((a, b) => sign * compare(cellValue(column, a), cellValue(column, b)));
    }
    return filtered;
  }, [rows, columns, filter, sort]);

  const pageCount = Math.max(1, Math.ceil(visible.length / pageSize));
  const current = Math.min(page, pageCount - 1);
  const pageRows = visible.slice(current * pageSize, (current + 1) * pageSize);

  const toggleSort = (key: string) => {
    setSort((previous) =>
      previous?.key !== key
        ? { key, direction: 'ascending' }
        : previous.direction === 'ascending'
          ? { key, direction: 'descending' }
          : null,
    );
    setPage(0);
  };

  return (
    <div className="kw-table">
      {filterable && (
        <div className="kw-table__toolbar">
          <label htmlFor={filterId}>Filter</label>
          <input
            id={filterId}
            type="search"
            value={filter}
            onChange={(event) => {
              setFilter(event.target.value);
              setPage(0);
            }}
          />
        </div>
      )}
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) => (
              <th
                key={column.key}
                scope="col"
                className={column.align === 'end' ? 'kw-table__end' : undefined}
                aria-sort={sort?.key === column.key ? sort.direction : undefined}
              >
                {column.sortable ? (
                  <button type="button" onClick={() => toggleSort(column.key)}>
                    {column.header}
                    <span aria-hidden="true">
                      {sort?.key === column.key ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ' ↕'}
                    </span>
                  </button>
                ) : (
                  column.header
                )}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {pageRows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="kw-table__empty">
                {emptyMessage}
              </td>
            </tr>
          ) : (
            pageRows.map((row) => (
              <tr key={rowKey(row)}>
                {columns.map((column) => (
                  <td key={column.key} className={column.align === 'end' ? 'kw-table__end' : undefined}>
                    {column.render ? column.render(row) : String(cellValue(column, row) ?? '')}
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
      <nav className="kw-table__pager" aria-label={`${caption} pages`}>
        <button type="button" onClick={() => setPage(current - 1)} disabled={current === 0}>
          Previous
        </button>
        <span aria-live="polite">
          Page {current + 1} of {pageCount} ({visible.length} {visible.length === 1 ? 'row' : 'rows'})
        </span>
        <button type="button" onClick={() => setPage(current + 1)} disabled={current >= pageCount - 1}>
          Next
        </button>
      </nav>
    </div>
  );
}
