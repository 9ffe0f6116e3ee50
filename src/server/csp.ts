/**
 * Security headers on every response. The moderator's page shows attacker-written comments, so
 * the policy allows scripts and styles from this origin only: no inline script, no `eval`, no
 * inline `<style>`, nothing from elsewhere, no framing. The page's bundle is built to live with it.
 */
import type { NextFunction, Request, Response } from 'express';

/** The Content-Security-Policy sent with every response. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Middleware: sets the CSP and the usual companions (no sniffing, no referrer, no framing). */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
}
