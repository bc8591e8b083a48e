import {
  type KeyboardEvent,
  type ReactNode,
  type SyntheticEvent,
  useId,
  useLayoutEffect,
  useRef,
} from 'react';

type DialogProps = {
  title: ReactNode;
  /** Called on Escape. Leave it out to make the dialog stay open until an explicit action. */
  onDismiss?: () => void;
  className?: string;
  children: ReactNode;
};

/**
 * A modal `<dialog>` opened with showModal() while mounted: the browser traps focus, makes the
 * page inert and restores focus to the opener when it closes. The parent decides when it closes
 * by unmounting it; Escape only asks via `onDismiss`.
 */
export function Dialog({ title, onDismiss, className, children }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const handleCancel = (event: SyntheticEvent<HTMLDialogElement>) => {
    event.preventDefault();
    onDismiss?.();
  };

  // Chrome may ignore preventDefault on a repeated `cancel`; stopping Escape itself keeps the dialog open.
  const handleKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onDismiss?.();
    }
  };

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      className={className ? `dialog ${className}` : 'dialog'}
      onCancel={handleCancel}
      onKeyDown={handleKeyDown}
    >
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {children}
    </dialog>
  );
}
