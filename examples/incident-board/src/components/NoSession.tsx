import { useState, type FormEvent } from 'react';

/** Shown without a token: how to get one, and a field to paste it (it goes into the address, #token=...). */
export function NoSession({ problem }: { problem: string }) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    location.hash = new URLSearchParams({ token: token.trim() }).toString();
    location.reload();
  };
  return (
    <div className="no-session">
      <h1>Incident board</h1>
      <p>{problem}</p>
      <p>
        Make a token with <code>npm run token -- --sub usr-acme-00001 --tenant acme --scopes "incidents:read identity:read assets:read"</code>, or use your
        identity provider's, and paste it here.
      </p>
      <form onSubmit={submit}>
        <input value={token} onChange={(event) => setToken(event.target.value)} placeholder="Paste a token (JWT)" aria-label="Token" spellCheck={false} />
        <button type="submit" disabled={token.trim() === ''}>
          Open the board
        </button>
      </form>
    </div>
  );
}
