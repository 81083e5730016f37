import { useEffect, useState } from 'react';
import type { ProfileView } from '../../../../shared/contract';
import { Icon } from '../../components/Icon';
import { useApp } from '../../store';

function ProfileItem({ profile, editing, onEdit }: { profile: ProfileView; editing: boolean; onEdit(): void }) {
  const openProfile = useApp((s) => s.openProfile);
  const deleteProfile = useApp((s) => s.deleteProfile);
  const busy = useApp((s) => s.connectionBusy);
  const [confirming, setConfirming] = useState(false);

  // A second click confirms; the offer lapses so a stray click later does not delete.
  useEffect(() => {
    if (!confirming) return;
    const t = setTimeout(() => setConfirming(false), 4000);
    return () => clearTimeout(t);
  }, [confirming]);

  return (
    <li className={`profile-item${editing ? ' is-editing' : ''}`} data-profile-id={profile.id} data-profile-name={profile.name}>
      <div className="profile-main">
        <div className="profile-name-row">
          <span className="profile-name">{profile.name}</span>
          {profile.demo ? <span className="badge" data-tone="accent">demo</span> : null}
          {profile.readOnly ? (
            <span className="badge" title="Read-only: never publishes">
              <Icon name="lock" className="icon-xs" />
              read-only
            </span>
          ) : null}
        </div>
        {profile.topology?.mode === 'sentinel' ? (
          // Behind Sentinel the URL's host is not used: where the app goes is the sentinels' answer.
          <div className="profile-url mono" title={`${profile.url} · master "${profile.topology.masterName ?? ''}" via ${profile.topology.sentinels ?? ''}`} data-profile-sentinels>
            {profile.topology.masterName} via {profile.topology.sentinels}
          </div>
        ) : (
          <div className="profile-url mono" title={profile.url}>
            {profile.url}
          </div>
        )}
        <div className="profile-meta">
          <span>
            prefix <code>{profile.prefix}</code>
          </span>
          <span>{profile.commandTimeoutMs} ms</span>
          {profile.topology?.mode === 'sentinel' || profile.topology?.mode === 'cluster' ? (
            <span className="profile-kind" data-profile-topology={profile.topology.mode}>
              {profile.topology.mode}
            </span>
          ) : null}
          {profile.hasPassword ? <span className="profile-secret">password saved</span> : null}
          {profile.hasSentinelPassword ? <span className="profile-secret">sentinel password saved</span> : null}
        </div>
      </div>
      <div className="profile-actions">
        <button type="button" className="btn btn-soft btn-sm" onClick={() => void openProfile(profile.id)} disabled={busy !== null} data-action="connect">
          {busy === 'opening' ? 'Connecting…' : 'Connect'}
        </button>
        <button type="button" className="btn btn-ghost btn-icon btn-sm" onClick={onEdit} aria-label={`Edit ${profile.name}`} title="Edit">
          <Icon name="edit" />
        </button>
        <button
          type="button"
          className={`btn btn-ghost btn-sm${confirming ? ' btn-danger' : ' btn-icon'}`}
          onClick={() => {
            if (confirming) void deleteProfile(profile.id);
            else setConfirming(true);
          }}
          aria-label={confirming ? `Confirm deleting ${profile.name}` : `Delete ${profile.name}`}
          title="Delete"
          data-action="delete"
        >
          {confirming ? 'Delete?' : <Icon name="trash" />}
        </button>
      </div>
    </li>
  );
}

export function ProfileList({ editingId, onEdit }: { editingId: string | null; onEdit(p: ProfileView): void }) {
  const profiles = useApp((s) => s.profiles);
  const loaded = useApp((s) => s.profilesLoaded);
  if (!loaded) return <div className="list-placeholder">Loading profiles…</div>;
  if (profiles.length === 0) {
    return (
      <div className="empty-card">
        <Icon name="layers" className="empty-icon" />
        <div className="empty-title">No saved profiles</div>
        <div className="empty-text">Add the Redis server your net-mesh bus writes to. Passwords stay with the app; this window only sees that one is saved.</div>
      </div>
    );
  }
  return (
    <ul className="profile-list" aria-label="Saved profiles">
      {profiles.map((p) => (
        <ProfileItem key={p.id} profile={p} editing={p.id === editingId} onEdit={() => onEdit(p)} />
      ))}
    </ul>
  );
}
