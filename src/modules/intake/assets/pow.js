// Proof of work for the intake form (ADR 0042). Optional: without JavaScript the form still
// works, under stricter limits. Finds n with SHA-256(challenge + ":" + n) starting with d zero bits.
(() => {
  const form = document.querySelector('form[data-pow]');
  if (!form || !window.crypto || !crypto.subtle) return;
  const challenge = form.querySelector('[name=pow_challenge]');
  const solution = form.querySelector('[name=pow_solution]');
  const d = Number(challenge.value.split('.')[1]);
  const enc = new TextEncoder();
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
  let busy = false;
  form.addEventListener('submit', async (e) => {
    if (solution.value !== '') return;
    e.preventDefault();
    if (busy) return;
    busy = true;
    const button = form.querySelector('button');
    button.disabled = true;
    for (let n = 0; ; n += 1) {
      if (zeros(await crypto.subtle.digest('SHA-256', enc.encode(`${challenge.value}:${n}`))) >= d) {
        solution.value = String(n);
        break;
      }
    }
    form.submit();
  });
})();
