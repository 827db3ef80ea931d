// The web interface's entry: Mantine's styles and provider around the app.
import '@mantine/core/styles.css';
import '@xterm/xterm/css/xterm.css';
import './app.css';
import { createRoot } from 'react-dom/client';
import { MantineProvider, createTheme } from '@mantine/core';
import { App } from './App.tsx';

const theme = createTheme({
  primaryColor: 'blue',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  defaultRadius: 'sm',
});

const el = document.getElementById('root');
if (el)
  createRoot(el).render(
    <MantineProvider theme={theme} defaultColorScheme="light">
      <App />
    </MantineProvider>,
  );
