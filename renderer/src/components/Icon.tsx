/** Small stroke icons (16 px, currentColor). Inline SVG: no icon font, nothing fetched, CSP-clean. */
const paths = {
  refresh: 'M13.5 8a5.5 5.5 0 1 1-1.6-3.9M13.5 2.5v3h-3',
  sun: 'M8 10.8a2.8 2.8 0 1 0 0-5.6 2.8 2.8 0 0 0 0 5.6ZM8 1.5v1.3M8 13.2v1.3M1.5 8h1.3M13.2 8h1.3M3.4 3.4l.9.9M11.7 11.7l.9.9M3.4 12.6l.9-.9M11.7 4.3l.9-.9',
  moon: 'M13.2 9.6A5.6 5.6 0 0 1 6.4 2.8a5.6 5.6 0 1 0 6.8 6.8Z',
  plug: 'M6 1.5v3M10 1.5v3M4 4.5h8v2.5a4 4 0 0 1-8 0V4.5ZM8 11v3.5',
  unplug: 'M3 13l2.2-2.2M13 3l-2.2 2.2M6.2 6.2 4.8 7.6a2.5 2.5 0 0 0 3.6 3.6l1.4-1.4M9.8 9.8l1.4-1.4a2.5 2.5 0 0 0-3.6-3.6L6.2 6.2',
  trash: 'M2.5 4h11M6.5 4V2.5h3V4M4 4l.7 9.5h6.6L12 4',
  edit: 'M10.5 2.5l3 3L6 13H3v-3l7.5-7.5Z',
  lock: 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2M3.5 7h9v6.5h-9z',
  flask: 'M6 1.5h4M6.5 1.5v4.5L2.8 12.4a1.3 1.3 0 0 0 1.1 2.1h8.2a1.3 1.3 0 0 0 1.1-2.1L9.5 6V1.5M4.5 10h7',
  plus: 'M8 3v10M3 8h10',
  alert: 'M8 1.8 1.3 13.6h13.4L8 1.8ZM8 6.2v3.6M8 11.6v.4',
  layers: 'M8 1.8 1.5 5 8 8.2 14.5 5 8 1.8ZM1.5 8 8 11.2 14.5 8M1.5 11 8 14.2 14.5 11',
  list: 'M5.5 4h8M5.5 8h8M5.5 12h8M2.5 4h.5M2.5 8h.5M2.5 12h.5',
  check: 'M3 8.5 6.5 12 13 4.5',
  // Shard problems (components/ProblemBadge.tsx) and the shard sidebar's tools.
  corrupt: 'M8 1.8a6.2 6.2 0 1 0 0 12.4A6.2 6.2 0 0 0 8 1.8ZM5.8 5.8l4.4 4.4M10.2 5.8l-4.4 4.4',
  duplicate: 'M5.5 5.5h7v7h-7zM3.5 10.5v-7h7',
  collision: 'M9 1.5 4 9h4l-1 5.5L12 7H8l1-5.5Z',
  gap: 'M1.5 8h3M11.5 8h3M6.5 5v6M9.5 5v6',
  misrouted: 'M2.5 13.5V9a3 3 0 0 1 3-3h8M10.5 3l3 3-3 3',
  search: 'M7 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10ZM10.6 10.6l3.4 3.4',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, className }: { name: IconName; className?: string }) {
  return (
    <svg className={className ? `icon ${className}` : 'icon'} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

/** The product mark: three mesh nodes and their links. */
export function BrandMark() {
  return (
    <svg className="brand-mark" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
      <path d="M5 5.5 15 5.5 10 15Z" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" opacity="0.55" />
      <circle cx="5" cy="5.5" r="2.4" fill="currentColor" />
      <circle cx="15" cy="5.5" r="2.4" fill="currentColor" />
      <circle cx="10" cy="15" r="2.4" fill="currentColor" />
    </svg>
  );
}
