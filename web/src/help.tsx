/** The list of keys (`?`): a small dialog whose close button takes the focus. */
const KEYS = (claim: number): [string, string][] => [
  ['j / k', 'next / previous item'],
  ['a', 'approve'],
  ['r', 'reject'],
  ['e', 'escalate'],
  ['u', 'undo the last decision (for a few seconds)'],
  ['n', 'write a note for the decision'],
  ['c', `claim the next ${claim} items`],
  ['?', 'show or hide this list'],
];

/** The keyboard help dialog; Escape (handled by the queue's key map) or the button closes it. */
export function Help({ claim, onClose }: { claim: number; onClose: () => void }) {
  return (
    <div class="help" role="dialog" aria-modal="true" aria-labelledby="help-title">
      <h2 id="help-title">Keyboard</h2>
      <dl>{KEYS(claim).map(([k, d]) => <><dt><kbd>{k}</kbd></dt><dd>{d}</dd></>)}</dl>
      <button type="button" ref={(b) => b?.focus()} onClick={onClose}>Close <kbd>Esc</kbd></button>
    </div>
  );
}
