import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { PublishedBatch } from '../../../../shared/contract';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Icon } from '../../components/Icon';
import { formatCount } from '../../lib/format';
import { useApp } from '../../store';
import { BatchEditor, type BatchEditorHandle } from './BatchEditor';
import { BatchHistory } from './BatchHistory';
import { BatchResult } from './BatchResult';
import { CommandPreview } from './CommandPreview';
import { ModalDialog } from './ModalDialog';
import { PublishSettings } from './PublishSettings';
import { useParsedSource } from './parse-summary';
import { batchCount, batchSize, checkDraft, formatBytes, replayDuplicates } from '../../models/publisher-model';
import './publisher.css';

type Dialog =
  | { kind: 'confirm-shard'; shard: number }
  | { kind: 'replay'; batch: PublishedBatch; duplicates: number; remote: boolean }
  | { kind: 'delete'; batch: PublishedBatch }
  | null;

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MOD = isMac ? '⌘' : 'Ctrl';

const TEMPLATES: Array<{ text: string; title: string }> = [
  { text: '{{i}}', title: "The event's index in the batch (the i of its dedup_id)" },
  { text: '{{now}}', title: 'Epoch milliseconds when the batch is prepared' },
  { text: '"{{uuid}}"', title: 'A random UUID (text, so in quotes)' },
  { text: '{{rand:1..100}}', title: 'A random integer in [a, b]' },
];

/**
 * The test-batch publisher (PRODUCT.md feature 11): a validated JSON/NDJSON editor with templates,
 * the batch settings, a preview of the exact commands, one MULTI/EXEC, the result with its ids,
 * "publish again with the same ids", and the history with "delete this test batch".
 * Keyboard: Ctrl/Cmd+Shift+P previews; Ctrl/Cmd+Enter publishes the current preview (or previews
 * first when there is none).
 */
