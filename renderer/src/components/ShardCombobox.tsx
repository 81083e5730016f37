import { useVirtualizer } from '@tanstack/react-virtual';
import { useCombobox } from 'downshift';
import { useMemo, useRef, useState, type ReactNode } from 'react';
import type { ShardSummary } from '../../../shared/contract';
import { formatCount } from '../lib/format';
import { parseShardQuery, viewShards } from '../models/shard-list-model';
import { Icon } from './Icon';

/** One option: a discovered shard, or (with `allowNew`) a typed id that no stream has yet. */
export interface ShardOption {
  shard: number;
  summary: ShardSummary | null;
}

const OPTION_H = 30;
const NO_PROBLEMS = new Map();

/** The typed text as a new shard id (0..65535), or null. */
function typedId(text: string): number | null {
  const t = text.trim().replace(/^#/, '');
  if (!/^\d{1,5}$/.test(t)) return null;
  const n = Number(t);
  return n <= 65_535 ? n : null;
}

export interface ShardComboboxProps {
  shards: readonly ShardSummary[];
  /** A shard was picked (Enter on the highlighted option, or a click). */
  onPick(shard: number): void;
  /** Controlled text (the publisher's target field); uncontrolled and cleared after each pick when absent. */
  value?: string;
  onValueChange?(text: string): void;
  /** Offer a typed id no shard has yet ("new stream"). */
  allowNew?: boolean;
  /** Shown after an option's id (e.g. "open" for a shard already in a lane). */
  note?(shard: number): string | null;
  placeholder: string;
  ariaLabel: string;
  id?: string;
  className?: string;
  icon?: ReactNode;
  /** data-* attributes for the input (tests, scripts). */
  inputData?: Record<`data-${string}`, string | boolean>;
  invalid?: boolean;
  /** Read-only while something runs (the consumer's replay). */
  disabled?: boolean;
}

/**
 * A searchable shard picker (issue 14): a text box whose list shows the shards matching what is
 * typed (the sidebar's filter terms: id prefix, `#id`, range, key substring), with only the
 * options on screen in the DOM, so 65,536 shards cost what 20 do. Keyboard: ↓/↑ move, Enter
 * picks, Escape closes (then clears), Page Up/Down and Home/End jump. ARIA 1.2 combobox from
 * downshift's useCombobox; the list is virtualized with @tanstack/react-virtual.
 */
export function ShardCombobox(p: ShardComboboxProps) {
  const { shards, allowNew = false, note, onPick, onValueChange } = p;
  const [own, setOwn] = useState('');
  const text = p.value ?? own;
  const setText = (t: string) => {
    if (p.value === undefined) setOwn(t);
    onValueChange?.(t);
  };
  const items = useMemo<ShardOption[]>(() => {
    const matches: ShardOption[] = viewShards(shards, parseShardQuery(text), 'id', NO_PROBLEMS).map((s) => ({ shard: s.shard, summary: s }));
    const id = allowNew ? typedId(text) : null;
    if (id !== null && !shards.some((s) => s.shard === id)) matches.unshift({ shard: id, summary: null });
    return matches;
  }, [shards, text, allowNew]);

  const menuRef = useRef<HTMLUListElement | null>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => menuRef.current,
    estimateSize: () => OPTION_H,
    overscan: 6,
    getItemKey: (i) => `${items[i]?.summary ? 's' : 'n'}${items[i]?.shard ?? i}`,
  });
  const cb = useCombobox<ShardOption>({
    items,
    inputValue: text,
    selectedItem: null,
    defaultHighlightedIndex: 0,
    itemToString: (o) => (o ? String(o.shard) : ''),
    itemToKey: (o) => (o ? `${o.summary ? 's' : 'n'}${o.shard}` : null),
    onInputValueChange: ({ inputValue, type }) => {
      // Picking writes the picked id through onSelectedItemChange; only typing changes the text here.
      if (type === useCombobox.stateChangeTypes.InputChange) setText(inputValue);
    },
    onSelectedItemChange: ({ selectedItem }) => {
      if (!selectedItem) return;
      onPick(selectedItem.shard);
      setText(p.value === undefined ? '' : String(selectedItem.shard));
    },
    onHighlightedIndexChange: ({ highlightedIndex, type }) => {
      // The highlighted option may be off screen (not mounted): scroll the list to it.
      if (highlightedIndex >= 0 && type !== useCombobox.stateChangeTypes.ItemMouseMove) virtualizer.scrollToIndex(highlightedIndex, { align: 'auto' });
    },
    // Typing highlights the first match, and Enter with nothing highlighted picks it: what was
    // typed is what is meant (a new shard list arriving meanwhile must not lose the highlight).
    stateReducer: (_state, { type, changes }) => {
      if (type === useCombobox.stateChangeTypes.InputChange && items.length > 0) return { ...changes, highlightedIndex: 0 };
      if (type === useCombobox.stateChangeTypes.InputKeyDownEnter && !changes.selectedItem && _state.isOpen && items.length > 0 && text.trim() !== '') {
        return { ...changes, selectedItem: items[0] ?? null, isOpen: false };
      }
      return changes;
    },
    // Mounted options only: the virtualizer scrolls, not downshift.
    scrollIntoView: () => {},
    getA11yStatusMessage: ({ isOpen }) => (isOpen ? `${items.length} shard${items.length === 1 ? '' : 's'} match` : ''),
  });
  const { isOpen, highlightedIndex, getInputProps, getMenuProps, getItemProps, getToggleButtonProps, selectItem, closeMenu } = cb;
  const virtualItems = isOpen ? virtualizer.getVirtualItems() : [];

  return (
    <div className={`shard-combo${p.className ? ` ${p.className}` : ''}${isOpen ? ' is-open' : ''}`}>
      <div className="shard-combo-field">
        {p.icon ?? <Icon name="search" className="icon-xs shard-combo-icon" />}
        <input
          {...getInputProps({
            id: p.id,
            placeholder: p.placeholder,
            'aria-label': p.ariaLabel,
            spellCheck: false,
            disabled: p.disabled,
            onKeyDown: (e) => {
              // Enter with nothing highlighted (the pointer left the list, a new list arrived) picks the first match.
              if (e.key === 'Enter' && highlightedIndex < 0 && items.length > 0 && text.trim() !== '') {
                e.preventDefault();
                const first = items[0];
                if (first) selectItem(first);
                closeMenu();
              }
            },
            ...p.inputData,
          })}
          className={`input input-sm input-mono shard-combo-input${p.invalid ? ' is-invalid' : ''}`}
        />
        <button type="button" className="shard-combo-toggle" {...getToggleButtonProps({ 'aria-label': 'Show shards', disabled: p.disabled })} tabIndex={-1}>
          <span className="shard-combo-chevron" aria-hidden="true" />
        </button>
      </div>
      <ul {...getMenuProps({ ref: menuRef })} className="shard-combo-menu" hidden={!isOpen} data-shard-combo-menu>
        {isOpen && items.length === 0 ? <li className="shard-combo-empty">No shard matches “{text.trim()}”</li> : null}
        {isOpen && items.length > 0 ? (
          <li role="presentation" className="shard-combo-space" style={{ height: virtualizer.getTotalSize() }}>
            {virtualItems.map((vi) => {
              const o = items[vi.index];
              if (!o) return null;
              const n = note?.(o.shard) ?? null;
              return (
                <div
                  key={vi.key}
                  {...getItemProps({ item: o, index: vi.index })}
                  className={`shard-combo-option${highlightedIndex === vi.index ? ' is-active' : ''}`}
                  style={{ transform: `translateY(${vi.start}px)`, height: OPTION_H }}
                  data-combo-shard={o.shard}
                  data-combo-new={o.summary ? undefined : true}
                >
                  <span className="shard-combo-id mono">#{o.shard}</span>
                  {o.summary ? (
                    <span className="shard-combo-sub mono">
                      {formatCount(o.summary.length)} {o.summary.length === 1 ? 'entry' : 'entries'}
                    </span>
                  ) : (
                    <span className="shard-combo-sub">new stream (created by the first XADD)</span>
                  )}
                  {n ? <span className="badge badge-sm">{n}</span> : null}
                </div>
              );
            })}
          </li>
        ) : null}
      </ul>
    </div>
  );
}
