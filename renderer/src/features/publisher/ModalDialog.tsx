import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal built on the native <dialog> (showModal): focus is trapped and restored by the browser,
 * Escape cancels, the page behind is inert. Rendered only while open.
 */
export function ModalDialog({
  title,
  children,
  actions,
  onCancel,
  tone = 'default',
  label,
}: {
  title: string;
  children: ReactNode;
  actions: ReactNode;
  onCancel(): void;
  tone?: 'default' | 'danger';
  label: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={`modal modal-${tone}`}
      aria-label={label}
      data-dialog={label}
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <div className="modal-head">{title}</div>
      <div className="modal-body">{children}</div>
      <div className="modal-actions">{actions}</div>
    </dialog>
  );
}
