// Security keys and passkeys on the staff pages (ADR 0174): a small progressive enhancement.
// Without JavaScript or WebAuthn the sections stay hidden and password + code still work.
// The server sends the options as JSON with base64url binary fields; this turns them into
// ArrayBuffers for navigator.credentials, and the answer back into JSON. Nothing else is loaded.
(() => {
  if (!window.PublicKeyCredential || !navigator.credentials) return;
  for (const note of document.querySelectorAll('[data-webauthn-fallback]')) note.hidden = true;
  const fromB64 = (s) => {
    const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
    return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
  };
  const toB64 = (buf) => {
    let s = '';
    for (const x of new Uint8Array(buf)) s += String.fromCharCode(x);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  };
  const post = async (url, body) => {
    const res = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data?.error?.message ?? String(res.status));
    return data;
  };
  const credentialJson = (cred) => {
    const r = cred.response;
    const response = { clientDataJSON: toB64(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64(r.attestationObject);
      if (r.getTransports) response.transports = r.getTransports();
    } else {
      response.authenticatorData = toB64(r.authenticatorData);
      response.signature = toB64(r.signature);
      if (r.userHandle && r.userHandle.byteLength > 0) response.userHandle = toB64(r.userHandle);
    }
    const out = {
      id: cred.id,
      rawId: toB64(cred.rawId),
      type: cred.type,
      response,
      clientExtensionResults: {},
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    return out;
  };
  const ceremony = (section, run) => {
    const status = section.querySelector('[role=status]');
    const button = section.querySelector('button');
    section.hidden = false;
    const form = button.form;
    (form ?? button).addEventListener(form ? 'submit' : 'click', async (e) => {
      e.preventDefault();
      if (form && !form.reportValidity()) return;
      button.disabled = true;
      status.textContent = section.dataset.waiting;
      try {
        const done = await run(section, form);
        window.location.assign(done.redirect);
      } catch (err) {
        status.textContent = err instanceof DOMException ? section.dataset.cancelled : err.message;
        button.disabled = false;
      }
    });
  };
  const csrf = (section) => section.dataset.csrf;

  const signIn = document.getElementById('webauthn-sign-in');
  if (signIn) {
    ceremony(signIn, async (section) => {
      const { options } = await post(section.dataset.options, { _csrf: csrf(section) });
      const publicKey = {
        ...options,
        challenge: fromB64(options.challenge),
        allowCredentials: (options.allowCredentials ?? []).map((c) => ({ ...c, id: fromB64(c.id) })),
      };
      const cred = await navigator.credentials.get({ publicKey });
      return post(section.dataset.verify, { _csrf: csrf(section), response: credentialJson(cred) });
    });
  }

  const add = document.getElementById('webauthn-add');
  if (add) {
    ceremony(add, async (section, form) => {
      const { options } = await post(section.dataset.options, { _csrf: csrf(section) });
      const publicKey = {
        ...options,
        challenge: fromB64(options.challenge),
        user: { ...options.user, id: fromB64(options.user.id) },
        excludeCredentials: (options.excludeCredentials ?? []).map((c) => ({ ...c, id: fromB64(c.id) })),
      };
      const cred = await navigator.credentials.create({ publicKey });
      const name = form.querySelector('[name=name]').value;
      return post(section.dataset.verify, { _csrf: csrf(section), name, response: credentialJson(cred) });
    });
  }
})();
