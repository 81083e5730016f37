/** Icons of the health view only (16 px strokes, currentColor), in the style of components/Icon. */
const paths = {
  download: 'M8 2v8.5M4.5 7 8 10.5 11.5 7M2.5 13.5h11',
  pulse: 'M1.5 8.5h3l1.5-4 3 8 1.5-4h4',
  clock: 'M8 14.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13ZM8 4.5V8l2.5 1.5',
  server: 'M2.5 2.5h11v4.5h-11zM2.5 9h11v4.5h-11zM5 4.75h.5M5 11.25h.5',
  bolt: 'M9 1.5 3.5 9h4l-.5 5.5L12.5 7h-4L9 1.5Z',
  bell: 'M4 11.5V7.2a4 4 0 0 1 8 0v4.3l1.2 1.3H2.8L4 11.5ZM6.6 14a1.5 1.5 0 0 0 2.8 0',
} as const;

export function HIcon({ name, className }: { name: keyof typeof paths; className?: string }) {
  return (
    <svg className={className ? `icon ${className}` : 'icon'} viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
