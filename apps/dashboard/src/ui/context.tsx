import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { Alias } from '../api/schemas';
import type { DashboardApi } from './api-client';

interface DashboardState {
  api: DashboardApi;
  /** Current alias rows (champion and any other). */
  aliases: Alias[];
  refreshAliases(): Promise<void>;
}

const Ctx = createContext<DashboardState | null>(null);

export function DashboardProvider({ api, children }: { api: DashboardApi; children: ReactNode }) {
  const [aliases, setAliases] = useState<Alias[]>([]);
  const refreshAliases = useCallback(async () => {
    try {
      setAliases((await api.listAliases()).aliases);
    } catch {
      // The marks are decoration; the pages report their own errors.
    }
  }, [api]);
  useEffect(() => {
    void refreshAliases();
  }, [refreshAliases]);
  return <Ctx.Provider value={{ api, aliases, refreshAliases }}>{children}</Ctx.Provider>;
}

export function useDashboard(): DashboardState {
  const state = useContext(Ctx);
  if (!state) throw new Error('useDashboard outside DashboardProvider');
  return state;
}

/** Aliases currently on a checkpoint, trial or sweep. */
export function useAliasesOn(where: { checkpointId?: string; trialId?: string; sweepId?: string }): string[] {
  const { aliases } = useDashboard();
  return aliases
    .filter(
      (a) =>
        (where.checkpointId !== undefined && a.checkpointId === where.checkpointId) ||
        (where.trialId !== undefined && a.trialId === where.trialId) ||
        (where.sweepId !== undefined && a.sweepId === where.sweepId),
    )
    .map((a) => a.alias);
}

/** Calls fn now and every `ms` while `active`; the latest fn is used, so it may close over state. */
export function usePolling(fn: () => void | Promise<void>, ms: number, active: boolean): void {
  const [ref] = useState<{ fn: typeof fn }>({ fn });
  ref.fn = fn;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => void ref.fn(), ms);
    return () => clearInterval(id);
  }, [active, ms, ref]);
}
