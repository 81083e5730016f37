import { useEffect, useState } from 'react';
import { copyText } from '../lib/clipboard';

/** A button that copies text and says so for a moment. */
export function CopyNoteButton({ text, label, action, title = 'Markdown for a ticket' }: { text: () => string; label: string; action: string; title?: string }) {
  const [state, setState] = useState<'idle' | 'done' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 1600);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button
      type="button"
      className="btn btn-sm"
      data-action={action}
      data-copy-state={state}
      title={title}
      onClick={() => void copyText(text()).then((ok) => setState(ok ? 'done' : 'failed'))}
    >
      {state === 'done' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}

