/**
 * Which DOM row shows which entry. A row that stays in the window keeps its element (its key is
 * stable while it is rendered), so a short scroll mounts only the rows that enter. A jump (less
 * than half of the new window was on screen: a scrollbar drag, the jump box, Home/End) hands the
 * previous rows' elements, in order, to the new rows instead: React then only changes their texts
 * and attributes in place, with no element created, removed or moved, which is most of what a
 * jump costs the browser (style, layout tree, layout).
 */
export class RowSlots {
  private slots = new Map<string, number>();
  private next = 0;

  /** The element key of each row, given each row's own key (an entry, or a position), in order. */
  assign(keys: string[]): number[] {
    const prev = this.slots;
    let kept = 0;
    for (const k of keys) if (prev.has(k)) kept++;
    const jump = kept * 2 < keys.length && prev.size > 0;
    const free = jump ? [...prev.values()] : [];
    const out: number[] = new Array<number>(keys.length);
    const slots = new Map<string, number>();
    const used = new Set<number>();
    keys.forEach((k, j) => {
      let slot = jump ? free[j] : prev.get(k);
      // A key seen twice (never expected) still gets an element of its own.
      if (slot === undefined || used.has(slot)) slot = this.next++;
      used.add(slot);
      out[j] = slot;
      slots.set(k, slot);
    });
    this.slots = slots;
    return out;
  }
}
