import { memo, useEffect, useRef } from 'react';
import { formatClock, formatCount } from '../../lib/format';
import type { PreparedBatch } from '../../store/publisher-slice';
import { formatBytes, ordinalRange } from '../../models/publisher-model';

/** One command line, coloured by part; text only (payloads are never markup). */
const CommandLine = memo(function CommandLine({ line }: { line: string }) {
  if (line === 'MULTI' || line === 'EXEC') return <span className="cmd-kw">{line}</span>;
  if (line.startsWith('... ')) return <span className="cmd-more">{line}</span>;
  const m = /^XADD (\S+)( MAXLEN ~ \d+)? \* d (.*) dedup_id (\S+)$/.exec(line);
  if (!m) return <>{line}</>;
  return (
    <>
      <span className="cmd-kw">XADD</span> <span className="cmd-key">{m[1]}</span>
      {m[2] ? (
        <>
          {' '}
          <span className="cmd-kw">MAXLEN</span> <span className="cmd-op">~</span> <span className="cmd-num">{m[2].replace(' MAXLEN ~ ', '')}</span>
        </>
      ) : null}{' '}
      <span className="cmd-op">*</span> <span className="cmd-field">d</span> <span className="cmd-payload">{m[3]}</span> <span className="cmd-field">dedup_id</span> <span className="cmd-id">{m[4]}</span>
    </>
  );
});

/** The exact commands the core will send for the prepared batch (`publish:preview`). */
export function CommandPreview({ prepared, current, readOnly }: { prepared: PreparedBatch; current: boolean; readOnly: boolean }) {
  const p = prepared.preview;
  const last = BigInt(p.tStart) + BigInt(Math.max(p.count - 1, 0));
  const shortened = p.commands.some((c) => c.includes('... dedup_id '));
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    // Braces: newer Chromium returns a promise from scrollIntoView, which React would call as a cleanup.
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, [prepared.at]);
  return (
    <section ref={ref} className={`card pub-preview${current ? '' : ' is-stale'}`} aria-label="Preview of the exact commands" data-publisher-preview data-current={current ? 'true' : 'false'}>
      <div className="card-head">
        <h2>Exact commands</h2>
        <span className="badge" data-tone="accent">one MULTI/EXEC</span>
        {current ? null : (
          <span className="badge" data-tone="warn" data-preview-stale>
            out of date: the draft changed
          </span>
        )}
        <span className="spacer" />
        <span className="muted small">previewed {formatClock(new Date(prepared.at))}</span>
      </div>
      <dl className="fact-grid">
        <div>
          <dt>Stream</dt>
          <dd className="mono">{p.key}</dd>
        </div>
        <div>
          <dt>Events</dt>
          <dd className="mono" data-preview-count={p.count}>
            {formatCount(p.count)} · {formatBytes(p.bytes)}
          </dd>
        </div>
        <div>
          <dt>dedup_ids</dt>
          <dd className="mono" data-preview-ordinals>
            {ordinalRange(p.nonce, prepared.request.shard, p.sequenceStart, p.count)}
          </dd>
        </div>
        <div>
          <dt title="Nanoseconds since the Unix epoch, strictly increasing within the batch">t</dt>
          <dd className="mono">
            {p.tStart}
            {p.count > 1 ? `..${last}` : ''}
          </dd>
        </div>
      </dl>
      <pre className="pub-commands" tabIndex={0} aria-label="Commands" data-preview-commands>
        {p.commands.map((c, i) => (
          <div key={i} className="cmd-line">
            <CommandLine line={c} />
          </div>
        ))}
      </pre>
      <div className="card-foot muted small">
        {shortened || p.commands.some((c) => c.startsWith('... ')) ? 'Long payloads and long batches are shortened here only; every event is sent in full, exactly as above. ' : ''}
        {readOnly ? (
          // Read-only profile or an ACL user refused XADD/MULTI: the banner above says which.
          'Publishing is disabled for this connection: nothing will be sent.'
        ) : (
          <>
            Publishing sends these bytes: the same nonce, ordinals and <code>t</code> values.
          </>
        )}
      </div>
    </section>
  );
}
