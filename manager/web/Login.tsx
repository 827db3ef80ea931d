// The login page: Unix user and password (realm Linux PAM / Unix), errors said where they happen.
import { useEffect, useState } from 'react';
import {
  Alert,
  Button,
  Center,
  NativeSelect,
  Paper,
  PasswordInput,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { LoginAnswerSchema } from '../../contracts/manager/views.ts';
import { ApiError, byPath, request, saveSession } from './api.ts';

export function Login({
  message,
  onLogin,
}: {
  message: string | null;
  onLogin(user: string): void;
}) {
  const [username, setUsername] = useState('root');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  // measured by the browser tests: navigation start -> the first usable view
  useEffect(() => void performance.mark('openve-login-rendered'), []);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const a = await request('POST', '/access/login', LoginAnswerSchema, {
        body: { username, password },
        login: true,
      });
      saveSession(a.username, a.csrfToken);
      onLogin(a.username);
    } catch (err) {
      const ae = err instanceof ApiError ? err : null;
      const f = byPath(ae?.issues ?? []);
      setFields(f);
      if (ae?.status === 401) setError('Login failed: wrong user name or password.');
      else if (!f.username && !f.password) setError((err as Error).message);
      setPassword('');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md" bg="gray.1">
      <Paper component="main" withBorder shadow="sm" p="xl" w="100%" maw={400}>
        <form onSubmit={submit} aria-labelledby="login-title">
          <Stack>
            <Title order={1} size="h2" id="login-title">
              openve
            </Title>
            {message && (
              <Alert color="yellow" role="status">
                {message}
              </Alert>
            )}
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <TextInput
              label="User name"
              autoComplete="username"
              required
              value={username}
              error={fields.username}
              onChange={(e) => setUsername(e.currentTarget.value)}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              autoFocus
              value={password}
              error={fields.password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <NativeSelect label="Realm" data={['Linux PAM / Unix']} disabled />
            <Button type="submit" loading={busy}>
              Log in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
