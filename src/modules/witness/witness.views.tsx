import type { Locale } from '../../platform/i18n/index.ts';
import { CsrfField } from '../../platform/ui/index.ts';
import { witnessMessages as wm } from './witness.messages.ts';
import type { SilenceView } from './witness.silence.ts';

const minute = (d: Date) => d.toISOString().slice(0, 16).replace('T', ' ');

/**
 * The silence alarm on the administration page (ADR 0213), beside the fork alarm: every alarm
 * not yet acknowledged, with the peer, the newest checkpoint exchanged with it, and whether
 * checkpoints arrived again since.
 */
export function SilenceAlarm(props: {
  locale: Locale;
  csrf: string;
  silences: readonly SilenceView[] | null;
  minutes: number;
  canAcknowledge: boolean;
}) {
  const l = props.locale;
  if (props.silences === null || props.silences.length === 0) return null;
  return (
    <section aria-labelledby="silences-h" id="silences" role="alert">
      <h2 id="silences-h">{wm(l, 'witness.silences')}</h2>
      <p class="notice">{wm(l, 'witness.silences_help', { minutes: props.minutes })}</p>
      <ul>
        {props.silences.map((s) => (
          <li key={s.id} data-silence={s.id}>
            {wm(l, s.peerRole === 'origin' ? 'witness.silence_origin' : 'witness.silence_witness', {
              peer: s.peerLabel === null ? s.peer : `${s.peerLabel} (${s.peer})`,
              last: s.lastCheckpointAt === null ? wm(l, 'witness.silence_never') : minute(s.lastCheckpointAt),
            })}
            ; {wm(l, 'witness.silence_raised', { at: minute(s.raisedAt) })}
            {s.endedAt === null ? null : <>; {wm(l, 'witness.silence_ended', { at: minute(s.endedAt) })}</>}
            {props.canAcknowledge ? (
              <form method="post" action={`/staff/admin/forks/silences/${s.id}/acknowledge?lang=${l}`}>
                <CsrfField token={props.csrf} />
                <button type="submit">{wm(l, 'witness.silence_acknowledge')}</button>
              </form>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