export function PublisherView() {
  const connection = useApp((s) => s.connection);
  const shardList = useApp((s) => s.shards?.shards);
  const state = useApp((s) => s.publisher);
  const setDraft = useApp((s) => s.setPublisherDraft);
  const previewBatch = useApp((s) => s.previewBatch);
  const publishPrepared = useApp((s) => s.publishPrepared);
  const publishAgain = useApp((s) => s.publishAgain);
  const recheckBatch = useApp((s) => s.recheckBatch);
  const deleteBatch = useApp((s) => s.deleteBatch);
  const loadHistory = useApp((s) => s.loadBatchHistory);
  const refreshProducer = useApp((s) => s.refreshProducer);
  const loadShards = useApp((s) => s.loadShards);
  const dismiss = useApp((s) => s.dismissPublisherError);
  const editorRef = useRef<BatchEditorHandle>(null);
  const publishRef = useRef<HTMLButtonElement>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [typed, setTyped] = useState('');
  const [hint, setHint] = useState<string | null>(null);

  const profileId = connection?.profileId ?? null;
  // `canPublish` (when the core knows it): false also for an ACL user refused XADD/MULTI on the shards.
  const access = connection as (typeof connection & { canPublish?: boolean; publishBlockedReason?: string }) | null;
  const aclBlocked = access?.canPublish === false && !access.readOnly ? (access.publishBlockedReason ?? 'this connection may not publish') : null;
  const readOnly = (connection?.readOnly ?? false) || aclBlocked !== null;
  const shards = shardList ?? [];
  const { draft, prepared, busy } = state;

  useEffect(() => {
    void loadHistory();
    void refreshProducer();
  }, [profileId, loadHistory, refreshProducer]);

  // Parsed in a worker for long sources, so typing never waits for the parser (parse-summary.ts).
  const { summary: parsed, current: parsedCurrent } = useParsedSource(draft.text, draft.format);
  const check = useMemo(() => checkDraft(draft), [draft]);
  const size = batchSize(parsed.ok ? { ok: true, events: { length: parsed.events }, bytesPerCopy: parsed.bytesPerCopy, templates: parsed.templates } : parsed, check.params?.copies ?? null);
  const current = prepared !== null && prepared.version === state.version;
  const problem = parsed.ok ? null : parsed.problem;
  const empty = parsed.ok && parsedCurrent && parsed.events === 0;
  // While a newer text is being parsed, the store's own parse at preview time decides.
  const previewBlock = !parsedCurrent
    ? null
    : !parsed.ok
    ? `Fix line ${parsed.problem.line} first`
    : empty
      ? 'Write at least one event'
      : !check.params
        ? (Object.values(check.errors)[0] ?? 'Check the settings')
        : size?.over
          ? size.over
          : null;
  const publishBlock = aclBlocked
    ? `Publishing is disabled: ${aclBlocked}`
    : readOnly
    ? `Read-only profile: publishing is disabled${connection?.url ? ` for ${connection.url}` : ''}`
    : !current
      ? previewBlock ?? 'Preview the batch first (Ctrl/Cmd+Shift+P)'
      : null;

  const afterPublish = useCallback(
    (b: PublishedBatch | null) => {
      if (b) void loadShards();
    },
    [loadShards],
  );

  const doPreview = useCallback(async () => {
    setHint(null);
    if (previewBlock) {
      if (problem) editorRef.current?.revealProblem(problem);
      return false;
    }
    return previewBatch();
  }, [previewBlock, problem, previewBatch]);

  const doPublish = useCallback(async () => {
    if (readOnly || busy) return;
    const p = currentPrepared(state);
    if (!p) {
      // No current preview: make it, and let the user look before a second keypress publishes.
      if (await doPreview()) {
        setHint(`Check the commands, then press ${MOD}+Enter again to publish`);
        publishRef.current?.focus();
      }
      return;
    }
    if (p.preview.confirmRequired) {
      setTyped('');
      setDialog({ kind: 'confirm-shard', shard: p.request.shard });
      return;
    }
    setHint(null);
    afterPublish(await publishPrepared());
  }, [readOnly, busy, state, doPreview, publishPrepared, afterPublish]);

  /**
   * "Publish again with the same ids": a landed batch's replay writes duplicates on purpose, so it
   * asks first, naming the server and how many (the core refuses without that number); a batch a
   * re-check found not landed is the retry (no duplicate) and goes at once, unless the server is on
   * another machine (then the shard id is typed, as for any publish there).
   */
  const askAgain = useCallback(
    (b: PublishedBatch) => {
      const duplicates = replayDuplicates(b);
      if (duplicates === null) return;
      const remote = connection?.local === false;
      if (duplicates > 0 || remote) {
        setTyped('');
        setDialog({ kind: 'replay', batch: b, duplicates, remote });
        return;
      }
      void publishAgain(b.batchId).then(afterPublish);
    },
    [connection, publishAgain, afterPublish],
  );

  const recheck = useCallback((b: PublishedBatch) => void recheckBatch(b.batchId), [recheckBatch]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || dialog) return;
      // A long source typed a moment ago may not be in the draft yet.
      if (e.key === 'Enter' || e.key === 'P' || e.key === 'p') editorRef.current?.flush();
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        void doPublish();
      } else if (e.shiftKey && (e.key === 'P' || e.key === 'p')) {
        e.preventDefault();
        void doPreview();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [doPublish, doPreview, dialog]);

  const confirmDialog = async () => {
    if (!dialog) return;
    if (dialog.kind === 'delete') {
      setDialog(null);
      await deleteBatch(dialog.batch.batchId);
      void loadShards();
      return;
    }
    if (dialog.kind === 'replay') {
      const { batch, duplicates, remote } = dialog;
      if (remote && typed.trim() !== String(batch.shard)) return;
      setDialog(null);
      afterPublish(await publishAgain(batch.batchId, { ...(duplicates > 0 ? { confirmDuplicates: duplicates } : {}), ...(remote ? { confirmShard: batch.shard } : {}) }));
      return;
    }
    if (typed.trim() !== String(dialog.shard)) return;
    setDialog(null);
    afterPublish(await publishPrepared(dialog.shard));
  };

  const status = !parsedCurrent ? (
    <span className="pub-status muted" data-publisher-checking>
      Checking…
    </span>
  ) : problem ? (
    <span className="pub-status is-error" data-publisher-problem data-line={problem.line} data-column={problem.column}>
      <Icon name="alert" className="icon-xs" />
      <span>
        Line {problem.line}, column {problem.column}: {problem.message}
      </span>
      <button type="button" className="btn btn-ghost btn-sm" onClick={() => editorRef.current?.revealProblem(problem)}>
        Go to error
      </button>
    </span>
  ) : empty ? (
    <span className="pub-status muted">No events yet</span>
  ) : (
    <span className={`pub-status${size?.over ? ' is-error' : ' is-ok'}`} data-publisher-valid>
      <Icon name={size?.over ? 'alert' : 'check'} className="icon-xs" />
      <span>
        {size?.over ? (
          size.over
        ) : (
          <>
            Valid · {parsed.ok ? formatCount(parsed.events) : 0} {parsed.ok && parsed.events === 1 ? 'event' : 'events'}
            {check.params && check.params.copies > 1 ? ` × ${formatCount(check.params.copies)} copies` : ''}
            {size ? ` = ${formatCount(size.events)} in the batch · ${size.approximate ? '≈' : ''}${formatBytes(size.bytes)}` : ''}
          </>
        )}
      </span>
    </span>
  );

  return (
    <main className="pane pub" data-view="publish" aria-label="Publish a test batch">
      <div className="pane-head">
        <div className="pane-title">
          <span className="pane-title-main">Publish a test batch</span>
          {check.params ? <code className="pane-key">{`${connection?.prefix ?? ''}:shard:${check.params.shard}`}</code> : null}
        </div>
        <span className="spacer" />
        {hint ? (
          <span className="pub-hint small" role="status">
            {hint}
          </span>
        ) : null}
        <button type="button" className={`btn btn-sm${busy === 'preview' ? ' is-busy' : ''}`} onClick={() => void doPreview()} disabled={busy !== null || previewBlock !== null} title={previewBlock ?? `Preview the exact commands (${MOD}+Shift+P)`} data-action="preview">
          Preview
          <kbd className="kbd">{MOD}+⇧+P</kbd>
        </button>
        <button
          ref={publishRef}
          type="button"
          className="btn btn-sm btn-primary"
          onClick={() => void doPublish()}
          disabled={busy !== null || publishBlock !== null}
          title={publishBlock ?? `Publish in one MULTI/EXEC (${MOD}+Enter)`}
          data-action="publish"
          data-disabled-reason={publishBlock ?? undefined}
        >
          {busy === 'publish' ? 'Publishing…' : 'Publish'}
          <kbd className="kbd kbd-on-accent">{MOD}+↵</kbd>
        </button>
      </div>

      <div className="pane-body">
        {readOnly ? (
          <div className="pub-readonly" role="note" data-publisher-readonly>
            <Icon name="lock" />
            <div>
              {aclBlocked ? (
                <>
                  <b>This connection may not publish:</b> {aclBlocked}. You can still write and preview a batch.
                </>
              ) : (
                <>
                  <b>This profile is read-only.</b> Publishing and deleting test batches are disabled, and the inspector core refuses them too. You can still write and preview a batch.
                </>
              )}
            </div>
          </div>
        ) : null}
        {state.error ? (
          <div className="pub-error" data-publisher-error={state.error.action}>
            <ErrorNotice error={state.error.info} title={errorTitle(state.error.action)} onDismiss={dismiss} compact />
          </div>
        ) : null}

        <div className="pub-grid">
          <section className="card pub-source" aria-label="Events">
            <div className="card-head pub-toolbar">
              <div className="seg" role="radiogroup" aria-label="Format">
                {(['json', 'ndjson'] as const).map((f) => (
                  <button key={f} type="button" role="radio" aria-checked={draft.format === f} className={draft.format === f ? 'seg-btn active' : 'seg-btn'} onClick={() => setDraft({ format: f })} data-format={f}>
                    {f === 'json' ? 'JSON array' : 'NDJSON'}
                  </button>
                ))}
              </div>
              <span className="pub-tpl-label muted small">Templates</span>
              <div className="pub-tpls">
                {TEMPLATES.map((t) => (
                  <button key={t.text} type="button" className="chip chip-btn mono" title={t.title} onClick={() => editorRef.current?.insert(t.text)}>
                    {t.text}
                  </button>
                ))}
              </div>
            </div>
            <BatchEditor
              ref={editorRef}
              value={draft.text}
              onChange={(t) => setDraft({ text: t })}
              problem={problem}
              label={draft.format === 'json' ? 'Events as a JSON array' : 'Events as NDJSON, one per line'}
              placeholder={draft.format === 'json' ? '[{"type": "test", "n": {{i}}}]' : '{"type": "test", "n": {{i}}}'}
            />
            <div className="card-foot pub-foot" id="pub-status" aria-live="polite">
              {status}
            </div>
          </section>
          <PublishSettings check={check} shards={shards} />
        </div>

        {prepared ? <CommandPreview prepared={prepared} current={current} readOnly={readOnly} /> : null}

        {state.last ? (
          <BatchResult
            batch={state.history?.find((b) => b.batchId === state.last?.batch.batchId) ?? state.last.batch}
            action={state.last.action}
            readOnly={readOnly}
            busy={busy !== null}
            onAgain={() => state.last && askAgain(state.history?.find((b) => b.batchId === state.last?.batch.batchId) ?? state.last.batch)}
            onRecheck={() => state.last && recheck(state.last.batch)}
            onDelete={() => state.last && setDialog({ kind: 'delete', batch: state.last.batch })}
          />
        ) : null}

        <BatchHistory
          batches={state.history}
          profileId={profileId}
          readOnly={readOnly}
          busy={busy !== null}
          onAgain={askAgain}
          onRecheck={recheck}
          onDelete={(b) => setDialog({ kind: 'delete', batch: b })}
        />
      </div>

      {dialog?.kind === 'delete' ? (
        <ModalDialog
          label="Delete test batch"
          title="Delete this test batch?"
          tone="danger"
          onCancel={() => setDialog(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setDialog(null)} autoFocus>
                Cancel
              </button>
              <button type="button" className="btn btn-danger-solid" onClick={() => void confirmDialog()} data-action="confirm-delete">
                Delete {formatCount(dialog.batch.ids.filter((id) => id !== '').length)} {dialog.batch.ids.filter((id) => id !== '').length === 1 ? 'entry' : 'entries'}
              </button>
            </>
          }
        >
          <p>
            Runs <code>XDEL {dialog.batch.key}</code> with exactly the {formatCount(batchCount(dialog.batch))} stream ids this batch got. No other entry is touched; entries already trimmed away are simply not found.
          </p>
          <p className="muted small mono">{dialog.batch.ids.length > 3 ? `${dialog.batch.ids.slice(0, 3).join(' ')} …` : dialog.batch.ids.join(' ')}</p>
        </ModalDialog>
      ) : null}
      {dialog?.kind === 'replay' ? (
        <ModalDialog
          label="Confirm replay"
          title={dialog.duplicates > 0 ? `Write ${formatCount(dialog.duplicates)} duplicate ${dialog.duplicates === 1 ? 'entry' : 'entries'}?` : 'Publish it again on this server?'}
          tone="danger"
          onCancel={() => setDialog(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setDialog(null)} autoFocus={!dialog.remote}>
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-primary"
                disabled={dialog.remote && typed.trim() !== String(dialog.batch.shard)}
                onClick={() => void confirmDialog()}
                data-action="confirm-replay"
              >
                {dialog.duplicates > 0 ? `Publish ${formatCount(dialog.duplicates)} ${dialog.duplicates === 1 ? 'duplicate' : 'duplicates'}` : 'Publish it again'}
              </button>
            </>
          }
        >
          {dialog.duplicates > 0 ? (
            <p data-replay-summary>
              This writes {formatCount(dialog.duplicates)} entries to <code>{dialog.batch.key}</code> on <code>{dialog.batch.server ?? connection?.url}</code> with the same dedup_ids and bytes as the batch already in the stream, as a producer retry
              would. Consumers' dedup drops them; Analysis counts them as retry duplicates. Delete them afterwards with “Delete this test batch”.
            </p>
          ) : (
            <p data-replay-summary>
              A re-check found none of this batch in <code>{dialog.batch.key}</code>: publishing it again with its ids fills its ordinals and creates no duplicate. The server <code>{connection?.url}</code> is not on this machine.
            </p>
          )}
          <p className="muted small mono">{dialog.batch.dedupIds.length > 2 ? `${dialog.batch.dedupIds[0]} … ${dialog.batch.nonce}:${dialog.batch.shard}:${dialog.batch.sequenceStart}:${batchCount(dialog.batch) - 1}` : dialog.batch.dedupIds.join(' ')}</p>
          {dialog.remote ? (
            <form
              onSubmit={(e) => {
                e.preventDefault();
                void confirmDialog();
              }}
            >
              <input className="input input-mono" aria-label="Type the shard id to confirm" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={String(dialog.batch.shard)} autoFocus data-confirm-shard />
            </form>
          ) : null}
        </ModalDialog>
      ) : null}
      {dialog?.kind === 'confirm-shard' ? (
        <ModalDialog
          label="Confirm remote publish"
          title="This server is not on this machine"
          tone="danger"
          onCancel={() => setDialog(null)}
          actions={
            <>
              <button type="button" className="btn" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button type="button" className="btn btn-primary" disabled={typed.trim() !== String(dialog.shard)} onClick={() => void confirmDialog()} data-action="confirm-publish">
                Publish to shard {dialog.shard}
              </button>
            </>
          }
        >
          <p>
            You are about to write test events to <code>{connection?.url}</code>. Consumers of shard {dialog.shard} will read them. Type the shard id to confirm.
          </p>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void confirmDialog();
            }}
          >
            <input className="input input-mono" aria-label="Type the shard id to confirm" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={String(dialog.shard)} autoFocus data-confirm-shard />
          </form>
        </ModalDialog>
      ) : null}
    </main>
  );
}

function currentPrepared(state: { prepared: { version: number; preview: { confirmRequired: boolean }; request: { shard: number } } | null; version: number }) {
  return state.prepared && state.prepared.version === state.version ? state.prepared : null;
}

function errorTitle(action: string): string {
  switch (action) {
    case 'preview':
      return 'Cannot preview this batch';
    case 'publish':
      return 'Publish failed';
    case 'again':
      return 'Could not publish the batch again';
    case 'recheck':
      return 'Could not re-check the batch';
    case 'delete':
      return 'Could not delete the batch';
    default:
      return 'Could not load the batch history';
  }
}

