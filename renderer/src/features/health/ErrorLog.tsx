import { useRef, useState } from 'react';
import type { HealthErrorEntry } from '../../../../shared/contract';
import { KindBadge } from '../../components/KindBadge';
import { formatClock, formatTime } from '../../lib/format';
import { SpacerRow, useListKeys, useVirtualRows } from '../../lib/use-virtual-rows';
import { errorKey } from '../../store/health-slice';

type Filter = 'all' | 'transient' | 'fatal';

const hints = {
  transient: 'Transient: retrying may help (net-mesh retries it)',
  fatal: 'Fatal: retrying will not help (net-mesh drops the batch)',
  usage: 'Invalid request',
} as const;

/**
 * Every Redis failure the app saw, newest first: when, which command, its class as net-mesh
 * classifies it, Redis' own reason. Repeats are counted on one row (first and last time).
 * Virtualized (spacer rows above and below the rows in view): a flapping server fills the log.
 * Focused, the arrow keys, PageUp/PageDown and Home/End move through it.
 */
export function ErrorLog({ errors, total }: { errors: readonly HealthErrorEntry[]; total: number }) {
  const [filter, setFilter] = useState<Filter>('all');
  const transient = errors.filter((e) => e.kind === 'transient').length;
  const fatal = errors.filter((e) => e.kind === 'fatal').length;
  const shown = errors.filter((e) => filter === 'all' || e.kind === filter).slice().reverse();
  const scrollRef = useRef<HTMLDivElement>(null);
  const { virtualizer, items, padTop, padBottom } = useVirtualRows({ count: shown.length, estimate: 37, scrollRef, getKey: (i) => errorKey(shown[i]!) });
  const { active, setActive, onKeyDown } = useListKeys(virtualizer, shown.length);

  return (
    <section className="card card-flat hv-card hv-card-errors" aria-labelledby="errors-title" data-error-log data-error-total={total}>
      <header className="hv-card-head">
        <h2 id="errors-title">Error log</h2>
        <span className="hv-card-hint">{total === 0 ? 'nothing failed' : `${formatCountShort(total)} since connect · repeats folded`}</span>
        <span className="spacer" />
        <div className="seg seg-flush" role="group" aria-label="Show errors">
          {(
            [
              ['all', `All ${errors.length}`],
              ['transient', `Transient ${transient}`],
              ['fatal', `Fatal ${fatal}`],
            ] as Array<[Filter, string]>
          ).map(([f, text]) => (
            <button key={f} type="button" className={filter === f ? 'seg-btn active' : 'seg-btn'} aria-pressed={filter === f} onClick={() => setFilter(f)} data-error-filter={f}>
              {text}
            </button>
          ))}
        </div>
      </header>
      {shown.length === 0 ? (
        <div className="hv-card-empty">{errors.length === 0 ? 'No Redis errors in this session.' : 'No errors of this class.'}</div>
      ) : (
        <div className="hv-table-scroll hv-errlog-scroll" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown} aria-label="Redis errors, newest first" data-error-rows={shown.length}>
          <table className="table hv-errlog">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Command</th>
                <th scope="col">Class</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              <SpacerRow height={padTop} columns={4} />
              {items.map((it) => {
                const e = shown[it.index]!;
                return (
                  <tr
                    key={it.key}
                    ref={virtualizer.measureElement}
                    data-index={it.index}
                    onMouseDown={() => setActive(it.index)}
                    className={`hv-errlog-row hv-errlog-${e.kind}${active === it.index ? ' is-active' : ''}`}
                    data-error-row data-error-kind={e.kind} data-error-code={e.code ?? ''} data-error-command={e.command ?? ''}>
                    <td className="hv-errlog-time mono">
                      <span>{formatTime(new Date(e.lastAt ?? e.at))}</span>
                      {e.count && e.count > 1 ? (
                        <span className="hv-errlog-repeat" title={`First at ${formatTime(new Date(e.at))}`}>
                          ×{e.count} since {formatClock(new Date(e.at))}
                        </span>
                      ) : null}
                    </td>
                    <td className="hv-errlog-cmd mono">{e.command ?? '—'}</td>
                    <td>
                      <KindBadge kind={e.kind} title={hints[e.kind]} />
                    </td>
                    <td className="hv-errlog-reason">
                      {e.code ? <code className="hv-errlog-code">{e.code}</code> : null}
                      <span className="hv-errlog-message">{e.message}</span>
                    </td>
                  </tr>
                );
              })}
              <SpacerRow height={padBottom} columns={4} />
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function formatCountShort(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : new Intl.NumberFormat('en-US').format(n);
}
