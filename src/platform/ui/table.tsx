import type { ComponentChildren } from 'preact';

/** One column of a `DataTable`. */
export interface Column<R> {
  /** Stable key of the column (React key; not shown). */
  readonly key: string;
  /** The header cell's content (`<th scope="col">`); wrap it in a hidden span for an action column. */
  readonly header: ComponentChildren;
  /** The cell of a row. */
  readonly cell: (row: R) => ComponentChildren;
  /** The first column may name the row: a `<th scope="row">` instead of a `<td>`. */
  readonly rowHeader?: boolean;
  /**
   * The rows' order by this column, said to assistive technology as the header's `aria-sort`:
   * set it on the one column the rows are sorted by (none when the order is no single column's).
   */
  readonly sorted?: 'ascending' | 'descending' | undefined;
}

/** "Previous" / "next" links under a table (no script: plain links). */
export interface Pagination {
  /** The accessible name of the links' `<nav>` (e.g. "Page 2"). */
  readonly label: string;
  /** Shown between the links (e.g. "Page 2"). */
  readonly current?: string | undefined;
  readonly previous?: { readonly href: string; readonly label: string } | undefined;
  readonly next?: { readonly href: string; readonly label: string } | undefined;
}

/**
 * A table of rows with a header row of `<th scope="col">`, an optional caption, and what
 * to show instead when there are no rows. Every cell's content is escaped by the renderer.
 */
export function DataTable<R>(props: {
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  /** Shown instead of the table when there are no rows: a string becomes a paragraph. */
  empty: ComponentChildren;
  /** The table's caption (its accessible name). */
  caption?: ComponentChildren;
  id?: string;
  /** Attributes of a row (`id`, `data-*`), e.g. for tests and links into the page. */
  rowAttributes?: (row: R) => Readonly<Partial<Record<'id' | `data-${string}`, string>>>;
  pagination?: Pagination | undefined;
}) {
  const { columns } = props;
  const pager = props.pagination === undefined ? null : <Pager {...props.pagination} />;
  if (props.rows.length === 0) {
    return (
      <>
        {typeof props.empty === 'string' ? <p>{props.empty}</p> : props.empty}
        {pager}
      </>
    );
  }
  return (
    <>
      <table id={props.id}>
        {props.caption === undefined ? null : <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c.key} aria-sort={c.sorted}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr key={props.rowKey(row)} {...(props.rowAttributes?.(row) ?? {})}>
              {columns.map((c) =>
                c.rowHeader === true ? (
                  <th scope="row" key={c.key}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.key}>{c.cell(row)}</td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {pager}
    </>
  );
}

/** Previous / next links, with the current page between them. */
export function Pager(props: Pagination) {
  return (
    <nav aria-label={props.label}>
      {props.previous === undefined ? null : <a href={props.previous.href}>{props.previous.label}</a>}{' '}
      {props.current === undefined ? null : (
        <>
          <span>{props.current}</span>{' '}
        </>
      )}
      {props.next === undefined ? null : <a href={props.next.href}>{props.next.label}</a>}
    </nav>
  );
}
