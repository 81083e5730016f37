import { useRef, type HTMLAttributes, type ReactNode } from 'react';
import { SpacerRow, useListKeys, useVirtualRows } from '../../lib/use-virtual-rows';

type RowAttrs = HTMLAttributes<HTMLTableRowElement> & Record<`data-${string}`, string | number | undefined>;

interface Props<T> {
  rows: readonly T[];
  rowKey(row: T): string | number;
  /** The <thead> row's cells. */
  head: ReactNode;
  columns: number;
  /** One row's cells. */
  cells(row: T): ReactNode;
  rowAttrs?(row: T): RowAttrs;
  tableClass: string;
  tableAttrs?: Record<`data-${string}`, string | number | undefined>;
  label: string;
  /** Estimated row height (px) until measured. */
  estimate?: number;
}

/**
 * A Health-view table that may grow long (the slow log, raw INFO, clients by name or host): only
 * the rows in view are in the DOM, between two spacer rows, in a scroll box with a sticky header.
 * Focused, the arrow keys, PageUp/PageDown and Home/End move an active row through it. Replaces
 * the "Show more" caps these tables had.
 */
export function VirtualTable<T>({ rows, rowKey, head, columns, cells, rowAttrs, tableClass, tableAttrs, label, estimate = 33 }: Props<T>) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const { virtualizer, items, padTop, padBottom } = useVirtualRows({ count: rows.length, estimate, scrollRef, getKey: (i) => rowKey(rows[i]!) });
  const { active, setActive, onKeyDown } = useListKeys(virtualizer, rows.length);
  return (
    <div className="hv-table-scroll hv-vscroll" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} aria-label={label}>
      <table className={`table ${tableClass}`} {...tableAttrs}>
        <thead>{head}</thead>
        <tbody>
          <SpacerRow height={padTop} columns={columns} />
          {items.map((it) => {
            const row = rows[it.index]!;
            const attrs = rowAttrs?.(row) ?? {};
            return (
              <tr
                key={it.key}
                ref={virtualizer.measureElement}
                data-index={it.index}
                onMouseDown={() => setActive(it.index)}
                {...attrs}
                className={`${attrs.className ?? ''}${active === it.index ? ' is-active' : ''}`.trim() || undefined}
              >
                {cells(row)}
              </tr>
            );
          })}
          <SpacerRow height={padBottom} columns={columns} />
        </tbody>
      </table>
    </div>
  );
}
