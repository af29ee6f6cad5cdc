// How long something took, for log lines and messages: `45 s`, `3 min`, `2 min 5 s`. (The job summary's
// timeline has its own compact form, report/summary.ts formatElapsed.)

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  return seconds % 60 === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
