/**
 * A load-time check that a runtime computes the package's encoder: one sentence's vector as the
 * package's tfjs graph model gave it (wasm backend, recorded once with src/encoder/graph.ts). A
 * runtime that misreads the weights or the ops misses it by far more than the tolerance.
 */
import { ENCODER_DIM } from './types';

/** The canary sentence: NFKC-changed text, an emoji (unknown piece), a number and punctuation. */
export const CANARY_TEXT = 'Canary: the ferry board’s 2 new routes are a ﬁne idea, thanks! 👍';

/** Largest absolute difference per component accepted (float32 rounding of different kernels is ~1e-6). */
export const CANARY_TOLERANCE = 1e-4;

const RECORDED =
  'M2RMvYE0gz11bJc9jOMnvQT7br2A/5w9AO4pvOqcHb3z+to8eKZwPTmcfbygrEg9cgeSvKiLgL3dPvi5qxyOPV1rmr395UQ9oQFUvMIXQb2sabs8R2MNPUv2Hr0+vYc96gK8PIfEEz0phGs8730cPZh6Gb0bZQg9EjsIPY9Uib3S7HM9YxhCPc9ECDzWVPI89nwgvULAyzzrXFA9aLfvvNG6eLtVG0G9deZEPSE3+LsfYE69OVVDvYHCib3D8ly9SuxZvd+beTz1pa+829t1vQcXAj1xvtC8J0J8vZqNirxCBxk8CosePfGsBT2Q/369FNkoPOeWW72DuE69492EvcAegj0fp0w9MPlcvDEE6rt9QjQ95ZDMvHr8jL2Uviu9BdB3vfMiAbxINoa9URVNva20jL22u509RcOZPW4JOLwDmBI89MZwvUYfazxtpS29xkRsvUQuej24Bpm7Z/J6PXOJ8bw0QwO83tEEPc7No7yRqoQ9O6c/PT77orx/xFw9OFeNvX8LzDwmsmE9UB6TPJhK7Lz3M408rhzZvPxp1rwKYxm8DYkhPcjI7LqBqpO9qK8OvUrTiT0/N5E85ulrPUAEDL2aJoU9B2YevaXlqbyh4Yi9nwhVvVSAM70MOG+9fbtWPcsCyLyUkcc8HJUNvGjUar2BXTc9maBcvUaqaz0je/s64vTkvG+hvTzyfoO9v12sPC56RL3/kYO82gObvfn5uDzyVMg7yPdKvC2X6rwBJi49GVpHvYc4AD2dhoI9QsAUPQSBlL31zFE9zdMjO4Fmnb2wcYq97dQdvJBZiDu5/PI8wMWLPdJQnz1z6249VDYzutBzjD1Zxk498b94vW5lmD35E6u8ZWk/PfANKb19upG9RsUrvZXPAD3Ococ9KNGGvWhoRz1zEW48B+l7PWgsrrypx5w90rp3u/s37zuE1ci8hhmCPY53pDygShM9IsqZuwo9nLxs6x69oIkyvZUCGj3cd1g9DRVMPTEVFj1dG3q9KRuDvW1ipDyWnBS99J+ivH4VUL2DJlC9Hzk3vTsCjrvPQmu9M0XiPATNQL1AASW92iZ6vFvqRT1wZcO8JbFMvW124Lxrtn49mdOEvTSD2bzMeJc9s7JHvRBULj2M4rq8c3iOvDv5CT1lAmU9RKomPW9ulzyyb2+9ezxiOz1UHz1srAm9i1H5vP/Ek7vGs2K9Wl/TuxfnNr2IQ/484gWCvWFdfz3uEoU9QdyjvHrzST3Tk4g6wnrbOxtteTuDyBs9iJJNvfK1Uj3gfJs9nDM8va0Pib15cBI9/c+EvI4i/zzeIAy8qAJtPUZfKD2beCa8UNuYPGVSez1pGTW9x+yIPd6mkL2gE0I9LlppPILzobqZrTk91opDPfgn/zuNx5w8DayvPBL6Kj0rUUA9p8B5PF4h57xQdGg99RqVvK3VFL284Wk8VbCNvd+jED1cnvS8fuThvPzUYL1RsYM9pSwzvf+ZFj1f0IG9GRWbvX82mruWIr+8f0iYPcsDp7oxuoO9oNtbPVeFL7yZYDk9walNPQtFjTxfeh095IqZvbvd8LxNiBq9XbeZvQrqWb0uXk49Q6kovVkp9rvBrlw9E5ySvY/p6bsi34O9ZmBnPWwFhL2DbuM8bTA7vS+/fD0SGYi9sA4KvSO9G71rW5w981yFvb5M4rwFMqO8MNEevQaYUL2ezko7JBsiPQggHT1571E8bdhmPfQQAL3/oq68FKY6va256bzeLJI7P+lGvc78dr3MwwW7AtV7vDPGZj3qhFs8rr2OPcbu2zwqP1A9zTmOvCUhyzwXOGC9SpsFO52E7rzJg4A9+CyyPF3F1zwvVF69FAPFPLv5SL26N3w9cRixvFh7eT2OUcM8nfkTPR0W6rwgZ5U9dWv9POcSfj0UvEE8zYwdvbe8WryjbyW952k3PflGlL3+k4y95g3BOslrBj2dXpm8Ph6lvHeIPLxPoRg9QNfyPDBjtjvmvAo8L3uCPZSpir0giJQ8jGxoPfxpVr1rDJ89EkwvvQu1Az3Fx269dqkzPbORZr3kWYe7wVFcPfJyjzwQWWg9QAXcvBizi714hYW8D7l2PFwvnL3gdju9g8UmvURpFjwh4S49CliOvaF3Bbw8QEA8v8swOx6DOb2kHTQ9kJ9jvcrUgLsmjh08ab69vAnECD2nMwU9BaH4uu2THrz1bYw96giTuzhdFz3qZ2S9aEWKPaN6cz224vS837SBvRKtE7vqumq9nemavWsaZL0uNHU94s1WvOPucb2gwlC9JjJ8Pe10lr1/eQg9re57OkFdIbzBtRM916hcvLU0+LwgKII9t4vpu/dYVj20dvw8WLxovai3tDzlTwy9UUYBvWS32jvgrva7UGj+PBWaO71Lt3M93MhxPO9/Sj2W+ka9omAJvZmCj71+14k8Lbj4Omw77zyji3i900jSPBEOIb27vUQ9DR0jvYgTgD3cCKC8AgcePVkpBzzgzDC9GKQ+PZSZbz19D4Q95ea2O70dDb1C8Uy82YWMvZV6AD2NxZK7cB5xvALQLr05tgu65doVPagiP7yRV1E9YeSdPc0N77xsiwG9qF0NvfqEpjtXBow9UR3uvKtWML3AGc68A6w0PYhctDzg+ni9fShYvd1Oa71RGF29QFtXPVxHYLyL+5m99tN7Pe7Avjuz9IY9hZv4vD8ZhDxYvBU9I6CCvdbg/7zk3SC9eLAlPSvImDyZd5Q7YaLaPExNGr0=';

/** The recorded vector (float32, little-endian in the string). */
export function canaryVector(): Float32Array {
  const bytes = Buffer.from(RECORDED, 'base64');
  const out = new Float32Array(ENCODER_DIM);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Max absolute difference between `v` and the recorded vector (Infinity for a wrong length or a NaN). */
export function canaryDiff(v: Float32Array): number {
  const ref = canaryVector();
  if (v.length !== ref.length) return Infinity;
  let d = 0;
  for (let k = 0; k < ref.length; k++) {
    const x = Math.abs(v[k] - ref[k]);
    if (Number.isNaN(x)) return Infinity;
    d = Math.max(d, x);
  }
  return d;
}
