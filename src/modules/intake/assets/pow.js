// Proof of work for the intake form (ADR 0042, ADR 0196). Optional: without JavaScript the form
// still works, under stricter limits. Finds n with SHA-256(challenge + ":" + n) starting with d
// zero bits, in a Web Worker (/intake/pow-worker.js) so the page stays responsive; where
// workers are unavailable, on this thread as before. While it works, the page shows the
// "sending securely" panel that is already in the HTML (hidden, so a visitor without
// JavaScript never sees it) with the attempts so far against the expected number (2^d).
(() => {
  const form = document.querySelector('form[data-pow]');
  if (!form) return;
  const challenge = form.querySelector('[name=pow_challenge]');
  const solution = form.querySelector('[name=pow_solution]');
  const button = form.querySelector('button[type=submit]');
  const panel = document.getElementById('pow-progress');
  const bar = panel?.querySelector('progress');
  const status = document.getElementById('pow-status');
  const d = Number(challenge.value.split('.')[1]);
  const expected = 2 ** d;
  const lang = document.documentElement.lang || undefined;
  const count = (n) => n.toLocaleString(lang);

  const show = (attempts) => {
    if (!panel) return;
    if (bar) {
      // Past the expected number the bar cannot say how much is left: it becomes indeterminate.
      if (attempts <= expected) bar.value = attempts;
      else bar.removeAttribute('value');
    }
    if (status) {
      status.textContent = (status.dataset.template ?? '')
        .replace('{done}', count(attempts))
        .replace('{expected}', count(expected));
    }
  };

  const zeros = (b) => {
    let n = 0;
    for (const x of new Uint8Array(b)) {
      if (x === 0) {
        n += 8;
        continue;
      }
      return n + Math.clz32(x) - 24;
    }
    return n;
  };

  // The path from before the worker: one digest at a time on this thread.
  const onThisThread = async () => {
    if (!window.crypto?.subtle) return '';
    const enc = new TextEncoder();
    for (let n = 0; ; n += 1) {
      if (zeros(await crypto.subtle.digest('SHA-256', enc.encode(`${challenge.value}:${n}`))) >= d) {
        return String(n);
      }
      if (n % 4096 === 4095) show(n + 1);
    }
  };

  const inWorker = () =>
    new Promise((resolve, reject) => {
      let worker;
      try {
        worker = new Worker('/intake/pow-worker.js');
      } catch (error) {
        reject(error);
        return;
      }
      worker.onmessage = (event) => {
        const message = event.data ?? {};
        if (message.type === 'progress') show(message.attempts);
        else {
          worker.terminate();
          if (message.type === 'found') resolve(message.solution);
          else reject(new Error('worker refused'));
        }
      };
      worker.onerror = (event) => {
        event.preventDefault?.();
        worker.terminate();
        reject(new Error('worker failed'));
      };
      worker.postMessage({ challenge: challenge.value, difficulty: d });
    });

  let busy = false;
  form.addEventListener('submit', async (e) => {
    if (solution.value !== '') return;
    e.preventDefault();
    if (busy) return;
    busy = true;
    if (button) button.disabled = true;
    if (panel) panel.hidden = false;
    show(0);
    let found;
    try {
      found = await inWorker();
    } catch {
      found = await onThisThread();
    }
    // An empty solution is the no-JavaScript path (no WebCrypto here at all).
    solution.value = found;
    form.submit();
  });

  // Coming back to the page from the browser's history: the form can be used again.
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    busy = false;
    if (button) button.disabled = false;
    if (panel) panel.hidden = true;
  });
})();
