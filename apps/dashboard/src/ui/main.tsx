import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createFetchApi } from './api-client';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={createFetchApi('', undefined, (window as { __tunelabPrefetch?: Record<string, Promise<unknown>> }).__tunelabPrefetch)} />
  </StrictMode>,
);
