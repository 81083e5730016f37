/**
 * PLACEHOLDER, not a feature: the health view is being built under its own issue. Until then the
 * tab says so plainly.
 */
export function HealthView() {
  return (
    <main className="pane pane-empty" data-view="health">
      <p className="muted">This view is not built yet.</p>
    </main>
  );
}
