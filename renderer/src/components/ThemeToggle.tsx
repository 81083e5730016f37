import { useTheme } from '../lib/theme';
import { Icon } from './Icon';

export function ThemeToggle() {
  const [theme, toggle] = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" className="btn btn-ghost btn-icon" onClick={toggle} aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`} data-theme-toggle>
      <Icon name={theme === 'dark' ? 'sun' : 'moon'} />
    </button>
  );
}
