import { useEffect, useRef } from 'react';
import { AnomalyIcon } from '../../components/AnomalyIcon';
import { useApp } from '../../store';
import { clearEvidence, openEvidence, useEvidence } from '../../lib/evidence';

/**
 * Above the lanes while an Analysis figure's entry is shown: what it is, which match of the
 * shard, "Next" to the following one, and a close button (the ring on the row goes with it).
 */
export function EvidenceBar() {
  const target = useEvidence((s) => s.target);
  const api = useApp((s) => s.api);
  const show = useApp((s) => s.showInBrowser);
  // Browsing elsewhere (another shard in every lane, or the merged view) ends the highlight.
  const shown = useApp((s) => target === null || (s.browseMode === 'lanes' && s.lanes.some((l) => l.shard === target.shard && l.filter === null)));
  const settled = target !== null && target.state !== 'searching';
  useEffect(() => {
    if (settled && !shown) clearEvidence();
  }, [settled, shown]);
  // Selecting another entry after the target was shown ends the highlight too.
  const selectedId = useApp((s) => s.selection?.id ?? null);
  const seen = useRef<number | null>(null);
  useEffect(() => {
    if (!target || target.state !== 'found') return;
    if (selectedId === target.id) seen.current = target.token;
    else if (seen.current === target.token && selectedId !== null) clearEvidence();
  }, [selectedId, target]);
  // `n` steps to the next match while Browse is shown (not while typing).
  const browsing = useApp((s) => s.view === 'browse');
  const canNext = target !== null && target.state === 'found' && !target.last && target.kind !== 'gap';
  const nextRef = useRef<() => void>(() => {});
  useEffect(() => {
    if (!browsing || !canNext) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
      if (e.key !== 'n' || typing || e.ctrlKey || e.metaKey || e.altKey) return;
      e.preventDefault();
      nextRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [browsing, canNext]);
  if (!target) return null;
  const next = () => void openEvidence(api, (shard, id) => show(shard, { entryId: id }), target, true);
  nextRef.current = next;
  return (
    <div className="evidence-bar" role="status" data-kind={target.kind} data-evidence-bar={target.kind} data-evidence-state={target.state} data-evidence-id={target.id ?? undefined}>
      <span className="evidence-kind">
        <AnomalyIcon kind={target.kind} />
      </span>
      <span className="evidence-label">{target.label}</span>
      <span className="evidence-where">
        shard <b className="mono">#{target.shard}</b>
        {target.id ? (
          <>
            {' · '}
            <span className="mono">{target.id}</span>
          </>
        ) : null}
        {target.nth > 0 ? <span className="muted"> · match {target.nth}</span> : null}
      </span>
      {target.state === 'searching' ? <span className="muted small">looking through the shard…</span> : null}
      {target.state === 'none' ? <span className="muted small">{target.nth > 0 ? 'no more matches in this shard' : 'no such entry in the shard now (written or removed since the analysis?)'}</span> : null}
      {target.state === 'error' ? <span className="evidence-error small">{target.error}</span> : null}
      <span className="spacer" />
      {canNext ? (
        <button type="button" className="btn btn-soft btn-sm" onClick={next} data-action="evidence-next" title="Next match (n)">
          Next match <kbd className="keycap">n</kbd>
        </button>
      ) : null}
      <button type="button" className="btn btn-ghost btn-icon btn-sm" onClick={clearEvidence} aria-label="Close" title="Stop highlighting" data-action="evidence-close">
        ×
      </button>
    </div>
  );
}
