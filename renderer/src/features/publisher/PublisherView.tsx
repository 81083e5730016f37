/**
 * PLACEHOLDER, not a feature: the publish view is being built under its own issue. Until then the
 * tab says so plainly.
 */
export function PublisherView() {
  return (
    <main className="pane pane-empty" data-view="publish">
      <p className="muted">This view is not built yet.</p>
    </main>
  );
}
